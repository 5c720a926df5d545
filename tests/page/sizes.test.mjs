// Each entry's size as an app's production build ships it (gzip -9 of its wasm, plus gzip -9 of
// its JS bundled and minified by esbuild), against its budget. Sizes are deterministic for a given
// toolchain, so this is a fair test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measure } from '../../scripts/sizes.mjs';

const sizes = await measure();

for (const [entry, size] of Object.entries(sizes)) {
  test(`${entry}: ${size.total_gz} B gzipped (wasm ${size.wasm_gz} + JS ${size.js_gz}), budget ${size.budget}`, () => {
    assert.ok(size.total_gz <= size.budget, `${entry} is ${size.total_gz - size.budget} B over its budget`);
  });
}

test('the default entry loads none of the other entries\' code', async () => {
  const { build } = await import('esbuild');
  const { readFileSync } = await import('node:fs');
  const pkg = new URL('../../pkg/', import.meta.url);
  const bundled = await build({ entryPoints: [new URL('index.js', pkg).pathname], bundle: true, write: false, format: 'esm' });
  const js = bundled.outputFiles[0].text;
  for (const name of ['createLocalCallObject', 'LocalRoomBridge', 'DailyRestClient', 'ChannelCore']) {
    assert.ok(!js.includes(name), `the default entry's JS mentions ${name}`);
  }
  const wasm = new WebAssembly.Module(readFileSync(new URL('wasm/core/daily_sync_bg.wasm', pkg)));
  const exports = WebAssembly.Module.exports(wasm).map((e) => e.name);
  assert.ok(exports.some((name) => name.startsWith('sessioncore_')), 'the throttle is there');
  assert.deepEqual(exports.filter((name) => /localroom|restclient|channelcore/i.test(name)), []);
});

test('React is in the React entry only', async () => {
  const { build } = await import('esbuild');
  for (const entry of ['index', 'local', 'rest', 'channels']) {
    const result = await build({
      entryPoints: [new URL(`../../pkg/${entry}.js`, import.meta.url).pathname],
      bundle: true,
      write: false,
      format: 'esm',
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    assert.deepEqual(inputs.filter((path) => /node_modules\/react/.test(path)), [], `${entry}.js bundles React`);
  }
});
