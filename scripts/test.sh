#!/usr/bin/env bash
# The whole check, as CI runs it: setup, format, lints (native and wasm32), native tests, browser
# tests of the Rust API (wasm-bindgen-test in headless Chromium), the build, the TypeScript check and
# the page-level tests. Ends with one line "N passed, M failed, K skipped" (K: skipped and todo tests).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

passed=0 failed=0 skipped=0
log=$(mktemp -d)
step() { # name command...: a step that is one check
  local name=$1; shift
  say "$name"
  if "$@" >"$log/out" 2>&1; then passed=$((passed + 1)); else failed=$((failed + 1)); cat "$log/out"; say "FAILED: $name"; fi
}
counted() { # name regex-kind command...: a step whose runner reports its own counts
  local name=$1 kind=$2; shift 2
  say "$name"
  "$@" >"$log/out" 2>&1; local rc=$?
  local p f k
  case $kind in
    cargo) p=$(grep -oE '[0-9]+ passed' "$log/out" | awk '{s+=$1} END {print s+0}')
           f=$(grep -oE '[0-9]+ failed' "$log/out" | awk '{s+=$1} END {print s+0}')
           k=$(grep -oE '[0-9]+ ignored' "$log/out" | awk '{s+=$1} END {print s+0}') ;;
    node)  p=$(grep -E '^# pass ' "$log/out" | awk '{s+=$3} END {print s+0}')
           f=$(grep -E '^# fail ' "$log/out" | awk '{s+=$3} END {print s+0}')
           k=$(grep -E '^# (skipped|todo) ' "$log/out" | awk '{s+=$3} END {print s+0}') ;;
  esac
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  [ "$rc" -ne 0 ] && { cat "$log/out"; say "FAILED: $name"; }
  [ "$rc" -eq 0 ] && grep -E 'test result|WARNING|^# (pass|fail|skipped|todo) ' "$log/out" >&2
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
}

bash scripts/setup.sh || { echo "0 passed, 1 failed, 0 skipped"; exit 1; }

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export CHROMEDRIVER=${CHROMEDRIVER:-/usr/bin/chromedriver} WASM_BINDGEN_TEST_TIMEOUT=120

step "cargo fmt --check" cargo fmt --all --check
step "cargo clippy (native)" cargo clippy --workspace --all-targets --quiet -- -D warnings
step "cargo clippy (wasm32)" cargo_wasm clippy --lib --test browser --quiet -- -D warnings
# Every feature set the package builds: each npm entry's (scripts/build.sh) and the benchmarks'.
for entry in core local rest channels ordered; do
  step "cargo clippy (wasm32, npm-$entry)" cargo_wasm clippy --lib --no-default-features --features "npm-$entry" --quiet -- -D warnings
done
step "cargo clippy (wasm32, bench)" cargo_wasm clippy --lib --features bench --quiet -- -D warnings
counted "cargo test (native)" cargo cargo test --workspace --quiet
step "cargo package --list: only what a Rust app compiles" bash scripts/check-crate-files.sh
step "public API snapshots (api/): bash scripts/api-snapshot.sh --update if meant" bash scripts/api-snapshot.sh
# Now and then the runner's page never starts its tests: chromedriver waits 300 s for a renderer
# that sits idle ("Timed out receiving message from renderer"), then the runner fails ("Failed to
# detect test as having been run"). So the tests are compiled first, and a run whose page has not
# started them within 90 s is stopped (the runner, chromedriver and Chromium alike) and made again,
# up to three times. A test that ran and failed is never run again. Three runs that never started
# are the harness failing, not a test: said loudly, counted as 1 ignored.
browser_tests() {
  cargo_wasm test --test browser --no-run || return 1
  local out attempt rc pid waited
  out=$(mktemp)
  for attempt in 1 2 3; do
    # Its own session, so that stopping it stops everything it started.
    setsid bash -c '. scripts/lib.sh && cargo_wasm test --test browser' >"$out" 2>&1 &
    pid=$! waited=0
    while kill -0 "$pid" 2>/dev/null && ! grep -q "^running [0-9]* tests" "$out"; do
      sleep 1
      waited=$((waited + 1))
      if [ "$waited" -ge 90 ]; then kill -- "-$pid" 2>/dev/null; break; fi
    done
    wait "$pid"; rc=$?
    cat "$out"
    if grep -q "^running [0-9]* tests" "$out"; then rm -f "$out"; return "$rc"; fi
    echo "[daily-sync] the browser did not start the Rust browser tests (run $attempt of 3)"
  done
  rm -f "$out"
  echo "[daily-sync] WARNING: the browser never started the Rust browser tests, three times: 1 ignored (the harness, not a test, failed)" >&2
  return 0
}
counted "wasm-bindgen-test (headless Chromium)" cargo browser_tests
step "npm run build" bash scripts/build.sh
step "the Leptos example: format and wasm32 build" bash -c 'cd examples/leptos-qa && cargo fmt --check && cd ../.. && bash scripts/build-example.sh'
step "the Rust API's scenarios on the real daily-js: wasm32 build" bash scripts/build-rust-api-on-daily.sh
step "TypeScript consumer check (tsc --strict)" npx --no-install tsc -p tests/types/tsconfig.json
step "TypeScript consumer check (noUncheckedIndexedAccess, exactOptionalPropertyTypes)" npx --no-install tsc -p tests/types/tsconfig.strictest.json
step "TypeScript Node-backend check (REST entry, no DOM lib)" npx --no-install tsc -p tests/types/node-backend/tsconfig.json
# The TAP reporter and an explicit file list: Node 22+ defaults to the spec reporter and no longer
# takes a directory.
counted "page tests (playwright-core, Chromium)" node node --test --test-reporter=tap --test-concurrency=1 tests/page/*.test.mjs

rm -rf "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
