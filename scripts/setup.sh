#!/usr/bin/env bash
# Makes every tool the build and the tests need present; quick when they already are.
# Each missing piece is announced in one line before it is installed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
mkdir -p target

# 1. A Rust compiler for wasm32, by three routes in order: already there, rustup, Debian's
#    packaged toolchain that builds std from source.
if rustup target list --installed 2>/dev/null | grep -q '^wasm32-unknown-unknown$'; then
  echo rustup > target/.wasm-route
elif [ "$(cat target/.wasm-route 2>/dev/null)" = debian ] && [ -x /usr/bin/cargo ] && command -v rust-lld >/dev/null; then
  : # Debian's route was set up before
else
  say "installing the wasm32-unknown-unknown target (rustup target add)"
  if timeout 120 rustup target add wasm32-unknown-unknown >/dev/null 2>&1; then
    echo rustup > target/.wasm-route
  else
    say "rustup could not add wasm32; installing Debian's rustc-web to build std for wasm32 instead"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        rustc-web cargo-web rust-web-src lld-22 rust-web-clippy >/dev/null; } ||
      die "no wasm32 toolchain" "rustup target add wasm32-unknown-unknown (or apt-get install rustc-web cargo-web rust-web-src lld-22 rust-web-clippy)"
    command -v rust-lld >/dev/null || ln -sf "$(ls /usr/bin/lld-22 /usr/lib/llvm-22/bin/lld 2>/dev/null | head -n1)" /usr/local/bin/rust-lld
    echo debian > target/.wasm-route
  fi
fi

# 2. The wasm-bindgen CLI at exactly the version in Cargo.lock.
if [ ! -f Cargo.lock ]; then cargo generate-lockfile -q; fi
want=$(wasm_bindgen_version)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  say "installing wasm-bindgen-cli $want (found: ${have:-none}; about 2 minutes)"
  cargo install -q wasm-bindgen-cli --version "$want" ||
    die "wasm-bindgen-cli $want did not install" "cargo install wasm-bindgen-cli --version $want"
fi

# 3. Chromium and chromedriver from Debian, for the browser tests.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  say "installing Debian's chromium and chromium-driver"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; } ||
    die "chromium did not install" "apt-get install -y chromium chromium-driver"
fi

# 4. npm dependencies, exactly as package-lock.json has them.
stamp=node_modules/.daily-sync-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null || die "npm ci failed" "npm ci"
  cp package-lock.json "$stamp"
fi

# 5. std's source, for the size-optimized wasm build (build.sh falls back without it).
if [ "$(cat target/.wasm-route)" = rustup ] && ! rustup component list --installed 2>/dev/null | grep -q '^rust-src'; then
  say "installing rust-src (rustup component add), for the size-optimized build"
  timeout 120 rustup component add rust-src >/dev/null 2>&1 || say "rust-src did not install; the build will be larger"
fi

# 6. rustfmt and clippy for the native toolchain.
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  say "installing rustfmt and clippy (rustup component add)"
  timeout 180 rustup component add rustfmt clippy >/dev/null 2>&1 || die "rustfmt/clippy missing" "rustup component add rustfmt clippy"
fi
