#!/usr/bin/env bash
# The database steps on the embedded default: like `npm run demo`, then a restore of
# examples/staging-refresh-with-database.yaml whose database steps (users, sanitization, verification) run against
# the local PostgreSQL server, reached through `database.connectVia` as a tunnel would be. Prints what each step did.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node.js from .tools/node when scripts/install.sh put it there (system Node older than 22), and `temporal`.
export PATH="$PWD/.tools/bin:$PATH"

bash scripts/install.sh
eval "$(bash scripts/servers.sh start)"
export TS_NODE_TRANSPILE_ONLY=true

node -r ts-node/register scripts/seed-demo.ts
node -r ts-node/register scripts/seed-demo-database.ts

mkdir -p .run
# The database worker's operator, not the request, decides what the database steps may do: here, the local PostgreSQL
# as a connectVia tunnel, with verify-ca (its certificate names localhost, not the cluster endpoint) against the local
# CA. Without these the worker refuses the request with NotAllowedByDatabaseWorker.
AURORA_RESTORE_DB_TLS_MODES=verify-ca \
  AURORA_RESTORE_DB_TUNNELS="127.0.0.1:$PG_PORT" \
  AURORA_RESTORE_DB_CA_DIR="$(dirname "$DB_TLS_CA_FILE")" \
  LOG_LEVEL=WARN node -r ts-node/register scripts/demo-worker.ts >.run/demo-worker.log 2>&1 &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT

echo "Restoring examples/staging-refresh-with-database.yaml (as .run/demo-database-request.json)..."
rc=0
node -r ts-node/register src/client/main.ts start .run/demo-database-request.json || rc=$?
if ((rc != 0)); then
  echo "The restore did not succeed (exit $rc); worker log: .run/demo-worker.log" >&2
else
  echo
  echo "The read-only user can log in and sees masked data:"
  echo "  PGPASSWORD=<orders_readonly's secret> psql 'host=127.0.0.1 port=$PG_PORT dbname=orders user=orders_readonly sslmode=verify-full sslrootcert=$DB_TLS_CA_FILE'"
fi
echo
echo "Temporal Web UI: $TEMPORAL_UI_URL (servers keep running; stop them with: npm run servers:stop)"
exit "$rc"
