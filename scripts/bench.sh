#!/usr/bin/env bash
# `npm run bench`: the benchmarks in headless Chromium (see BENCHMARKS.md).
#   1. scripts/build.sh: the npm package's entries (pkg/), whose pkg/sizes.json are the size
#      figures; the page benchmarks the JS API as apps load it, from there;
#   2. the same build steps with the `bench` feature (the Rust-API bench functions of src/bench.rs)
#      into bench/pkg/, which the benchmark page loads beside pkg/;
#   3. bench/run.mjs: runs the page, prints the table, writes bench/results.json and BENCHMARKS.md.
#
#   bash scripts/bench.sh             everything
#   bash scripts/bench.sh --profile   CPU profiles of each timed variant and twiggy breakdowns of
#                                     each entry's wasm (bench/profiles/), from builds that keep
#                                     wasm function names; writes no results
#   bash scripts/bench.sh --no-build  reuse the builds already there, for working on the page
#                                     only; prints, never writes results (the builds may be stale)
#   bash scripts/bench.sh --only=rpc --merge   build, run those benchmarks alone, and put their
#                                     figures in bench/results.json and BENCHMARKS.md, the others kept
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

profile=0 build=1 runner_args=()
for arg in "$@"; do
  case $arg in
    --profile) profile=1; runner_args+=(--profile) ;;
    --no-build) build=0; runner_args+=(--no-write) ;;
    --only=*|--merge) runner_args+=("$arg") ;;
    *) die "unknown option $arg" "bash scripts/bench.sh [--profile] [--no-build] [--only=name,... [--merge]]" ;;
  esac
done

bash scripts/setup.sh

if [ "$build" = 1 ]; then
  say "building the package's entries (their sizes are the figures 4)"
  bash scripts/build.sh

  # As scripts/build.sh builds (small_build, then cargo_wasm if that is not available; wasm-bindgen;
  # wasm-opt -Oz), in its own target directory, so that a build.sh running at the same time never
  # races this one for the same output file.
  WASM_FEATURES="--enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue"
  bench_build() { # out-dir wasm-opt-flags cargo-feature-flags...
    local out=$1 opt=$2; shift 2
    local wasm_file=target/bench/wasm32-unknown-unknown/release/daily_sync.wasm
    if ! ( [ "$(wasm_route)" = debian ] && export PATH=/usr/bin:$PATH
           RUSTC_BOOTSTRAP=1 RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" CARGO_TARGET_DIR=target/bench \
             cargo build --target wasm32-unknown-unknown -Z build-std=std,panic_abort --release --lib --quiet "$@" 2>/dev/null ); then
      say "the size-optimized build is not available here; using the plain release build"
      CARGO_TARGET_DIR=target/bench cargo_wasm build --release --lib --quiet "$@" ||
        die "cargo build ($out) failed" "cargo build --target wasm32-unknown-unknown --release --lib $*"
    fi
    rm -rf "$out"
    wasm-bindgen --target web --out-dir "$out" "$wasm_file" ||
      die "wasm-bindgen ($out) failed" "wasm-bindgen --target web --out-dir $out $wasm_file"
    # shellcheck disable=SC2086
    npx --no-install wasm-opt -Oz $opt $WASM_FEATURES "$out/daily_sync_bg.wasm" -o "$out/daily_sync_bg.wasm" ||
      die "wasm-opt ($out) failed" "npx wasm-opt -Oz $out/daily_sync_bg.wasm -o $out/daily_sync_bg.wasm"
  }
  # Function names are kept for profiles (-g), stripped otherwise, as build.sh strips them.
  names="--strip-debug --strip-producers"
  [ "$profile" = 1 ] && names=-g
  say "building bench/pkg (the package with the bench feature)"
  bench_build bench/pkg "$names" --features bench
  if [ "$profile" = 1 ]; then
    command -v twiggy >/dev/null || die "twiggy is missing" "cargo install twiggy"
    mkdir -p bench/profiles
    for entry in core local rest channels; do
      say "size breakdown of the $entry entry's wasm (bench/profiles/size-$entry.txt)"
      bench_build "target/bench/size-$entry" -g --no-default-features --features "npm-$entry"
      node bench/size-breakdown.mjs "target/bench/size-$entry/daily_sync_bg.wasm" | tee "bench/profiles/size-$entry.txt"
    done
  fi
else
  say "--no-build: using pkg/ and bench/pkg/ as they are; no results are written"
  [ -f bench/pkg/daily_sync.js ] || die "bench/pkg/ is not built" "bash scripts/bench.sh (without --no-build)"
fi

say "running the benchmarks in headless Chromium"
node bench/run.mjs "${runner_args[@]}"
