#!/usr/bin/env bash
# Sets up, builds, and runs the dev server: the demo in www/ on http://127.0.0.1:${PORT:-8080}/,
# local rooms over WebSocket, and Daily's send-app-message endpoint under /v1.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh
cargo build --quiet -p daily-sync-dev-server || die "the dev server did not build" "cargo build -p daily-sync-dev-server"
exec target/debug/daily-sync-dev-server --root "$ROOT"
