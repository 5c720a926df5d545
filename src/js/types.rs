//! TypeScript declarations for the shapes the JS API takes and returns.

use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `new DailySync(call, options)`'s options (see the interface below).
    #[wasm_bindgen(typescript_type = "DailySyncOptions")]
    pub type DailySyncOptionsArg;

    /// Who receives an app message: `'*'`, a session id, or a list of them.
    #[wasm_bindgen(typescript_type = "'*' | string | string[]")]
    pub type RecipientArg;

    /// `createLocalCallObject(options)`'s options.
    #[wasm_bindgen(typescript_type = "LocalCallObjectOptions")]
    pub type LocalCallObjectOptionsArg;
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** What DailySync needs of a call object: daily-js's call object, or createLocalCallObject()'s. */
export interface DailyCallLike {
  on(event: string, listener: (event: any) => void): unknown;
  off(event: string, listener: (event: any) => void): unknown;
  sendAppMessage(data: unknown, to?: string | string[]): unknown;
  setUserData(data: unknown): Promise<unknown>;
  setMeetingSessionData(data: unknown, mergeStrategy?: 'replace' | 'shallow-merge'): unknown;
  meetingSessionState(): { data: unknown; topology: string };
  participants(): Record<string, any>;
}

/** Options of `new DailySync(call, options)`. */
export interface DailySyncOptions {
  /** The least time between two session-data writes, in ms (16 or more; default 1000). */
  sessionDataIntervalMs?: number;
}

/** An app message as received. */
export interface AppMessage<T = unknown> {
  data: T;
  /** The sender's session id. */
  fromId: string;
}

/** A participant, with only the fields apps read. */
export interface Participant<U = unknown> {
  sessionId: string;
  userId: string;
  userName: string;
  local: boolean;
  owner: boolean;
  userData: U | undefined;
}

/** The room-wide state, as `meeting-session-state-updated` carries it. */
export interface SessionState<S = Record<string, unknown>> {
  data: S;
  topology: string;
}

/** The kinds of error the JS API throws; each is an `Error` with `kind` set. */
export type DailySyncErrorKind =
  | 'payload-too-large' | 'not-joined' | 'not-serializable' | 'invalid-recipient' | 'not-plain-object'
  | 'not-call-object' | 'invalid-argument' | 'disposed' | 'http' | 'network' | 'timeout' | 'daily';

/** An error thrown (or a rejection) by the JS API. */
export interface DailySyncError extends Error {
  kind: DailySyncErrorKind;
  /** With 'payload-too-large': the payload's JSON.stringify length, and the limit. */
  size?: number;
  limit?: number;
  /** With 'http': the status and Daily's error body. */
  status?: number;
  error?: string;
  info?: string;
  /** With 'daily': what daily-js threw. */
  cause?: unknown;
}
"#;
