// A stand-in for a joined daily-js 0.92.2 call object, for the benchmarks: it does, per call, what
// daily-js does before its work leaves the page (checked against node_modules/@daily-co/daily-js/
// dist/daily-esm.js: see BENCHMARKS.md, "The stub"), so "the call object's own cost" in a ratio is
// daily-js's, not zero. Benchmark helper, not part of the library.
//
//   sendAppMessage(data, to)   the join-state check (`dc`), `JSON.stringify(data).length` against the
//                              4096 limit, and the message to the call machine: a copy of
//                              {action: 'app-msg', data, to} with its routing fields, structured-
//                              cloned (what window.postMessage does to it)
//   setMeetingSessionData(d, s) the join-state check, `_validateData` (plain object, JSON.stringify,
//                              then JSON.parse and a deep-equal with daily-js's own `S` (dequal), per
//                              key for 'shallow-merge'; the 102400 limit), and the message to the
//                              call machine, structured-cloned
//   setUserData(data)          `_c` (JSON.stringify, JSON.parse, deep-equal, the 4096 limit) and the
//                              message to the call machine
//
// Unlike daily-js, nothing leaves: the clone is kept (so it is not optimized away) and counted; a
// session-data update is only queued, and applied to the room's state when that is read. The call
// machine's answer to a session-data update, `meeting-session-state-updated` with the room's new
// state, is emitted at once (synchronously, a fresh clone of the state), but only when someone
// listens, so its cost lands on the listener (the throttle) and never on the plain path.
import { dequal } from '/node_modules/dequal/dist/index.mjs';
import { EventEmitter } from '/src/local/local_call.js';

const MAX_APP_MESSAGE_SIZE = 4096; // daily-js: `ea=4096`, `this._maxAppMessageSize`
const MAX_SESSION_DATA_SIZE = 102400; // daily-js: `ta=102400`
const CALL_CLIENT_ID = 'bench-call-client';

/** daily-js's `dc`: throws (and logs) unless the call is joined. */
function checkJoined(state, method) {
  if (state !== 'joined-meeting') {
    const message = `${method} only supported after join.`;
    console.error(message);
    throw new Error(message);
  }
}

function isPlainObject(value) {
  if (value == null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto == null || proto === Object.prototype;
}

/** daily-js's `Ha._validateData(data, mergeStrategy)`, step for step. */
function validateSessionData(data, mergeStrategy) {
  if (!isPlainObject(data)) throw Error('Meeting session data must be a plain (map-like) object');
  let text;
  try {
    text = JSON.stringify(data);
    if (mergeStrategy === 'replace') {
      const parsed = JSON.parse(text);
      if (!dequal(parsed, data)) console.warn('The meeting session data provided will be modified when serialized.');
    } else if (mergeStrategy === 'shallow-merge') {
      for (const key in data) {
        if (Object.hasOwnProperty.call(data, key) && data[key] !== undefined) {
          const parsed = JSON.parse(JSON.stringify(data[key]));
          if (!dequal(data[key], parsed)) console.warn('At least one key in the meeting session data provided will be modified when serialized.');
        }
      }
    }
  } catch (error) {
    throw Error(`Meeting session data must be serializable to JSON: ${error}`);
  }
  if (text.length > MAX_SESSION_DATA_SIZE) {
    throw Error(`Meeting session data is too large (${text.length} characters). Maximum size suppported is ${MAX_SESSION_DATA_SIZE}.`);
  }
}

/** daily-js's call object is an EventEmitter (node's `events`): the stub has the local room's. */
export class StubCall extends EventEmitter {
  /** `echo: false` leaves out the call machine's `meeting-session-state-updated` (for a breakdown). */
  constructor({ echo = true } = {}) {
    super();
    this._echo = echo;
    this._callState = 'joined-meeting';
    this._session = {};
    this._updates = [];
    this._userData = undefined;
    this._sessionId = 'a1b2c3d4-0000-4000-8000-00000000beef';
    /** How many messages went to the call machine, by action; and the last one (kept alive). */
    this.sent = Object.create(null);
    this.last = undefined;
  }

  // --- state ---
  meetingState() {
    return this._callState;
  }
  participants() {
    return {
      local: {
        session_id: this._sessionId,
        user_id: this._sessionId,
        user_name: 'bench',
        local: true,
        owner: false,
        joined_at: new Date(0),
        userData: this._userData,
      },
    };
  }
  meetingSessionState() {
    return { data: this._roomState(), topology: 'none' };
  }

  /** daily-js's `sendMessageToCallMachine` (web): `Ba({}, e)` plus routing fields, then postMessage. */
  _toCallMachine(message) {
    const packaged = { ...message, what: 'iframe-call-message', from: 'module', callClientId: CALL_CLIENT_ID };
    this.last = structuredClone(packaged);
    this.sent[message.action] = (this.sent[message.action] ?? 0) + 1;
    return this.last;
  }

  // --- the three ways to move app data ---
  sendAppMessage(data, to = '*') {
    checkJoined(this._callState, 'sendAppMessage()');
    if (JSON.stringify(data).length > MAX_APP_MESSAGE_SIZE) {
      throw new Error('Message data too large. Max size is ' + MAX_APP_MESSAGE_SIZE);
    }
    this._toCallMachine({ action: 'app-msg', data, to });
    return this;
  }

  setMeetingSessionData(data, mergeStrategy = 'replace') {
    checkJoined(this._callState, 'setMeetingSessionData');
    try {
      if (mergeStrategy !== 'replace' && mergeStrategy !== 'shallow-merge') {
        throw Error('Unrecognized mergeStrategy provided. Options are: [replace,shallow-merge]');
      }
      validateSessionData(data, mergeStrategy);
    } catch (error) {
      console.error(error);
      throw error;
    }
    const sent = this._toCallMachine({ action: 'set-session-data', data, mergeStrategy });
    // The call machine's side is not daily-js's cost in the page: the update is only queued here,
    // and applied to the room's state when that is read.
    if (mergeStrategy === 'replace') this._updates.length = 0;
    this._updates.push(sent);
    if (this._echo && this.listenerCount('meeting-session-state-updated') > 0) {
      this.emit('meeting-session-state-updated', {
        action: 'meeting-session-state-updated',
        meetingSessionState: { data: structuredClone(this._roomState()), topology: 'none' },
        callClientId: CALL_CLIENT_ID,
      });
    }
  }

  /** The room's session state: the queued updates applied, in order. */
  _roomState() {
    for (const { data, mergeStrategy } of this._updates) {
      if (mergeStrategy === 'replace') {
        this._session = data;
      } else {
        const next = { ...this._session };
        for (const key of Object.keys(data)) {
          if (data[key] === undefined) delete next[key];
          else next[key] = data[key];
        }
        this._session = next;
      }
    }
    this._updates.length = 0;
    return this._session;
  }

  async setUserData(data) {
    // daily-js's `_c`
    if (data !== undefined && typeof data !== 'string') {
      let text;
      try {
        text = JSON.stringify(data);
        if (!dequal(JSON.parse(text), data)) console.warn('The userData provided will be modified when serialized.');
      } catch (error) {
        throw Error(`userData must be serializable to JSON: ${error}`);
      }
      if (text.length > 4096) {
        throw Error(`userData is too large (${text.length} characters). Maximum size suppported is 4096.`);
      }
    }
    this._userData = data;
    this._toCallMachine({ action: 'set-user-data', userData: data });
    return { userData: data };
  }

  /** What the call machine does on an incoming app message: `emitDailyJSEvent`. */
  receiveAppMessage(data, fromId) {
    const event = { action: 'app-message', data, fromId, callClientId: CALL_CLIENT_ID };
    return this.emit('app-message', event);
  }
}
