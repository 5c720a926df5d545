#!/usr/bin/env bash
# Builds the Leptos example (examples/leptos-qa/, a workspace of its own) for wasm32 into
# target/examples/leptos-qa/site/: its index.html, and its wasm and glue in pkg/. Serve the folder
# (or the repository, as the page test does) and open index.html?room=qa&name=Ann.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

site=target/examples/leptos-qa/site
(cd examples/leptos-qa && CARGO_TARGET_DIR="$ROOT/target/examples" cargo_wasm build --release --quiet) ||
  die "the Leptos example did not build" "cd examples/leptos-qa && cargo build --target wasm32-unknown-unknown --release"
rm -rf "$site"
mkdir -p "$site"
wasm-bindgen --target web --out-dir "$site/pkg" target/examples/wasm32-unknown-unknown/release/daily_sync_leptos_qa.wasm ||
  die "wasm-bindgen (the Leptos example) failed" "wasm-bindgen --target web --out-dir $site/pkg target/examples/wasm32-unknown-unknown/release/daily_sync_leptos_qa.wasm"
cp examples/leptos-qa/index.html "$site/"
