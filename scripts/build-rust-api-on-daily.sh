#!/usr/bin/env bash
# Builds the Rust API's scenarios on the real daily-js (tests/rust-api-on-daily/) for wasm32 into
# target/rust-api-on-daily/pkg/, where tests/page/rust-api-real-daily.test.mjs loads them. The
# workspace's dev profile and target dir, as the browser tests': a build after theirs compiles
# little more than this crate and daily-sync.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

crate=daily-sync-rust-api-on-daily
out=target/rust-api-on-daily/pkg
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo_wasm build -p "$crate" --quiet 2>"$log" || { cat "$log" >&2; die "the Rust API's scenarios did not build" "cargo build -p $crate --target wasm32-unknown-unknown"; }
# A warning fails it, as it fails the other builds.
if grep -qE '^warning' "$log"; then
  cat "$log" >&2
  die "the Rust API's scenarios built with warnings (above)" "cargo clippy -p $crate --target wasm32-unknown-unknown -- -D warnings"
fi
rm -rf "$out"
wasm-bindgen --target web --out-dir "$out" "target/wasm32-unknown-unknown/debug/${crate//-/_}.wasm" ||
  die "wasm-bindgen (the Rust API's scenarios) failed" "wasm-bindgen --target web --out-dir $out target/wasm32-unknown-unknown/debug/${crate//-/_}.wasm"
