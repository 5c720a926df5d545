// The `daily-sync/local` entry: createLocalCallObject, a call object on the local room (no Daily
// account needed), in this entry's own wasm. For development, tests and demos. As
// Daily.createCallObject(), the factory is synchronous: the wasm loads by join() (or load()).
import wasmInit, { localRoomBridge } from './wasm/local/daily_sync.js';
import { LocalCallObject, localSettings } from './local-call.js';
import { initWith } from './registry.js';

/**
 * Loads this entry's wasm, once. join() calls it; call it yourself to load earlier, or to give
 * the wasm's bytes or URL.
 */
export default function init(input) {
  return initWith(wasmInit, input, new URL('./wasm/local/daily_sync_bg.wasm', import.meta.url)).then((exports) => {
    ready = true;
    return exports;
  });
}

/** Whether the wasm has loaded: call objects made then are whole at once. */
let ready = false;

/**
 * A call object with daily-js's surface, in a local room that needs no Daily account. Returns at
 * once; the options are checked here (an invalid-argument error for a wrong one).
 */
export function createLocalCallObject(options) {
  const settings = localSettings(options);
  const bridge = () => localRoomBridge(settings);
  return new LocalCallObject(ready ? bridge() : () => init().then(bridge), options);
}
