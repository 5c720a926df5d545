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
small_build() ( # cargo-feature-flags... (a subshell: its PATH stays its own)
  if [ "$(wasm_route)" = debian ]; then export PATH=/usr/bin:$PATH; fi
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none -Zfmt-debug=none" \
    CARGO_TARGET_DIR=target/small \
    cargo build --target wasm32-unknown-unknown -Z build-std=std,panic_abort --release --lib --quiet "$@"
)

# Runs a build with its stderr in $BUILD_LOG; a warning fails it (shown whole), as clippy's
# `-D warnings` fails the checks: nothing the compiler says is dropped. Exit 1: the build failed
# (its output is in $BUILD_LOG), 2: it built with warnings.
BUILD_LOG=$(mktemp)
trap 'rm -f "$BUILD_LOG"' EXIT
no_warnings() { # command...
  "$@" 2>"$BUILD_LOG" || return 1
  if grep -qE '^warning' "$BUILD_LOG"; then cat "$BUILD_LOG" >&2; return 2; fi
}

build_entry() { # entry (core, local, rest, channels, ordered)
  local entry=$1 out=pkg/wasm/$1
  local wasm_file=target/small/wasm32-unknown-unknown/release/daily_sync.wasm
  local features=(--no-default-features --features "npm-$entry")
  local built=0
  no_warnings small_build "${features[@]}" || built=$?
  [ "$built" = 2 ] && die "the $entry entry built with warnings (above)" "cargo_wasm clippy --lib ${features[*]} -- -D warnings"
  if [ "$built" = 1 ]; then
    say "the size-optimized build is not available here ($(grep -m1 -E '^error' "$BUILD_LOG" || echo 'see cargo'));" \
      "using the plain release build"
    built=0
    no_warnings cargo_wasm build --release --lib --quiet "${features[@]}" || built=$?
    [ "$built" = 1 ] && { cat "$BUILD_LOG" >&2; die "cargo build ($entry) failed" "see the compiler output above"; }
    [ "$built" = 2 ] && die "the $entry entry built with warnings (above)" "cargo_wasm clippy --lib ${features[*]} -- -D warnings"
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
