#!/usr/bin/env bash
# Local servers for the integration tests: moto (AWS emulator) and the Temporal dev server, on 127.0.0.1 only.
#
#   scripts/servers.sh start [moto|temporal]...   start what is not running yet, wait until ready, print env exports
#   scripts/servers.sh stop  [moto|temporal]...   stop (whole process groups; SIGTERM, then SIGKILL)
#   scripts/servers.sh status [moto|temporal]...  exit 0 only if all named servers are running (exit 3 otherwise)
#   scripts/servers.sh env                        print the env exports only
#
# Progress goes to stderr and the exports to stdout, so `eval "$(scripts/servers.sh start)"` works.
# Pid files and logs live in the git-ignored .run/ folder. The time-skipping test server needs no script: the SDK
# starts it per test environment (test/support/servers.ts).
#
# Settings (env): MOTO_PORT (5055), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), AWS_REGION (us-east-1),
# SERVER_START_TIMEOUT seconds per server (60), TEMPORAL_DB_FILE (unset = in-memory; set e.g. .run/temporal.db to keep
# workflow histories across restarts when debugging locally).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
BIN="$ROOT/.tools/venv/bin"

MOTO_PORT="${MOTO_PORT:-5055}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
START_TIMEOUT="${SERVER_START_TIMEOUT:-60}"
ALL_SERVERS=(moto temporal)
# Name=Type; must match RESTORE_SEARCH_ATTRIBUTES in src/workflows/messages.ts.
SEARCH_ATTRIBUTES=(AuroraRestoreTarget=Keyword AuroraRestoreSource=Keyword AuroraRestoreStep=Keyword
  AuroraRestoreStatus=Keyword AuroraRestoreExpiresAt=Datetime)

say() { printf 'servers: %s\n' "$*" >&2; }
die() {
  printf 'servers: ERROR: %s\n' "$*" >&2
  exit 1
}

port_of() {
  case "$1" in
    moto) echo "$MOTO_PORT" ;;
    temporal) echo "$TEMPORAL_PORT" ;;
    *) die "unknown server '$1' (known: ${ALL_SERVERS[*]})" ;;
  esac
}

pid_file() { echo "$RUN/$1.pid"; }
log_file() { echo "$RUN/$1.log"; }

# The pid recorded for $1 if that process is alive and still the server we started (guards against pid reuse).
live_pid() {
  local file pid
  file="$(pid_file "$1")"
  [[ -f "$file" ]] || return 1
  pid="$(cat "$file")"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  case "$1" in
    moto) grep -qa moto_server "/proc/$pid/cmdline" 2>/dev/null || return 1 ;;
    temporal) grep -qa temporal "/proc/$pid/cmdline" 2>/dev/null || return 1 ;;
  esac
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# A healthy server of the right kind on the port that this script did not start (e.g. a teammate's). It is used
# as is, and never stopped by this script.
external_ok() {
  case "$1" in
    moto) command -v curl >/dev/null && curl -fsS --max-time 3 -o /dev/null "http://127.0.0.1:$MOTO_PORT/moto-api/" ;;
    temporal) temporal_ready ;;
  esac
}

log_tail() {
  local log
  log="$(log_file "$1")"
  printf -- '----- last lines of %s -----\n' "${log#"$ROOT"/}" >&2
  tail -n 30 "$log" >&2 2>/dev/null || true
  printf -- '-----\n' >&2
}

# Extra readiness check beyond the open port: the dev server answers and has our search attributes registered.
temporal_ready() {
  local out
  out="$("$BIN/temporal" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" \
    --command-timeout 5s 2>/dev/null)" || return 1
  local sa
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -q "${sa%%=*}" <<<"$out" || return 1
  done
}

# A running dev server started before an attribute was added to SEARCH_ATTRIBUTES: add the missing ones (additive
# and idempotent; nothing is removed or restarted).
register_missing_attributes() {
  local out sa
  out="$("$BIN/temporal" operator search-attribute list --address "127.0.0.1:$TEMPORAL_PORT" \
    --command-timeout 5s 2>/dev/null)" || return 1
  for sa in "${SEARCH_ATTRIBUTES[@]}"; do
    grep -q "${sa%%=*}" <<<"$out" && continue
    say "registering search attribute ${sa%%=*} (${sa#*=}) on the running dev server"
    "$BIN/temporal" operator search-attribute create --address "127.0.0.1:$TEMPORAL_PORT" \
      --command-timeout 5s --name "${sa%%=*}" --type "${sa#*=}" >&2 || return 1
  done
}

launch() {
  local name="$1" log
  log="$(log_file "$name")"
  : >"$log"
  local cmd=()
  case "$name" in
    moto)
      [[ -x "$BIN/moto_server" ]] || die "moto_server not found in .tools/venv/bin; run scripts/install.sh"
      cmd=("$BIN/moto_server" -H 127.0.0.1 -p "$MOTO_PORT")
      ;;
    temporal)
      [[ -x "$BIN/temporal" ]] || die "temporal CLI not found in .tools/venv/bin; run scripts/install.sh"
      cmd=("$BIN/temporal" server start-dev --ip 127.0.0.1 --port "$TEMPORAL_PORT" --ui-port "$TEMPORAL_UI_PORT"
        --log-level warn --ui-disable-news-fetch
        # No outbound calls on a closed network (the SDK's own ephemeral server passes the same flag).
        --dynamic-config-value frontend.enableServerVersionCheck=false)
      local sa
      for sa in "${SEARCH_ATTRIBUTES[@]}"; do cmd+=(--search-attribute "$sa"); done
      # In-memory by default: CI starts from nothing, tests use unique ids, and no stale sqlite state or lock can
      # survive a killed run. TEMPORAL_DB_FILE opts into persistence for local debugging.
      if [[ -n "${TEMPORAL_DB_FILE:-}" ]]; then cmd+=(--db-filename "$TEMPORAL_DB_FILE"); fi
      ;;
  esac
  # setsid: the server leads its own process group, so `stop` can kill it with all its children, and it survives
  # the shell that started it (stdin from /dev/null: CI has no stdin).
  setsid "${cmd[@]}" </dev/null >>"$log" 2>&1 &
  echo $! >"$(pid_file "$name")"
}

wait_ready() {
  local name="$1" port pid deadline
  port="$(port_of "$name")"
  pid="$(cat "$(pid_file "$name")")"
  deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      log_tail "$name"
      rm -f "$(pid_file "$name")"
      die "$name exited during startup (see .run/$name.log above)"
    fi
    if port_open "$port"; then
      if [[ "$name" != temporal ]] || temporal_ready; then return 0; fi
    fi
    sleep 0.3
  done
  log_tail "$name"
  stop_one "$name" >/dev/null 2>&1 || true
  die "$name did not accept connections on 127.0.0.1:$port within ${START_TIMEOUT}s (raise SERVER_START_TIMEOUT?)"
}

start_one() {
  local name="$1" port pid
  port="$(port_of "$name")"
  if pid="$(live_pid "$name")"; then
    say "$name already running (pid $pid, 127.0.0.1:$port)"
    return
  fi
  rm -f "$(pid_file "$name")"
  if [[ "$name" == temporal ]] && port_open "$port" && ! temporal_ready; then register_missing_attributes || true; fi
  if port_open "$port" && external_ok "$name"; then
    say "$name already running on 127.0.0.1:$port, not started by this script: using it as is"
    return
  fi
  if port_open "$port"; then
    die "port 127.0.0.1:$port is already in use by a process not started by this script; stop it, or choose another port with $(tr '[:lower:]' '[:upper:]' <<<"$name")_PORT"
  fi
  local t0=$SECONDS
  launch "$name"
  wait_ready "$name"
  say "$name started (pid $(cat "$(pid_file "$name")"), 127.0.0.1:$port, $((SECONDS - t0))s, log .run/$name.log)"
}

stop_one() {
  local name="$1" pid i
  if ! pid="$(live_pid "$name")"; then
    rm -f "$(pid_file "$name")"
    say "$name not running from this script (servers it did not start are left alone)"
    return
  fi
  # Negative pid = the whole process group created by setsid.
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 -- "-$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 -- "-$pid" 2>/dev/null; then
    say "$name did not stop within 5s after SIGTERM; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$(pid_file "$name")"
  say "$name stopped (pid $pid)"
}

print_env() {
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=${AWS_REGION:-us-east-1}
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_CLI_PATH=$BIN/temporal
export TEMPORAL_TEST_SERVER_PATH=$BIN/temporal-test-server
EOF
}

main() {
  local action="${1:-}"
  [[ $# -gt 0 ]] && shift
  local names=("$@")
  [[ ${#names[@]} -gt 0 ]] || names=("${ALL_SERVERS[@]}")
  local n
  for n in "${names[@]}"; do port_of "$n" >/dev/null; done
  mkdir -p "$RUN"
  case "$action" in
    start)
      for n in "${names[@]}"; do start_one "$n"; done
      print_env
      ;;
    stop)
      for n in "${names[@]}"; do stop_one "$n"; done
      ;;
    status)
      local rc=0 pid
      for n in "${names[@]}"; do
        if pid="$(live_pid "$n")"; then
          say "$n running (pid $pid, 127.0.0.1:$(port_of "$n"))"
        elif port_open "$(port_of "$n")" && external_ok "$n"; then
          say "$n running on 127.0.0.1:$(port_of "$n") (not started by this script)"
        else
          say "$n stopped"
          rc=3
        fi
      done
      return "$rc"
      ;;
    env) print_env ;;
    *)
      echo "usage: $0 start|stop|status [moto|temporal]... | env" >&2
      return 2
      ;;
  esac
}

main "$@"
