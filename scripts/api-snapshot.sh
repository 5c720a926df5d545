#!/usr/bin/env bash
# The public API snapshots: api/rust.txt (the crate's public items and signatures, from rustdoc's
# JSON, natively with `rest-native`) and api/npm.d.ts.txt (npm/*.d.ts as TypeScript prints them,
# comments dropped). Checks that they match the code; a change to either API must update them in
# the same commit, deliberately:
#
#   bash scripts/api-snapshot.sh            # check (npm test runs this)
#   bash scripts/api-snapshot.sh --update   # rewrite api/ (npm run api:update)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

update=false
case "${1:-}" in
  --update) update=true ;;
  '') ;;
  *) die "usage: bash scripts/api-snapshot.sh [--update]" ;;
esac

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# rustdoc's JSON is unstable: RUSTC_BOOTSTRAP lets the stable toolchain write it.
if ! RUSTC_BOOTSTRAP=1 cargo rustdoc --lib --quiet --features rest-native -- -Z unstable-options --output-format json 2>"$out/rustdoc.log"; then
  cat "$out/rustdoc.log" >&2
  die "rustdoc --output-format json failed"
fi
node scripts/api-snapshot.mjs rust target/doc/daily_sync.json >"$out/rust.txt"
node scripts/api-snapshot.mjs npm >"$out/npm.d.ts.txt"

if $update; then
  mkdir -p api
  cp "$out/rust.txt" api/rust.txt
  cp "$out/npm.d.ts.txt" api/npm.d.ts.txt
  say "api/rust.txt and api/npm.d.ts.txt written: review and commit them with the change"
  exit 0
fi
changed=0
for file in rust.txt npm.d.ts.txt; do
  if ! diff -u --label "api/$file" --label "the code" "api/$file" "$out/$file"; then changed=1; fi
done
if [ "$changed" = 1 ]; then
  die "the public API differs from api/ (diff above). If the change is meant, run: npm run api:update (bash scripts/api-snapshot.sh --update) and commit api/"
fi
say "the public API matches api/"
