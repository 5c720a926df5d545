#!/usr/bin/env bash
# Sets up, builds, and serves the demo in www/ (and pkg/) on http://127.0.0.1:${PORT:-8080}.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/build.sh
exec node scripts/serve.mjs
