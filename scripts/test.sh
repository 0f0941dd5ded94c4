#!/usr/bin/env bash
# Runs the test suites in one mocha process and ends with the plain line `N passed, N failed, N skipped`.
#
#   scripts/test.sh                      all suites: unit, replay, moto, db, workflow, e2e, chaos (short form)
#   scripts/test.sh 'test/unit/**/*.test.ts' ...   only these files/globs
#
# Starts moto, the Temporal dev server, PostgreSQL and MariaDB (scripts/servers.sh) unless they already run, and stops
# only those it started. TEST_SERVERS=0 skips server handling (for server-less suites). Exits non-zero on any failure, including a
# mocha crash before it could report (counted as one failure).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The project's commands first: Node.js from .tools/node when scripts/install.sh put it there, and `temporal`.
export PATH="$ROOT/.tools/bin:$PATH"
mkdir -p .run

SUITES=(
  'test/unit/**/*.test.ts'
  'test/replay/**/*.test.ts'
  'test/moto/**/*.test.ts'
  'test/db/**/*.test.ts'
  'test/workflow/**/*.test.ts'
  'test/e2e/**/*.test.ts'
  'test/chaos/**/*.test.ts'
)
[[ $# -eq 0 ]] || SUITES=("$@")

export SUMMARY_FILE="$ROOT/.run/test-summary.json"
rm -f "$SUMMARY_FILE"

# Counts a failure that kept mocha from reporting, so the output still ends with the summary line.
fail_unreported() {
  echo "test: $1" >&2
  printf '{"passed":0,"failed":1,"skipped":0}\n' >"$SUMMARY_FILE"
  printf '0 passed, 1 failed, 0 skipped\n'
  exit 1
}

STARTED=()
stop_started() {
  if [[ ${#STARTED[@]} -gt 0 ]]; then
    # Quietly: the summary line must stay the last line of the output.
    bash scripts/servers.sh stop "${STARTED[@]}" >>.run/servers.log 2>&1 || echo "test: could not stop ${STARTED[*]} (see .run/servers.log)" >&2
    STARTED=()
  fi
}
trap stop_started EXIT
trap 'exit 130' INT TERM

if [[ "${TEST_SERVERS:-1}" != 0 ]]; then
  for server in moto temporal postgres mariadb; do
    bash scripts/servers.sh status "$server" 2>/dev/null || STARTED+=("$server")
  done
  # The exports (AWS_ENDPOINT_URL, TEMPORAL_ADDRESS, binary paths, test credentials) go to stdout.
  exports="$(bash scripts/servers.sh start)" || fail_unreported "test servers did not start (see the messages above)"
  eval "$exports"
fi

rc=0
# Globs are quoted so mocha expands `**` itself; a glob matching nothing only warns.
npx --no-install mocha "${SUITES[@]}" || rc=$?

stop_started
# mocha died before its reporter ran (no test files, a load error, ...): count it, never report success.
[[ -s "$SUMMARY_FILE" ]] || fail_unreported "mocha exited with code $rc before reporting results"
exit "$rc"
