#!/usr/bin/env bash
# Builds the npm package into pkg/: each entry's own wasm (pkg/wasm/<entry>/, from this crate with
# only that entry's `npm-*` feature on), the hand-written ES modules and types of npm/ beside them,
# and prints each entry's size as an app's production build ships it (pkg/sizes.json; the budgets
# are enforced by tests/page/sizes.test.mjs).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

# Rust >= 1.87 emits these post-MVP features for wasm32; wasm-opt must be told it may keep them.
WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
  --enable-mutable-globals --enable-reference-types --enable-multivalue"

# The smallest wasm comes from rebuilding std with panics that abort at once (no panic messages,
# no formatting machinery: about a quarter of the size), no source locations and no Debug output.
# That needs std's source and unstable flags; where they are missing, the ordinary release build
# is used.
small_build() { # cargo-feature-flags...
  [ "$(wasm_route)" = debian ] && export PATH=/usr/bin:$PATH
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
    CARGO_TARGET_DIR=target/small \
    cargo build --target wasm32-unknown-unknown -Z build-std=std,panic_abort --release --lib --quiet "$@" 2>/dev/null
}

build_entry() { # entry (core, local, rest, channels, ordered)
  local entry=$1 out=pkg/wasm/$1
  local wasm_file=target/small/wasm32-unknown-unknown/release/daily_sync.wasm
  local features=(--no-default-features --features "npm-$entry")
  if ! (small_build "${features[@]}"); then
    say "the size-optimized build is not available here; using the plain release build"
    cargo_wasm build --release --lib --quiet "${features[@]}" || die "cargo build ($entry) failed" "see the compiler output above"
    wasm_file=target/wasm32-unknown-unknown/release/daily_sync.wasm
  fi
  rm -rf "$out"
  wasm-bindgen --target web --out-dir "$out" "$wasm_file" ||
    die "wasm-bindgen ($entry) failed" "wasm-bindgen --target web --out-dir $out $wasm_file"
  # --low-memory-unused: LLVM leaves the first KiB of memory unused, which lets addresses fold.
  npx --no-install wasm-opt -Oz --low-memory-unused --converge --strip-debug --strip-producers $WASM_FEATURES "$out/daily_sync_bg.wasm" -o "$out/daily_sync_bg.wasm" ||
    die "wasm-opt ($entry) failed" "npx wasm-opt -Oz $out/daily_sync_bg.wasm -o $out/daily_sync_bg.wasm"
  node scripts/short-imports.mjs "$out" || die "short import names ($entry) failed" "node scripts/short-imports.mjs $out"
}

mkdir -p pkg
for entry in core local rest channels ordered; do build_entry "$entry"; done
cp npm/*.js npm/*.d.ts pkg/
# The local call object's JS face: the entry makes call objects with it before its wasm loads.
cp src/local/local_call.js pkg/local-call.js
node scripts/sizes.mjs
