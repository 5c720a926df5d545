// Types of `daily-sync/ordered`.
import type { InitInput } from './index.js';

export type { OrderedOp, OrderedState } from './index.js';

/**
 * Loads this entry's wasm (in Node, from disk) and `daily-sync/channels`; after it,
 * `sync.ordered()` works on every DailySync. Every participant should load it before making its
 * DailySync: the longest present one orders, whether or not its app calls `ordered()`.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;
