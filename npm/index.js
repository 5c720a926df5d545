// The default entry, `daily-sync`: DailySync, everything an app on a real Daily room needs.
// Events are delivered in JS (hub.js), with no hop through wasm; the session-data throttle is Rust
// (src/js/sync.rs), in this entry's own small wasm, driven by session.js.
import wasmInit from './wasm/core/daily_sync.js';
import { checkCallObject, checkCallback, checkSerializable, recipient, sessionInterval } from './checks.js';
import { classify, dailySyncError, invalidArgument, isDailySyncError, jsonLength, notSerializable } from './errors.js';
import { Subscriptions, initWith, internals, listen, registry } from './hub.js';
import { SessionDriver } from './session.js';

export { isDailySyncError };

/** Loads this entry's wasm; call (and await) it once before using DailySync. */
export default function init(input) {
  return initWith(wasmInit, input);
}

const isObject = (value) => value !== null && typeof value === 'object';

/** Reads only the fields apps use from a daily-js participant (which also holds Dates and tracks). */
function shapeParticipant(p) {
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

/** A channel's chunk (see src/channel/codec.rs) is never a plain app message. */
const isChunk = (data) => isObject(data) && Object.prototype.hasOwnProperty.call(data, '$ds');

const appMessage = (e) =>
  isObject(e) && typeof e.fromId === 'string' && !isChunk(e.data) ? { data: e.data, fromId: e.fromId } : undefined;

const participantOf = (e) => (isObject(e) ? shapeParticipant(e.participant) : undefined);

const PARTICIPANT_EVENTS = [
  ['participant-joined', 'joined'],
  ['participant-updated', 'updated'],
  ['participant-left', 'left'],
];

/** Syncs app data over one daily-js call object (or a local one). */
export class DailySync {
  #call;
  #session;
  #disposed = false;
  /** The app's callbacks and iterators, which dispose() ends. */
  #subscriptions = new Subscriptions();
  /** The session driver's own subscriptions. */
  #own = [];
  /** Channels made through the channels entry, closed on dispose. */
  #closers = new Set();

  /** `new DailySync(call, { sessionDataIntervalMs })`: `call` is a daily-js call object, or a local one. */
  constructor(call, options) {
    checkCallObject(call);
    const session = new SessionDriver(call, sessionInterval(options));
    this.#call = call;
    this.#session = session;
    try {
      this.#own.push(
        listen(call, 'meeting-session-state-updated', (e) => {
          const state = isObject(e) ? e.meetingSessionState : undefined;
          if (isObject(state) && isObject(state.data)) session.remote(state.data);
        }),
        listen(call, 'joined-meeting', () => session.onJoined()),
        listen(call, 'left-meeting', () => session.onLeft()),
      );
    } catch (error) {
      for (const off of this.#own) off();
      session.close();
      throw classify(error);
    }
    if (session.joined()) session.onJoined();
    internals.set(this, {
      call,
      live: () => this.#live(),
      own: (closer) => {
        this.#closers.add(closer);
        return () => this.#closers.delete(closer);
      },
      channels: new Map(),
    });
  }

  #live() {
    if (this.#disposed) throw dailySyncError('disposed', 'this DailySync was disposed');
  }

  /**
   * A feed for Subscriptions: subscribes `sink` to the items `shape` makes of `event`'s payloads
   * (for each [event, shape] pair), and returns what unsubscribes it.
   */
  #feed(pairs) {
    this.#live();
    return (sink) => this.#listen(pairs, sink);
  }

  #listen(pairs, sink) {
    const offs = [];
    try {
      for (const [event, shape] of pairs) {
        offs.push(
          listen(this.#call, event, (payload) => {
            let item;
            try {
              item = shape(payload);
            } catch {
              return; // a hostile getter on a peer's payload must not stop the stream
            }
            if (item !== undefined) sink(item);
          }),
        );
      }
    } catch (error) {
      for (const off of offs) off();
      throw classify(error);
    }
    return () => {
      for (const off of offs) off();
    };
  }

  #iterate(pairs) {
    return this.#subscriptions.iterate(this.#feed(pairs));
  }

  #on(pairs, fn) {
    checkCallback(fn);
    return this.#subscriptions.on(this.#feed(pairs), fn);
  }

  /** Sends an ephemeral message to `'*'` (everyone else), one session id, or a list of them. */
  sendAppMessage(data, to) {
    this.#live();
    checkSerializable(data, 'the message');
    const recipients = recipient(to);
    try {
      this.#call.sendAppMessage(data, recipients);
    } catch (thrown) {
      const error = classify(thrown, () => jsonLength(data));
      // daily-js checks the join state first; a value with no JSON form is the more useful answer.
      if (error.kind === 'not-joined' && jsonLength(data) === undefined) {
        throw notSerializable('the message has no JSON form (a cycle or a BigInt)');
      }
      throw error;
    }
  }

  /** An async iterator of `{ data, fromId }`; `break` or `return()` unsubscribes. */
  appMessages() {
    return this.#iterate([['app-message', appMessage]]);
  }

  /** Calls `fn({ data, fromId })` for each app message; returns the function that unsubscribes. */
  onAppMessage(fn) {
    return this.#on([['app-message', appMessage]], fn);
  }

  /** Sets the local participant's userData (`undefined` removes it); allowed before join. */
  setUserData(data) {
    try {
      this.#live();
      if (data !== undefined) checkSerializable(data, 'userData');
      // daily-js's own errors say how large the data was, so no measuring here.
      return Promise.resolve(this.#call.setUserData(data)).then(
        () => undefined,
        (reason) => {
          throw classify(reason);
        },
      );
    } catch (error) {
      return Promise.reject(isDailySyncError(error) ? error : classify(error));
    }
  }

  /** Everyone in the call, the local participant included. */
  participants() {
    this.#live();
    const list = [];
    try {
      const all = this.#call.participants();
      if (isObject(all)) {
        for (const p of Object.values(all)) {
          const shaped = shapeParticipant(p);
          if (shaped !== undefined) list.push(shaped);
        }
      }
    } catch (error) {
      throw classify(error);
    }
    return list;
  }

  /** An async iterator of participants as they change; `break` or `return()` unsubscribes. */
  participantUpdates() {
    return this.#iterate([['participant-updated', participantOf]]);
  }

  /** Calls `fn(participant)` for each participant update; returns the function that unsubscribes. */
  onParticipantUpdate(fn) {
    return this.#on([['participant-updated', participantOf]], fn);
  }

  #participantEvents() {
    return PARTICIPANT_EVENTS.map(([event, action]) => [
      event,
      (e) => {
        const participant = participantOf(e);
        return participant === undefined ? undefined : { action, participant };
      },
    ]);
  }

  /** An async iterator of `{ action: 'joined' | 'updated' | 'left', participant }`. */
  participantEvents() {
    return this.#iterate(this.#participantEvents());
  }

  /** Calls `fn({ action, participant })` on each join, update and leave. */
  onParticipantEvent(fn) {
    return this.#on(this.#participantEvents(), fn);
  }

  /** Replaces the room-wide state, throttled: at most one write per interval, the last always sent. */
  setSessionData(data) {
    this.#live();
    this.#session.set(data);
  }

  /** Shallow-merges `patch` into the room-wide state, throttled; a key set to `undefined` is deleted. */
  mergeSessionData(patch) {
    this.#live();
    this.#session.merge(patch);
  }

  /** Sends pending session data now, whatever the interval. */
  flushSessionData() {
    this.#live();
    this.#session.flush();
  }

  /** The local view of the room-wide state: the room's state with pending local changes applied. */
  sessionData() {
    this.#live();
    return this.#session.view();
  }

  #sessionStates() {
    const session = this.#session;
    return [
      [
        'meeting-session-state-updated',
        (e) => {
          const state = isObject(e) ? e.meetingSessionState : undefined;
          if (!isObject(state) || !isObject(state.data)) return undefined; // a peer's garbage
          const topology = state.topology;
          return { data: session.view(), topology: typeof topology === 'string' ? topology : 'none' };
        },
      ],
    ];
  }

  /** An async iterator of `{ data, topology }` each time the room's state arrives (`data`: the local view). */
  sessionStates() {
    return this.#iterate(this.#sessionStates());
  }

  /** Calls `fn({ data, topology })` each time the room's state arrives. */
  onSessionState(fn) {
    return this.#on(this.#sessionStates(), fn);
  }

  /** The channel `name` (needs `daily-sync/channels`, loaded with its `init()`). */
  channel(name, options) {
    this.#live();
    if (registry.channel === null) {
      throw invalidArgument("channels are in the 'daily-sync/channels' entry: import it and await its init() first");
    }
    return registry.channel(this, name, options);
  }

  /**
   * Sends pending session data, ends every iterator and removes every listener this DailySync
   * added. Calling it again does nothing.
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#subscriptions.stopAll();
    for (const close of [...this.#closers]) close();
    for (const off of this.#own.splice(0)) off();
    try {
      this.#session.close();
    } catch (error) {
      console.warn(`daily-sync: pending session data could not be sent on dispose: ${error.message}`);
    }
  }

  /** Whether `dispose()` was called. */
  get disposed() {
    return this.#disposed;
  }

  /** The same as `dispose()`. */
  free() {
    this.dispose();
  }
}

if (typeof Symbol.dispose === 'symbol') {
  // `using sync = new DailySync(call)` disposes at the end of the block.
  Object.defineProperty(DailySync.prototype, Symbol.dispose, {
    value: DailySync.prototype.dispose,
    writable: true,
    configurable: true,
  });
}
