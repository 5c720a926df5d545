// The `daily-sync/local` entry: createLocalCallObject, a call object on the local room (no Daily
// account needed), in this entry's own wasm. For development, tests and demos.
import wasmInit from './wasm/local/daily_sync.js';
import { initWith } from './hub.js';

export { createLocalCallObject } from './wasm/local/daily_sync.js';

/** Loads this entry's wasm; call (and await) it once before createLocalCallObject. */
export default function init(input) {
  return initWith(wasmInit, input);
}
