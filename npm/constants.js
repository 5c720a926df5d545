// The numbers and names the JS modules share with the Rust API, each written once here and checked
// against conformance/constants.json (as the Rust ones are) by tests/page/conformance.test.mjs.
// Internal: not part of any entry's declarations. A bundler inlines the primitives.

/** Daily's default limit for one app message, in `JSON.stringify` characters. */
export const APP_MESSAGE_LIMIT = 4096;
/** The limit for one participant's userData. */
export const USER_DATA_LIMIT = 4096;
/** The limit for the room's whole session data. */
export const SESSION_DATA_LIMIT = 102400;
/** The most items a subscriber that does not read may have waiting (the Rust streams' buffer). */
export const STREAM_BUFFER = 65536;
/** The smallest session-data interval: one animation frame. */
export const MIN_SESSION_DATA_INTERVAL_MS = 16;
/** The session-data interval when none is given: Daily syncs about once a second. */
export const DEFAULT_SESSION_DATA_INTERVAL_MS = 1000;
/** The most sends and session-data writes `queueUntilJoined` holds before join. */
export const MAX_HELD_BEFORE_JOIN = 1000;
/** The key that marks a channel's chunk in an app message's data: a plain message never has it. */
export const CHUNK_MARKER = '$ds';
/** The methods a value must have to be used as a call object. */
export const CALL_OBJECT_METHODS = ['on', 'off', 'sendAppMessage', 'setUserData', 'setMeetingSessionData', 'participants'];

/**
 * Whether an app message's `data` is a channel's chunk, the one rule everywhere (the Rust
 * streams' inline JS in src/sys.rs too): an object whose marker is not undefined. A peer's JSON
 * cannot carry an undefined, so this and an `in` test differ only for a local emit.
 */
export const isChunk = (data) => data !== null && typeof data === 'object' && data.$ds !== undefined; // $ds: CHUNK_MARKER
