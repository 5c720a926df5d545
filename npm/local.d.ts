// Types of `daily-sync/local`.
import type { DailyCallLike, InitInput } from './index.js';

/** Loads this entry's wasm; call (and await) it once before createLocalCallObject. */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;

/**
 * A call object with daily-js's surface, in a local room that needs no Daily account. Call
 * objects of the same `room` (default "local") in this page and in other tabs of this browser are
 * in one room.
 */
export declare function createLocalCallObject(options?: LocalCallObjectOptions): LocalCallObject;
/** Options of `createLocalCallObject(options)`. */
export interface LocalCallObjectOptions {
  /** The room's name (default "local"): call objects with the same name are in one room. */
  room?: string;
  /** The local participant's name (join({ userName }) overrides it). */
  userName?: string;
  userId?: string;
  owner?: boolean;
  /** 'broadcast' (default where BroadcastChannel exists: this page and other tabs), 'memory'
   *  (this page only, with optional injected network conditions) or 'websocket' (the dev server). */
  transport?: 'broadcast' | 'memory' | 'websocket';
  /** The dev server's room socket, with transport 'websocket'. */
  url?: string;
  /** The least time between two session state broadcasts (default 1000). */
  sessionDataSyncMs?: number;
  /** How long a userData change waits before it propagates (default 0). */
  userDataDelayMs?: number;
  joinWindowMs?: number;
  heartbeatMs?: number;
  peerTimeoutMs?: number;
  appMessageLimit?: number;
  /** With transport 'memory': injected latency, jitter and loss, from a seeded generator. */
  network?: { latencyMs?: number; jitterMs?: number; dropRate?: number; seed?: number };
}

/** A call object for a local room, with the daily-js call-object surface DailySync uses. */
export interface LocalCallObject extends DailyCallLike {
  join(options?: { userName?: string; userData?: unknown }): Promise<Record<string, any>>;
  leave(): Promise<void>;
  destroy(): Promise<void>;
  meetingState(): 'new' | 'joining-meeting' | 'joined-meeting' | 'left-meeting';
  emit(event: string, payload: unknown): boolean;
  listenerCount(event: string): number;
}
