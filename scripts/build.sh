#!/usr/bin/env bash
# Builds the npm package into pkg/ (the full build) and the core build into target/pkg-core/ (no
# local room, no REST: what an app on a real Daily room needs), and prints their gzipped sizes.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Rust >= 1.87 emits these post-MVP features for wasm32; wasm-opt must be told it may keep them.
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue"

# The smallest wasm comes from rebuilding std with panics that abort at once (no panic messages,
# no formatting machinery: about a quarter of the size). That needs std's source and unstable
# flags; where they are missing, the ordinary release build is used.
small_build() { # cargo-feature-flags...

  [ "$(wasm_route)" = debian ] && export PATH=/usr/bin:$PATH
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR=target/small \
    cargo build --target wasm32-unknown-unknown -Z build-std=std,panic_abort --release --lib --quiet "$@" 2>/dev/null
}

build_one() { # name out-dir cargo-feature-flags...
  local name=$1 out=$2; shift 2
  local wasm_file=target/small/wasm32-unknown-unknown/release/daily_sync.wasm
  if ! (small_build "$@"); then
    say "the size-optimized build is not available here; using the plain release build"
    cargo_wasm build --release --lib --quiet "$@" || die "cargo build ($name) failed" "see the compiler output above"
    wasm_file=target/wasm32-unknown-unknown/release/daily_sync.wasm
  fi
  wasm-bindgen --target web --out-dir "$out" "$wasm_file" ||
    die "wasm-bindgen ($name) failed" "wasm-bindgen --target web --out-dir $out $wasm_file"
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
