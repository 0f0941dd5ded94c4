#!/usr/bin/env bash
# `npm run chaos [-- options]`: starts moto when it is not running (stopping it afterwards), then runs scripts/chaos.ts
# with the options given. The chaos run starts its own Temporal dev server (it restarts it as one of its faults).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/.tools/bin:$PATH"
STARTED=0
if ! bash scripts/servers.sh status moto 2>/dev/null; then STARTED=1; fi
eval "$(bash scripts/servers.sh start moto)"
stop() { if ((STARTED)); then bash scripts/servers.sh stop moto >/dev/null 2>&1 || true; fi; }
trap stop EXIT
rc=0
TS_NODE_TRANSPILE_ONLY=true node -r ts-node/register scripts/chaos.ts "$@" || rc=$?
exit "$rc"
