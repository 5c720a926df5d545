// What the entries share across their modules: each DailySync's internals for the channels entry,
// the functions the channels and ordered entries register on the default one, loading each
// entry's wasm once, and `using` for their classes. Event delivery is hub.js's.

import { dailySyncError, invalidArgument } from './errors.js';

/**
 * What one DailySync shares with the other entries (the channels entry): its call object, whether
 * it is live, and what it must close when disposed.
 */
export const internals = new WeakMap();

/** What `sync` shares (`internals`), once it is known to be a DailySync that is not disposed. */
export function sharedOf(sync) {
  const shared = internals.get(sync);
  if (shared === undefined) throw invalidArgument('expected a DailySync');
  shared.live();
  return shared;
}

/**
 * The channels entry's `channel(sync, name, options)`, `rpc(sync)` (request and response) and
 * `ordered(sync)` (ordered room state), once `daily-sync/channels` is loaded.
 */
export const registry = { channel: null, rpc: null, ordered: null, presence: null };

/** Each entry's wasm init function -> the promise of its load, so a second init() loads nothing. */
const loads = new Map();
/** The wasm init functions whose load finished: the entries that may be used. */
const loaded = new Set();

/**
 * Loads an entry's wasm once: `init()`, `init(urlOrBytesOrModule)` or `init({ module_or_path })`.
 * With no input, `wasmUrl` (the entry's wasm beside its module) is fetched, or read from disk when
 * it is a file: URL (Node, whose fetch cannot read files: its test runners, vitest, jest).
 * A failed load may be tried again.
 */
export function initWith(wasmInit, input, wasmUrl) {
  let load = loads.get(wasmInit);
  if (load === undefined) {
    load = loadWasm(wasmInit, input, wasmUrl).then(
      (exports) => {
        loaded.add(wasmInit);
        return exports;
      },
      (error) => {
        loads.delete(wasmInit);
        throw error;
      },
    );
    loads.set(wasmInit, load);
  }
  return load;
}

async function loadWasm(wasmInit, input, wasmUrl) {
  if (input === undefined && wasmUrl !== undefined && wasmUrl.protocol === 'file:') {
    const fs = 'node:fs/promises';
    const { readFile } = await import(/* webpackIgnore: true */ /* @vite-ignore */ fs);
    input = await readFile(wasmUrl);
  }
  if (input === undefined) input = wasmUrl;
  if (input === undefined) return wasmInit();
  if (input !== null && typeof input === 'object' && 'module_or_path' in input) return wasmInit(input);
  return wasmInit({ module_or_path: input });
}

/**
 * Throws the `not-initialized` error unless the wasm of `wasmInit` is loaded; `message` says which
 * entry and which init() to await.
 */
export function requireInit(wasmInit, message) {
  if (!loaded.has(wasmInit)) throw dailySyncError('not-initialized', message);
}

/** Makes `using x = new Class(...)` dispose `x` at the end of its block, where the runtime has `Symbol.dispose`. */
export function disposedByUsing(Class) {
  if (typeof Symbol.dispose === 'symbol') {
    Object.defineProperty(Class.prototype, Symbol.dispose, { value: Class.prototype.dispose, writable: true, configurable: true });
  }
}
