#!/usr/bin/env bash
# The main job on the embedded default, from a fresh clone: installs what it needs, starts the local Temporal dev
# server (Web UI on http://localhost:8233) and moto seeded with a source Aurora cluster and snapshot in us-east-1,
# runs a worker, and restores across regions into us-west-2 with the aurora-restore CLI, showing each step.
# The servers keep running afterwards so the run can be inspected in the Web UI; `npm run servers:stop` stops them.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Node.js from .tools/node when scripts/install.sh put it there (system Node older than 22), and `temporal`.
export PATH="$PWD/.tools/bin:$PATH"

bash scripts/install.sh
eval "$(bash scripts/servers.sh start)"
export TS_NODE_TRANSPILE_ONLY=true

node -r ts-node/register scripts/seed-demo.ts

mkdir -p .run
LOG_LEVEL=WARN node -r ts-node/register scripts/demo-worker.ts >.run/demo-worker.log 2>&1 &
worker=$!
trap 'kill -TERM "$worker" 2>/dev/null; wait "$worker" 2>/dev/null || true' EXIT

echo "Restoring examples/nightly-staging-refresh.json (us-east-1 -> us-west-2)..."
rc=0
node -r ts-node/register src/client/main.ts start examples/nightly-staging-refresh.json || rc=$?
if ((rc != 0)); then
  echo "The restore did not succeed (exit $rc); worker log: .run/demo-worker.log" >&2
fi
echo
echo "Temporal Web UI: $TEMPORAL_UI_URL (servers keep running; stop them with: npm run servers:stop)"
exit "$rc"
