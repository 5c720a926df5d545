// The `daily-sync/rest` entry: DailyRestClient, for backends (Node 20+, edge runtimes), in this
// entry's own wasm. Server side only: a Daily API key never belongs in browser code.
import wasmInit from './wasm/rest/daily_sync.js';
import { initWith } from './hub.js';

export { DailyRestClient } from './wasm/rest/daily_sync.js';
export { isDailySyncError } from './errors.js';

const WASM = new URL('./wasm/rest/daily_sync_bg.wasm', import.meta.url);

/**
 * Loads this entry's wasm. With no argument it fetches the wasm beside this file, and in Node
 * (whose fetch cannot read files) reads it from disk.
 */
export default async function init(input) {
  if (input === undefined && WASM.protocol === 'file:') {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fs);
    input = await readFile(WASM);
  }
  return initWith(wasmInit, input);
}
