#!/usr/bin/env bash
# Builds the npm package into pkg/ (the full build) and the core build into target/pkg-core/ (no
# local room, no REST: what an app on a real Daily room needs), and prints their gzipped sizes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Rust >= 1.87 emits these post-MVP features for wasm32; wasm-opt must be told it may keep them.
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue"

build_one() { # name out-dir cargo-feature-flags...
  local name=$1 out=$2; shift 2
  cargo_wasm build --release --lib --quiet "$@" || die "cargo build ($name) failed" "see the compiler output above"
  wasm-bindgen --target web --out-dir "$out" target/wasm32-unknown-unknown/release/daily_sync.wasm ||
    die "wasm-bindgen ($name) failed" "wasm-bindgen --target web --out-dir $out target/wasm32-unknown-unknown/release/daily_sync.wasm"
  npx --no-install wasm-opt -Oz --strip-debug --strip-producers $WASM_FEATURES "$out/daily_sync_bg.wasm" -o "$out/daily_sync_bg.wasm" ||
    die "wasm-opt ($name) failed" "npx wasm-opt -Oz $out/daily_sync_bg.wasm -o $out/daily_sync_bg.wasm"
  local wasm js
  wasm=$(gzip -9c "$out/daily_sync_bg.wasm" | wc -c)
  js=$(find "$out/daily_sync.js" "$out/snippets" -name '*.js' -exec cat {} + | gzip -9c | wc -c)
  printf '%-5s build: wasm %6d B gzipped, JS glue %6d B gzipped, total %6d B (%s)\n' \
    "$name" "$wasm" "$js" $((wasm + js)) "$out"
  echo "{\"build\":\"$name\",\"wasm_gz\":$wasm,\"js_gz\":$js,\"total_gz\":$((wasm + js))}" > "$out/size.json"
}

build_one core target/pkg-core --no-default-features
build_one full pkg
