#!/usr/bin/env bash
# `npm run bench`: the benchmarks in headless Chromium (see BENCHMARKS.md).
#   1. scripts/build.sh: the npm package (pkg/) and the core build (target/pkg-core/), whose
#      size.json files are the size figures;
#   2. the same build steps with the `bench` feature (the Rust-API bench functions of src/bench.rs)
#      into bench/pkg/, which the benchmark page loads;
#   3. bench/run.mjs: runs the page, prints the table, writes bench/results.json and BENCHMARKS.md.
#
#   bash scripts/bench.sh             everything
#   bash scripts/bench.sh --profile   CPU profiles of each benchmark (bench/profiles/), a build that
#                                     keeps wasm function names; writes no results
#   bash scripts/bench.sh --no-build  reuse the builds already there (sizes as last built); for
#                                     working on the page only
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

profile=0 build=1 runner_args=()
for arg in "$@"; do
  case $arg in
    --profile) profile=1; runner_args+=(--profile) ;;
    --no-build) build=0 ;;
    --only=*) runner_args+=("$arg") ;;
    *) die "unknown option $arg" "bash scripts/bench.sh [--profile] [--no-build] [--only=name,...]" ;;
  esac
done

bash scripts/setup.sh

if [ "$build" = 1 ]; then
  say "building the package and the core build (their gzipped sizes are figures 4a and 4b)"
  bash scripts/build.sh

  # As scripts/build.sh builds, with the bench feature, in its own target directory (so that a
  # build.sh running at the same time never races this one for the same output file).
  WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue"
  out=bench/pkg
  say "building $out (the package with the bench feature)"
  if [ "$profile" = 1 ]; then
    # Function names kept, for readable profiles.
    export CARGO_PROFILE_RELEASE_STRIP=none CARGO_PROFILE_RELEASE_DEBUG=false
    keep_names=(-g)
  else
    keep_names=(--strip-debug --strip-producers)
  fi
  wasm_file=target/bench/wasm32-unknown-unknown/release/daily_sync.wasm
  if ! ( [ "$(wasm_route)" = debian ] && export PATH=/usr/bin:$PATH
         RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR=target/bench \
           cargo build --target wasm32-unknown-unknown -Z build-std=std,panic_abort --release --lib --quiet \
           --features bench 2>/dev/null ); then
    say "the size-optimized build is not available here; using the plain release build"
    CARGO_TARGET_DIR=target/bench cargo_wasm build --release --lib --quiet --features bench ||
      die "cargo build (bench) failed" "cargo build --target wasm32-unknown-unknown --release --lib --features bench"
  fi
  rm -rf "$out"
  wasm-bindgen --target web --out-dir "$out" "$wasm_file" ||
    die "wasm-bindgen (bench) failed" "wasm-bindgen --target web --out-dir $out $wasm_file"
  npx --no-install wasm-opt -Oz "${keep_names[@]}" $WASM_FEATURES "$out/daily_sync_bg.wasm" -o "$out/daily_sync_bg.wasm" ||
    die "wasm-opt (bench) failed" "npx wasm-opt -Oz $out/daily_sync_bg.wasm -o $out/daily_sync_bg.wasm"
else
  say "--no-build: using pkg/, target/pkg-core/ and bench/pkg/ as they are (sizes as last built)"
  [ -f bench/pkg/daily_sync.js ] || die "bench/pkg/ is not built" "bash scripts/bench.sh (without --no-build)"
fi

say "running the benchmarks in headless Chromium"
node bench/run.mjs "${runner_args[@]}"
