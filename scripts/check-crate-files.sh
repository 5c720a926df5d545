#!/usr/bin/env bash
# The crate as Rust apps get it (`cargo package --list`): its sources, manifest, README and
# licenses, nothing else (no tests, npm scaffolding, demo or benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(cargo package --list --allow-dirty -p daily-sync 2>/dev/null)
echo "$files"
for need in Cargo.toml src/lib.rs README.md LICENSE-MIT LICENSE-APACHE; do
  grep -qx "$need" <<<"$files" || { echo "missing from the crate: $need"; exit 1; }
done
extra=$(grep -vE '^(src/.*\.(rs|js)|build\.rs|Cargo\.toml|Cargo\.toml\.orig|Cargo\.lock|README\.md|LICENSE-MIT|LICENSE-APACHE|\.cargo_vcs_info\.json)$' <<<"$files" || true)
[ -z "$extra" ] || { echo "not for the crate: $extra"; exit 1; }
