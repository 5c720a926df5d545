// What the default entry makes of daily-js event payloads: participants, app messages and the
// room's state, each read field by field (a peer's payload may be garbage or hostile).
import { isChunk } from './constants.js';
import { EventIterator } from './hub.js';

export const isObject = (value) => value !== null && typeof value === 'object';

/** Reads only the fields apps use from a daily-js participant (which also holds Dates and tracks). */
export function shapeParticipant(p) {
  if (!isObject(p)) return undefined;
  return {
    sessionId: String(p.session_id ?? ''),
    userId: String(p.user_id ?? ''),
    userName: String(p.user_name ?? ''),
    local: p.local === true,
    owner: p.owner === true,
    userData: p.userData,
  };
}

export const participantOf = (e) => (isObject(e) ? shapeParticipant(e.participant) : undefined);

/** Whether a `fromId` and `data` make an app message: a channel's chunk (see src/channel/codec.rs) does not. */
const isAppMessage = (fromId, data) => typeof fromId === 'string' && !isChunk(data);

/** `{ data, fromId }` of an app-message event; undefined for a channel's chunk or garbage. */
export function appMessage(e) {
  if (!isObject(e)) return undefined;
  const fromId = e.fromId;
  const data = e.data;
  return isAppMessage(fromId, data) ? { data, fromId } : undefined;
}

/** `shapedListener` for app messages, the hot path: `appMessage` written out, for each kind of sink. */
export function appMessageListener(sink) {
  if (sink instanceof EventIterator) return (payload) => appMessageToIterator(sink, payload);
  return (payload) => appMessageToCallback(sink, payload);
}

/**
 * `shapedListener`'s work for a callback, for app messages: here a callback costs what a plain
 * listener on the call object does, within about 5% (a shape known where it is compiled, one
 * `try`, no call to make the item).
 */
function appMessageToCallback(fn, payload) {
  let shaped = false;
  try {
    // A payload of null or undefined throws here, and is skipped as garbage is.
    const fromId = payload.fromId;
    const data = payload.data;
    if (!isAppMessage(fromId, data)) return;
    shaped = true;
    fn({ data, fromId });
  } catch (error) {
    // A hostile getter on a payload is skipped; what the callback throws is reported.
    if (shaped) console.error('daily-sync: an app-message subscriber threw', error);
  }
}

/** `appMessageToCallback` for an iterator (which never throws). */
function appMessageToIterator(iterator, payload) {
  try {
    const fromId = payload.fromId;
    const data = payload.data;
    if (isAppMessage(fromId, data)) iterator.push({ data, fromId });
  } catch {
    // A hostile getter on a payload is skipped.
  }
}

/** The room's state in a `meeting-session-state-updated` payload, or undefined for a peer's garbage. */
export const roomStateOf = (e) => {
  const state = isObject(e) ? e.meetingSessionState : undefined;
  return isObject(state) && isObject(state.data) ? state : undefined;
};
