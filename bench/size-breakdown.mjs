// What the wasm of a build is made of, by crate and module, from twiggy (`cargo install twiggy`):
//   node bench/size-breakdown.mjs <a wasm with its names section>
// scripts/bench.sh --profile runs it on the core and the full build, optimized as scripts/build.sh
// optimizes them but with names kept (`wasm-opt -Oz -g`), into bench/profiles/size-*.txt.
// Sizes are of the uncompressed code (twiggy's "shallow" bytes); the names section is left out.
import { execFileSync } from 'node:child_process';

const file = process.argv[2];
if (!file) {
  console.error('usage: node bench/size-breakdown.mjs <file.wasm>');
  process.exit(2);
}
const csv = execFileSync('twiggy', ['top', '-n', '1000000', '-f', 'csv', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
const [header, ...lines] = csv.trim().split('\n');
const columns = header.split(',');
const nameAt = columns.indexOf('Name');
const sizeAt = columns.indexOf('ShallowSize');

/** Splits one CSV line (names may be quoted and hold commas). */
function cells(line) {
  const out = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') out.push(cell), (cell = '');
    else cell += c;
  }
  out.push(cell);
  return out;
}

function group(name) {
  if (name.startsWith('data segment')) return 'data segments (string constants, tables)';
  if (/shim|^__wbg|wbindgen|^export |^import /.test(name)) return 'exports and imports (wasm-bindgen shims, with the Rust bodies wasm-opt inlined into them)';
  const m = name.match(/([a-z_0-9]+)\[[0-9a-f]+\]::([a-z_0-9]+)(?:::([a-z_0-9]+))?/);
  if (!m) return 'other';
  if (m[1] === 'daily_sync') return `daily_sync::${m[2]}`;
  if (m[1] === 'core' || m[1] === 'alloc' || m[1] === 'serde_json') return `${m[1]}::${m[2]}${m[3] ? '::' + m[3] : ''}`;
  return m[1];
}

const groups = new Map();
const crates = new Map();
let total = 0;
for (const line of lines) {
  const row = cells(line);
  const name = row[nameAt];
  const size = Number(row[sizeAt]);
  if (!Number.isFinite(size) || /function names|data names|^Σ|^\.\.\. and/.test(name)) continue;
  total += size;
  const key = group(name);
  groups.set(key, (groups.get(key) ?? 0) + size);
  const crate = key.includes('::') && !key.startsWith('daily_sync') ? key.split('::')[0] : key;
  crates.set(crate, (crates.get(crate) ?? 0) + size);
}
console.log(`${file}: ${total} bytes of code and data (names section excluded)`);
const show = (map, count) => {
  for (const [key, size] of [...map].sort((a, b) => b[1] - a[1]).slice(0, count)) {
    console.log(`${String(size).padStart(8)}  ${((100 * size) / total).toFixed(1).padStart(5)}%  ${key}`);
  }
};
console.log('by module:');
show(groups, 30);
console.log('by crate (daily_sync by module):');
show(crates, 20);
