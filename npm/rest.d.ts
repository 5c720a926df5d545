// Types of `daily-sync/rest`: server side only (Node 20+, edge runtimes).
import type { InitInput } from './index.js';

export type { DailySyncError, DailySyncErrorKind } from './errors.js';
export { isDailySyncError } from './errors.js';

/** Loads this entry's wasm. With no argument it fetches the wasm beside the module; in Node it reads it from disk. */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;
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

/** Sends app messages into rooms through Daily's REST API. Server side only. */
export declare class DailyRestClient {
  constructor(options: DailyRestClientOptions);
  /**
   * Sends `data` (a plain object within 4096 characters) into `roomName`, to `'*'` (everyone) or
   * one session id; resolves with Daily's answer.
   */
  sendAppMessage(roomName: string, data: Record<string, unknown> | object, recipient?: string): Promise<{ sent: string }>;
  free(): void;
}
