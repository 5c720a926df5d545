# Shared by the scripts: announce a step, fail with a hint, run cargo for wasm32 by whichever
# route this machine has (see scripts/setup.sh).
say() { printf '[daily-sync] %s\n' "$*" >&2; }
die() { say "FAILED: $1"; [ -n "${2:-}" ] && say "by hand: $2"; exit 1; }

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The wasm32 route setup.sh found: "rustup" (the rustup target) or "debian" (Debian's rustc-web
# building std from source).
wasm_route() { cat "$ROOT/target/.wasm-route" 2>/dev/null || echo rustup; }

# cargo for wasm32-unknown-unknown: `cargo_wasm build --release`, `cargo_wasm clippy ...`.
cargo_wasm() {
  local sub=$1; shift
  if [ "$(wasm_route)" = debian ]; then
    PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 cargo "$sub" --target wasm32-unknown-unknown \
      -Z build-std=std,panic_abort "$@"
  else
    cargo "$sub" --target wasm32-unknown-unknown "$@"
  fi
}

# The wasm-bindgen version pinned in Cargo.lock: the CLI must match it exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}
