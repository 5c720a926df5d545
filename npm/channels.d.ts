// Types of `daily-sync/channels`.
import type { Channel as ChannelOf, ChannelOptions, DailySync, InitInput } from './index.js';

export type { ChannelGap, ChannelMessage, ChannelOptions } from './index.js';
export type Channel<T = unknown> = ChannelOf<T>;
export declare const Channel: { readonly prototype: ChannelOf<any> };

/**
 * Loads this entry's wasm (in Node, from disk); after it, `sync.channel(name)` works on every
 * DailySync. Before it, `channel()` and `sync.channel()` throw a 'not-initialized' error.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;

/** The channel `name` of `sync` (one per name and DailySync), closed when `sync` is disposed. */
export declare function channel<T = unknown>(sync: DailySync<any>, name: string, options?: ChannelOptions): ChannelOf<T>;
