// Types of `daily-sync/rest`: server side only (Node 20+, edge runtimes). They need no DOM lib:
// a Node backend compiles them with lib ["ES2022"] and types ["node"].

export type { DailySyncError, DailySyncErrorKind, DailySyncErrorOf } from './errors.js';
export { isDailySyncError } from './errors.js';

/**
 * What this entry's `init()` takes: nothing (the wasm beside the module, read from disk in Node),
 * a URL or path of the wasm, its bytes, a compiled `WebAssembly.Module`, a fetch `Response`, or
 * `{ module_or_path }` of one of these.
 */
export type RestInitInput = string | URL | ArrayBuffer | ArrayBufferView | object;

/** Loads this entry's wasm; a second call loads nothing. */
export default function init(input?: RestInitInput | Promise<RestInitInput>): Promise<unknown>;
/** Options of `new DailyRestClient(options)`. Server side only: never ship an API key to a browser. */
export interface DailyRestClientOptions {
  /** The key (surrounding whitespace dropped); one with a space or a control character is refused. */
  apiKey: string;
  /** An absolute http(s) URL: Daily's API root by default; a dev server's `http://127.0.0.1:8080/v1` for local work. */
  baseUrl?: string;
  /** How long to wait for one attempt's answer (default 10000 ms; 1 to 2147483647). */
  timeoutMs?: number;
  /** Retries after a 429 answer (default 2; 0 to 10), the delay doubling from 500 ms up to 4 s. */
  retries?: number;
  /**
   * Retry 5xx answers too (default false). A 5xx may come after Daily delivered the message, and
   * send-app-message is not idempotent: with this, a message may arrive twice rather than never.
   */
  retryServerErrors?: boolean;
}

/**
 * What a send resolves with once Daily accepted the message: `sent` is Daily's answer (`"true"`),
 * or `true` when a success answer carried no JSON with it.
 */
export interface DailyRestSendResult {
  sent: string | true;
}

/**
 * `T` when it can be an app message's data: an object, but not an array or a function (Daily's
 * endpoint takes only a JSON object); `never`, which no value matches, otherwise.
 */
export type RestAppMessageData<T> = T extends readonly unknown[] | ((...args: never[]) => unknown) ? never : T;

/** Sends app messages into rooms through Daily's REST API. Server side only. */
export declare class DailyRestClient {
  /** Throws a `not-initialized` error before `await init()`. */
  constructor(options: DailyRestClientOptions);
  /**
   * Sends `data` (a plain object within 4096 characters) into `roomName`, to `'*'` (everyone) or
   * one session id. Rejects with kind 'disposed' after `dispose()`.
   */
  sendAppMessage<T extends object>(roomName: string, data: RestAppMessageData<T>, recipient?: string): Promise<DailyRestSendResult>;
  /** Releases the client; calling it again does nothing. */
  dispose(): void;
  /** The same as `dispose()`. */
  free(): void;
}
