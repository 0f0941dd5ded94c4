#!/usr/bin/env bash
# Local servers for the integration tests, on 127.0.0.1 only: moto (AWS emulator), the Temporal dev server, and the
# PostgreSQL and MariaDB servers (Debian packages, scripts/install.sh) that stand in for a restored cluster's database.
#
#   scripts/servers.sh start [moto|temporal|postgres|mariadb]...   start what is not running yet, wait, print env exports
#   scripts/servers.sh stop  [moto|temporal|postgres|mariadb]...   stop (process groups; SIGTERM, then SIGKILL)
#   scripts/servers.sh status [moto|temporal|postgres|mariadb]...  exit 0 only if all named servers run (else 3)
#   scripts/servers.sh env                        print the env exports only (also PATH with .tools/bin, for
#                                                 `temporal` and the project's Node, and TEMPORAL_UI_URL for links)
#
# Progress goes to stderr and the exports to stdout, so `eval "$(scripts/servers.sh start)"` works.
# Pid files and logs live in the git-ignored .run/ folder. The time-skipping test server needs no script: the SDK
# starts it per test environment (test/support/servers.ts).
#
# Settings (env): MOTO_PORT (5055), TEMPORAL_PORT (7233), TEMPORAL_UI_PORT (8233), AWS_REGION (us-east-1),
# SERVER_START_TIMEOUT seconds per server (60), TEMPORAL_DB_FILE (unset = in-memory; set e.g. .run/temporal.db to keep
# workflow histories across restarts when debugging locally), PG_PORT (55432), MARIADB_PORT (33306).
#
# The database servers are created on first start under .run/ with TLS (a local CA made with openssl, .run/db-tls/) and
# a master user `dbmaster` whose random password is kept in .run/db-tls/master-password; the env exports name them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/.run"
BIN="$ROOT/.tools/venv/bin"

MOTO_PORT="${MOTO_PORT:-5055}"
TEMPORAL_PORT="${TEMPORAL_PORT:-7233}"
TEMPORAL_UI_PORT="${TEMPORAL_UI_PORT:-8233}"
PG_PORT="${PG_PORT:-55432}"
MARIADB_PORT="${MARIADB_PORT:-33306}"
START_TIMEOUT="${SERVER_START_TIMEOUT:-60}"
ALL_SERVERS=(moto temporal postgres mariadb)
PG_BIN=""
for dir in /usr/lib/postgresql/*/bin; do [[ -x "$dir/postgres" ]] && PG_BIN="$dir"; done
TLS_DIR="$RUN/db-tls"
DB_MASTER_USER=dbmaster
# PostgreSQL runs as the `postgres` user when we are root; a checkout it cannot enter (e.g. under a 0700 mktemp
# directory) gets its data directory under /tmp instead, one per checkout.
PG_DATA="$RUN/postgres"
if [[ $EUID -eq 0 ]] && ! runuser -u postgres -- test -x "$RUN" 2>/dev/null; then
  PG_DATA="/tmp/aurora-restore-postgres-$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
fi
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
    postgres) echo "$PG_PORT" ;;
    mariadb) echo "$MARIADB_PORT" ;;
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
    postgres) grep -qa postgres "/proc/$pid/cmdline" 2>/dev/null || return 1 ;;
    mariadb) grep -qa mariadbd "/proc/$pid/cmdline" 2>/dev/null || return 1 ;;
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
    postgres | mariadb) return 1 ;; # never adopt a database we did not create: its master password is unknown
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

# Runs a command as the database service user when we are root (PostgreSQL refuses to run as root).
as_db_user() {
  if [[ $EUID -eq 0 ]]; then runuser -u "$1" -- "${@:2}"; else "${@:2}"; fi
}

# A local CA and a server certificate for localhost/127.0.0.1, and the master password; made once.
make_db_tls() {
  [[ -s "$TLS_DIR/server.pem" && -s "$TLS_DIR/master-password" ]] && return
  command -v openssl >/dev/null || die "openssl not found (Debian: apt-get install openssl)"
  # New credentials: a PostgreSQL data directory left from earlier ones (possibly under /tmp) is stale.
  rm -rf "$PG_DATA"
  mkdir -p "$TLS_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=aurora-restore local test CA" \
    -keyout "$TLS_DIR/ca-key.pem" -out "$TLS_DIR/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$TLS_DIR/server-key.pem" \
    -out "$TLS_DIR/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$TLS_DIR/san.ext"
  openssl x509 -req -in "$TLS_DIR/server.csr" -CA "$TLS_DIR/ca.pem" -CAkey "$TLS_DIR/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$TLS_DIR/san.ext" -out "$TLS_DIR/server.pem" 2>/dev/null
  # Hex only: it goes through shells and SQL literals in this script.
  openssl rand -hex 16 | tr -d '\n' >"$TLS_DIR/master-password"
}

init_postgres() {
  local data="$PG_DATA"
  [[ -n "$PG_BIN" ]] || die "PostgreSQL server not found in /usr/lib/postgresql/*/bin; run scripts/install.sh"
  make_db_tls
  [[ -s "$data/PG_VERSION" ]] && return
  rm -rf "$data"
  mkdir -p "$data"
  cp "$TLS_DIR/master-password" "$data.pw"
  if [[ $EUID -eq 0 ]]; then chown postgres "$data" "$data.pw"; fi
  chmod 700 "$data"
  as_db_user postgres "$PG_BIN/initdb" -D "$data" -U "$DB_MASTER_USER" --pwfile="$data.pw" -E UTF8 --no-locale \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 >"$(log_file postgres)" 2>&1 ||
    die "initdb failed (see .run/postgres.log)"
  rm -f "$data.pw"
  cp "$TLS_DIR/server.pem" "$TLS_DIR/server-key.pem" "$data/"
  if [[ $EUID -eq 0 ]]; then chown postgres "$data/server.pem" "$data/server-key.pem"; fi
  chmod 600 "$data/server-key.pem"
}

init_mariadb() {
  local data="$RUN/mariadb"
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]] || die "mariadbd not found; run scripts/install.sh"
  make_db_tls
  [[ -d "$data/mysql" ]] && return
  rm -rf "$data"
  mkdir -p "$data"
  mariadb-install-db --no-defaults --datadir="$data" --auth-root-authentication-method=normal --skip-test-db \
    --user="$(id -un)" >"$(log_file mariadb)" 2>&1 || die "mariadb-install-db failed (see .run/mariadb.log)"
}

# After the first start: the network master user (root only has the local socket).
setup_mariadb_master() {
  local pw
  pw="$(cat "$TLS_DIR/master-password")"
  mariadb --no-defaults -uroot --socket="$RUN/mariadb/mariadb.sock" -e \
    "CREATE USER IF NOT EXISTS '$DB_MASTER_USER'@'%' IDENTIFIED BY '$pw';
     GRANT ALL PRIVILEGES ON *.* TO '$DB_MASTER_USER'@'%' WITH GRANT OPTION;" 2>>"$(log_file mariadb)"
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
    postgres)
      init_postgres
      local runas=()
      [[ $EUID -eq 0 ]] && runas=(runuser -u postgres --)
      cmd=("${runas[@]}" "$PG_BIN/postgres" -D "$PG_DATA" -p "$PG_PORT" -c listen_addresses=127.0.0.1
        -c unix_socket_directories="$PG_DATA" -c ssl=on -c ssl_cert_file=server.pem -c ssl_key_file=server-key.pem
        -c fsync=off -c max_connections=50)
      ;;
    mariadb)
      init_mariadb
      cmd=(mariadbd --no-defaults --datadir="$RUN/mariadb" --port="$MARIADB_PORT" --bind-address=127.0.0.1
        --socket="$RUN/mariadb/mariadb.sock" --pid-file="$RUN/mariadb/mariadb.pid" --user="$(id -un)"
        --skip-name-resolve --ssl-ca="$TLS_DIR/ca.pem" --ssl-cert="$TLS_DIR/server.pem"
        --ssl-key="$TLS_DIR/server-key.pem" --innodb-buffer-pool-size=64M --skip-log-bin)
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
      case "$name" in
        temporal) temporal_ready && return 0 ;;
        mariadb) setup_mariadb_master && return 0 ;;
        *) return 0 ;;
      esac
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
  # The project's commands (`temporal`, and Node.js when scripts/install.sh installed it) first, once.
  case ":$PATH:" in
    *":$ROOT/.tools/bin:"*) ;;
    *) printf 'export PATH="%s:$PATH"\n' "$ROOT/.tools/bin" ;;
  esac
  cat <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$MOTO_PORT
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_REGION=${AWS_REGION:-us-east-1}
export TEMPORAL_ADDRESS=127.0.0.1:$TEMPORAL_PORT
export TEMPORAL_UI_URL=http://localhost:$TEMPORAL_UI_PORT
export TEMPORAL_CLI_PATH=$BIN/temporal
export TEMPORAL_TEST_SERVER_PATH=$BIN/temporal-test-server
export PG_PORT=$PG_PORT
export MARIADB_PORT=$MARIADB_PORT
export DB_MASTER_USER=$DB_MASTER_USER
export DB_MASTER_PASSWORD_FILE=$TLS_DIR/master-password
export DB_TLS_CA_FILE=$TLS_DIR/ca.pem
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
      echo "usage: $0 start|stop|status [moto|temporal|postgres|mariadb]... | env" >&2
      return 2
      ;;
  esac
}

main "$@"
