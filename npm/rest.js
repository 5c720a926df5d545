// The `daily-sync/rest` entry: DailyRestClient, for backends (Node 20+, edge runtimes), in this
// entry's own wasm. Server side only: a Daily API key never belongs in browser code.
import wasmInit, { DailyRestClient as RestCore } from './wasm/rest/daily_sync.js';
import { dailySyncError } from './errors.js';
import { disposedByUsing, initWith, requireInit } from './registry.js';

export { isDailySyncError } from './errors.js';

/**
 * Loads this entry's wasm. With no argument it fetches the wasm beside this file, and in Node
 * (whose fetch cannot read files) reads it from disk; a second call loads nothing.
 */
export default function init(input) {
  return initWith(wasmInit, input, new URL('./wasm/rest/daily_sync_bg.wasm', import.meta.url));
}

/** Sends app messages into rooms through Daily's REST API. Server side only. */
export class DailyRestClient extends RestCore {
  #disposed = false;

  /** `new DailyRestClient({ apiKey, baseUrl?, timeoutMs?, retries?, retryServerErrors? })`. */
  constructor(options) {
    requireInit(
      wasmInit,
      "daily-sync/rest is not initialized: import initRest from 'daily-sync/rest' and await initRest() before new DailyRestClient()",
    );
    super(options);
  }

  /**
   * Sends `data` (a plain object within 4096 characters) into `roomName`, to `'*'` or one session
   * id; resolves with `{ sent }` once Daily accepted it.
   */
  sendAppMessage(roomName, data, recipient) {
    if (this.#disposed) {
      return Promise.reject(dailySyncError('disposed', 'this DailyRestClient was disposed: make a new one to send'));
    }
    return super.sendAppMessage(roomName, data, recipient);
  }

  /** Releases the client; sends made after it reject with kind 'disposed'. Calling it again does nothing. */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    super.free();
  }

  /** The same as `dispose()`. */
  free() {
    this.dispose();
  }
}

// `using client = new DailyRestClient(options)` disposes at the end of the block.
disposedByUsing(DailyRestClient);
