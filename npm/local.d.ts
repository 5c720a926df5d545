// Types of `daily-sync/local`.
import type { DailyCallLike, InitInput } from './index.js';

/**
 * Loads this entry's wasm, once. `join()` calls it; call it yourself to load earlier, or to give
 * the wasm's bytes or URL.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;

/**
 * A call object with daily-js's surface, in a local room that needs no Daily account. Returns at
 * once, as `Daily.createCallObject()` does; its wasm loads by `join()`. Call objects of the same
 * room (the `room` option, else the last path segment of the room URL, else "local") in this page
 * and in other tabs of this browser are in one room.
 */
export declare function createLocalCallObject(options?: LocalCallObjectOptions): LocalCallObject;

/** Options of `createLocalCallObject(options)`: daily-js's `createCallObject` options are accepted too. */
export interface LocalCallObjectOptions {
  /** The room's name: call objects with the same name are in one room. Default: the URL's. */
  room?: string;
  /**
   * A Daily room URL (https://…), whose last path segment names the room, as `join({ url })`
   * takes it; or, with transport 'websocket', the dev server's room socket (ws://…).
   */
  url?: string;
  /** The local participant's name (join({ userName }) overrides it). */
  userName?: string;
  /** The local participant's userData, applied on join. */
  userData?: unknown;
  userId?: string;
  owner?: boolean;
  /** 'broadcast' (default where BroadcastChannel exists: this page and other tabs), 'memory'
   *  (this page only, with optional injected network conditions) or 'websocket' (the dev server). */
  transport?: 'broadcast' | 'memory' | 'websocket';
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
  /** Any other option of daily-js's createCallObject is accepted, and has no effect. */
  [dailyOption: string]: unknown;
}

/** A track of a local room's participant: always off, as a participant with no devices. */
export interface LocalTrackState {
  subscribed: boolean;
  state: 'off';
  off: { byUser: true };
}

/** A participant as daily-js's `DailyParticipant` describes one, in a room with no media. */
export interface LocalParticipant {
  session_id: string;
  user_id: string;
  user_name: string;
  userData?: unknown;
  local: boolean;
  owner: boolean;
  joined_at: Date;
  will_eject_at: Date;
  tracks: { audio: LocalTrackState; video: LocalTrackState; screenAudio: LocalTrackState; screenVideo: LocalTrackState };
  audio: false;
  video: false;
  screen: false;
  record: false;
  permissions: { hasPresence: boolean; canSend: boolean; canReceive: { base: boolean }; canAdmin: boolean };
  networkThreshold: 'good';
  networkQualityState: 'good';
}

/**
 * A call object for a local room, with daily-js's call-object surface: the three ways to move
 * data, daily-js's events, and every member daily-react calls (the media ones answer as a call
 * with no camera or microphone). The README lists the DailyCall members it does not have.
 */
export interface LocalCallObject extends DailyCallLike {
  readonly callClientId: string;
  readonly properties: { userName?: string; dailyConfig?: unknown };
  load(): Promise<void>;
  join(options?: { url?: string; userName?: string; userData?: unknown; [dailyOption: string]: unknown }): Promise<
    { local: LocalParticipant } | undefined
  >;
  leave(): Promise<void>;
  destroy(): Promise<void>;
  isDestroyed(): boolean;
  meetingState(): 'new' | 'joining-meeting' | 'joined-meeting' | 'left-meeting';
  participants(): Record<string, LocalParticipant>;
  participantCounts(): { present: number; hidden: number };
  meetingSessionSummary(): { id?: string };
  room(): Promise<{ id: string; name: string; config: object; domainConfig: object; tokenConfig: object } | null>;
  getNetworkTopology(): Promise<{ topology: 'none' }>;
  enumerateDevices(): Promise<{ devices: [] }>;
  getInputDevices(): Promise<{ camera: {}; mic: {}; speaker: {} }>;
  startCamera(options?: unknown): Promise<{ camera: {}; mic: {}; speaker: {} }>;
  localAudio(): false;
  localVideo(): false;
  setLocalAudio(enabled: boolean): this;
  setLocalVideo(enabled: boolean): this;
  updateParticipant(sessionId: string, updates: unknown): this;
  once(event: string, listener: (event: any) => void): this;
  emit(event: string, payload: unknown): boolean;
  listenerCount(event: string): number;
}
