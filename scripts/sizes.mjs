// Each entry's size as an app's production build ships it: gzip -9 of its wasm, plus gzip -9 of
// its JS bundled and minified by esbuild (what a bundler does to the glue). Prints a table and
// writes pkg/sizes.json; tests/page/sizes.test.mjs holds each entry to its budget.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const PKG = fileURLToPath(new URL('../pkg/', import.meta.url));
/** entry -> [its file, its wasm (null: none), its budget in bytes] */
export const ENTRIES = {
  'daily-sync': ['index.js', 'wasm/core/daily_sync_bg.wasm', 18432],
  'daily-sync/local': ['local.js', 'wasm/local/daily_sync_bg.wasm', 46080],
  'daily-sync/rest': ['rest.js', 'wasm/rest/daily_sync_bg.wasm', 46080],
  'daily-sync/channels': ['channels.js', 'wasm/channels/daily_sync_bg.wasm', 46080],
  // Its JS includes the channels entry's glue (requests travel through it); not that entry's wasm.
  'daily-sync/ordered': ['ordered.js', 'wasm/ordered/daily_sync_bg.wasm', 46080],
  // Its own code: React, and the default entry it builds on, are the app's anyway.
  'daily-sync/react': ['react.js', null, 2048],
};

/** What an entry's size leaves out: React, and (for daily-sync/react) the default entry. */
const external = {
  name: 'external',
  setup(build) {
    build.onResolve({ filter: /^react(\/.*)?$/ }, (args) => ({ path: args.path, external: true }));
    build.onResolve({ filter: /^\.\/(index|hub|registry)\.js$/ }, (args) =>
      args.importer.endsWith('/react.js') ? { path: args.path, external: true } : undefined,
    );
  },
};

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

export async function measure() {
  const sizes = {};
  for (const [name, [file, wasm, budget]] of Object.entries(ENTRIES)) {
    const bundled = await build({
      entryPoints: [PKG + file],
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      logLevel: 'silent',
      plugins: [external],
    });
    const js = gz(bundled.outputFiles[0].contents);
    const wasmGz = wasm === null ? 0 : gz(readFileSync(PKG + wasm));
    sizes[name] = { wasm_gz: wasmGz, js_gz: js, total_gz: wasmGz + js, budget };
  }
  return sizes;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const sizes = await measure();
  for (const [name, s] of Object.entries(sizes)) {
    const flag = s.total_gz > s.budget ? '  OVER BUDGET' : '';
    console.log(
      `${name.padEnd(20)} wasm ${String(s.wasm_gz).padStart(6)} B + JS ${String(s.js_gz).padStart(5)} B = ${String(s.total_gz).padStart(6)} B gzipped (budget ${s.budget})${flag}`,
    );
  }
  writeFileSync(PKG + 'sizes.json', JSON.stringify(sizes, null, 2) + '\n');
}
