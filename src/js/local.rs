//! The `daily-sync/local` entry: `createLocalCallObject`, a call object on the local room.

use wasm_bindgen::prelude::*;

/// `createLocalCallObject(options)`: a call object with daily-js's surface, in a local room that
/// needs no Daily account. Participants of the same `room` (default "local") in this page and in
/// other tabs of this browser are in one room.
#[wasm_bindgen(js_name = createLocalCallObject, unchecked_return_type = "LocalCallObject")]
pub fn create_local_call_object(
    #[wasm_bindgen(unchecked_param_type = "LocalCallObjectOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    crate::local::create_local_call_object(options)
}

#[wasm_bindgen(typescript_custom_section)]
const LOCAL_TYPES: &'static str = r#"
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
"#;
