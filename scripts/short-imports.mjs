// Gives the imports an entry's wasm takes from its wasm-bindgen glue short names (w0, w1, ...),
// in the wasm's import section and in the glue alike. wasm-bindgen names each import after its
// function and a 16-digit hash: some 40 names that neither gzip nor a minifier can shorten, about
// 0.7 KB of every entry as shipped.
//
//   node scripts/short-imports.mjs pkg/wasm/<entry>
import { readFileSync, writeFileSync } from 'node:fs';

const GLUE_MODULE = './daily_sync_bg.js';
const dir = process.argv[2];
const wasmPath = `${dir}/daily_sync_bg.wasm`;
const gluePath = `${dir}/daily_sync.js`;
const wasm = readFileSync(wasmPath);

/** Reads an unsigned LEB128 at `at`: [value, next offset]. */
function leb(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const byte = bytes[at++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (byte < 0x80) return [value, at];
  }
}

function encodeLeb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    out.push(byte);
  } while (value > 0);
  return out;
}

const name = (text) => [...encodeLeb(Buffer.byteLength(text)), ...Buffer.from(text)];

/** Skips an import's description (kind byte and type): the offset after it. */
function skipDescription(bytes, at) {
  const kind = bytes[at++];
  const limits = (p) => {
    const flags = bytes[p++];
    p = leb(bytes, p)[1];
    return flags & 1 ? leb(bytes, p)[1] : p;
  };
  switch (kind) {
    case 0: // function: type index
    case 4: // tag: attribute, type index
      return kind === 4 ? leb(bytes, at + 1)[1] : leb(bytes, at)[1];
    case 1: // table: reference type, limits
      return limits(at + 1);
    case 2: // memory: limits
      return limits(at);
    case 3: // global: value type, mutability
      return at + 2;
    default:
      throw new Error(`unknown import kind ${kind} in ${wasmPath}`);
  }
}

const renames = new Map();
const out = [wasm.subarray(0, 8)];
let at = 8;
while (at < wasm.length) {
  const id = wasm[at];
  const [size, start] = leb(wasm, at + 1);
  const end = start + size;
  if (id !== 2) {
    out.push(wasm.subarray(at, end));
    at = end;
    continue;
  }
  let [count, p] = leb(wasm, start);
  const section = [...encodeLeb(count)];
  while (count-- > 0) {
    const [moduleLength, m] = leb(wasm, p);
    const module = wasm.toString('utf8', m, m + moduleLength);
    const [fieldLength, f] = leb(wasm, m + moduleLength);
    let field = wasm.toString('utf8', f, f + fieldLength);
    const next = skipDescription(wasm, f + fieldLength);
    if (module === GLUE_MODULE) {
      const short = `w${renames.size.toString(36)}`;
      renames.set(field, short);
      field = short;
    }
    section.push(...name(module), ...name(field), ...wasm.subarray(f + fieldLength, next));
    p = next;
  }
  out.push(Buffer.from([2, ...encodeLeb(section.length), ...section]));
  at = end;
}

let glue = readFileSync(gluePath, 'utf8');
for (const [long, short] of renames) {
  const pattern = new RegExp(`\\b${long}\\b`, 'g');
  if (!pattern.test(glue)) throw new Error(`the glue of ${dir} has no import named ${long}`);
  glue = glue.replace(pattern, short);
}
writeFileSync(wasmPath, Buffer.concat(out));
writeFileSync(gluePath, glue);
