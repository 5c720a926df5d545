// The default entry, `daily-sync`: DailySync, everything an app on a real Daily room needs.
// Events are delivered in JS (hub.js), with no hop through wasm; the session-data throttle is Rust
// (src/js/session.rs), in this entry's own small wasm, driven by session.js.
import wasmInit from './wasm/core/daily_sync.js';
import { checkCallObject, checkCallback, checkPlainObject, checkSerializable, recipient, sessionInterval } from './checks.js';
import {
  classify,
  dailySyncError,
  invalidArgument,
  isDailySyncError,
  jsonLength,
  notSerializable,
  tooLarge,
} from './errors.js';
import { EventIterator, Subscriptions, deliver, fanOut, listen, listenGuarded, shapeOf, shapedListener } from './hub.js';
import { initWith, internals, registry, requireInit } from './registry.js';
import { SOURCES, isThenable, readSchemas, validate } from './schemas.js';
import { SessionDriver } from './session.js';

export { isDailySyncError };

/**
 * Loads this entry's wasm; call (and await) it once before using DailySync. With no argument it
 * fetches the wasm beside this module (in Node, reads it from disk); a second call loads nothing.
 */
export default function init(input) {
  return initWith(wasmInit, input, new URL('./wasm/core/daily_sync_bg.wasm', import.meta.url));
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

/** Whether a `fromId` and `data` make an app message: a channel's chunk (see src/channel/codec.rs) does not. */
const isAppMessage = (fromId, data) => typeof fromId === 'string' && (data == null || data.$ds === undefined);

/** `{ data, fromId }` of an app-message event; undefined for a channel's chunk or garbage. */
function appMessage(e) {
  if (!isObject(e)) return undefined;
  const fromId = e.fromId;
  const data = e.data;
  return isAppMessage(fromId, data) ? { data, fromId } : undefined;
}

/** `shapedListener` for app messages, the hot path: `appMessage` written out, for each kind of sink. */
function appMessageListener(sink) {
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

const participantOf = (e) => (isObject(e) ? shapeParticipant(e.participant) : undefined);

/** The room's state in a `meeting-session-state-updated` payload, or undefined for a peer's garbage. */
const roomStateOf = (e) => {
  const state = isObject(e) ? e.meetingSessionState : undefined;
  return isObject(state) && isObject(state.data) ? state : undefined;
};

/**
 * Where each kind of item carries peer data, for the schemas: the schema's name, the value, its
 * sender, and the item with the value replaced by the schema's output (`undefined`: it failed).
 * `optional`: an absent value (a participant with no userData) is not checked.
 */
const GUARDS = {
  message: {
    schema: 'appMessage',
    value: (m) => m.data,
    from: (m) => m.fromId,
    with: (m, data) => (data === undefined ? undefined : { data, fromId: m.fromId }),
  },
  // A participant whose userData fails is still shown (presence matters), without it.
  participant: {
    schema: 'userData',
    optional: true,
    value: (p) => p.userData,
    from: (p) => p.sessionId,
    with: (p, userData) => ({ ...p, userData }),
  },
  participantEvent: {
    schema: 'userData',
    optional: true,
    value: (e) => e.participant.userData,
    from: (e) => e.participant.sessionId,
    with: (e, userData) => ({ action: e.action, participant: { ...e.participant, userData } }),
  },
};

/** The most sends and session-data writes `queueUntilJoined` holds before join. */
export const MAX_QUEUED = 1000;

const APP_MESSAGE_LIMIT = 4096;
const SESSION_DATA_LIMIT = 102400;

/** Syncs app data over one daily-js call object (or a local one). */
export class DailySync {
  #call;
  #session;
  #disposed = false;
  /** The app's callbacks and iterators, which dispose() ends. */
  #subscriptions = new Subscriptions();
  /** This DailySync's own listeners (the session driver's, the schemas'). */
  #own = [];
  /** Channels made through the channels entry, closed on dispose. */
  #closers = new Set();
  /** `options.schemas`, or null. */
  #schemas;
  /** Each peer payload's validation result (or its Promise), so it is checked and reported once. */
  #checked = new WeakMap();
  /** `onInvalid` callbacks. */
  #invalid = [];
  /** The last local view of the session data that passed its schema. */
  #lastValidView = {};
  /** How many ask for each room state as it comes (`#followRoom`), and what stops that. */
  #roomFollowers = 0;
  #unfollowRoom = null;
  /** Sends and session-data writes made before join (`queueUntilJoined`), or null without it. */
  #queue = null;

  /** `new DailySync(call, options)`: `call` is a daily-js call object, or a local one. */
  constructor(call, options) {
    requireInit(wasmInit, "daily-sync is not initialized: import init from 'daily-sync' and await init() before new DailySync()");
    checkCallObject(call);
    const interval = sessionInterval(options);
    this.#schemas = readSchemas(options);
    if (readQueueOption(options)) this.#queue = [];
    const session = new SessionDriver(call, interval);
    this.#call = call;
    this.#session = session;
    try {
      // The room's state is read from the call object when needed (session.js, `refresh`); it is
      // also taken from each state event while something must see every one as it comes.
      if (this.#schemas?.sessionData) this.#own.push(this.#followRoom());
      this.#own.push(
        listenGuarded(call, 'joined-meeting', () => {
          session.onJoined();
          this.#sendQueued();
        }),
        listenGuarded(call, 'left-meeting', () => {
          session.onLeft();
          this.#dropQueued('the call left');
        }),
      );
      // Peer data is checked (and failures reported) as it arrives, whoever listens.
      if (this.#schemas?.appMessage) {
        this.#own.push(
          listenGuarded(call, 'app-message', (e) => {
            const m = appMessage(e);
            if (m !== undefined) this.#check('appMessage', e, m.data, m.fromId);
          }),
        );
      }
      if (this.#schemas?.userData) {
        for (const event of ['participant-joined', 'participant-updated']) {
          this.#own.push(
            listenGuarded(call, event, (e) => {
              const p = participantOf(e);
              if (p !== undefined && p.userData !== undefined) this.#check('userData', e, p.userData, p.sessionId);
            }),
          );
        }
      }
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
      // For the requests' schemas (npm/rpc.js): they report to the same onInvalid callbacks.
      schemas: this.#schemas,
      invalid: this.#invalid,
    });
    // With daily-sync/channels loaded, every DailySync answers requests (unsupported-method for a
    // method it has no handler for), whether or not it registers one.
    registry.rpc?.(this);
  }

  #live() {
    if (this.#disposed) throw dailySyncError('disposed', 'this DailySync was disposed: create a new one for the call');
  }

  // --- peer data and its schemas ---

  /**
   * Validates `value` of a peer `payload` against the schema `name` once per payload, reporting a
   * failure to `onInvalid`; returns `{ value }`, `{ issues }`, a Promise of one, or null when there
   * is no schema.
   */
  #check(name, payload, value, fromId) {
    const schema = this.#schemas?.[name];
    if (!schema) return null;
    const cached = this.#checked.get(payload);
    if (cached !== undefined) return cached;
    const report = (result) => {
      if (result.issues) {
        fanOut(this.#invalid, { source: SOURCES[name], fromId, data: value, issues: result.issues }, 'onInvalid');
      }
      return result;
    };
    const result = validate(schema, value);
    const checked = isThenable(result) ? result.then(report) : report(result);
    this.#checked.set(payload, checked);
    return checked;
  }

  /** `item` (made from `payload`) as its consumers may see it: `{ value }` of it, or a Promise of that. */
  #guarded(guard, payload, item) {
    if (guard === undefined || !this.#schemas?.[guard.schema]) return { value: item };
    const value = guard.value(item);
    if (value === undefined && guard.optional) return { value: item };
    const result = this.#check(guard.schema, payload, value, guard.from(item));
    const pass = (r) => ({ value: guard.with(item, r.issues ? undefined : r.value) });
    return isThenable(result) ? result.then(pass) : pass(result);
  }

  // --- subscriptions ---

  /**
   * A feed for Subscriptions: subscribes `sink` to the items `shape` makes of `event`'s payloads,
   * for each `[event, shape, guard]`, and returns what unsubscribes it.
   */
  #feed(pairs) {
    this.#live();
    return (sink) => this.#listen(pairs, sink);
  }

  #listen(pairs, sink) {
    // While an asynchronous schema is checking an item, later items wait behind it: order is kept.
    let chain = null;
    const give = (event, guarded) => {
      if (guarded.value !== undefined) deliver(sink, guarded.value, event);
    };
    const offs = [];
    try {
      for (const [event, shape, guard] of pairs) {
        // Without a schema for it, an item goes straight to the sink: the path every event takes.
        if (guard === undefined || !this.#schemas?.[guard.schema]) {
          offs.push(listen(this.#call, event, shape === appMessage ? appMessageListener(sink) : shapedListener(event, shape, sink)));
          continue;
        }
        offs.push(
          listenGuarded(this.#call, event, (payload) => {
            const item = shapeOf(shape, payload);
            if (item === undefined) return;
            const guarded = this.#guarded(guard, payload, item);
            if (chain === null && !isThenable(guarded)) return give(event, guarded);
            chain = (chain ?? Promise.resolve())
              .then(() => guarded)
              .then((ready) => give(event, ready))
              .catch((error) => console.error(`daily-sync: a ${event} subscriber threw`, error));
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

  // --- before join ---

  #joined() {
    return this.#session.joined();
  }

  /** Holds a send made before join (`queueUntilJoined`), refusing it when the queue is full. */
  #enqueue(entry) {
    if (this.#queue.length >= MAX_QUEUED) {
      throw dailySyncError('not-joined', `not joined: ${MAX_QUEUED} sends already wait for the join; wait for it before sending more`);
    }
    this.#queue.push(entry);
  }

  #sendQueued() {
    if (this.#queue === null || this.#queue.length === 0) return;
    for (const send of this.#queue.splice(0)) {
      try {
        send();
      } catch (error) {
        console.warn(`daily-sync: a send held until join failed: ${error.message}`);
      }
    }
  }

  #dropQueued(why) {
    if (this.#queue === null || this.#queue.length === 0) return;
    const count = this.#queue.splice(0).length;
    console.warn(`daily-sync: ${why} before join; ${count} held send(s) dropped`);
  }

  /** Checks session data for the queue as daily-js and the throttle would: a plain object, with a JSON form, in size. */
  #checkQueuedSessionData(data) {
    checkPlainObject(data);
    let size;
    try {
      size = JSON.stringify(data).length;
    } catch (error) {
      throw notSerializable(error instanceof Error ? error.message : 'JSON.stringify failed');
    }
    if (size > SESSION_DATA_LIMIT) throw tooLarge(size, SESSION_DATA_LIMIT);
  }

  // --- the API ---

  /** Sends an ephemeral message to `'*'` (everyone else), one session id, or a list of them. */
  sendAppMessage(data, to) {
    this.#live();
    checkSerializable(data, 'the message');
    const recipients = recipient(to);
    if (this.#queue !== null && !this.#joined()) {
      const size = jsonLength(data);
      if (size === undefined) throw notSerializable('the message holds a cycle or a BigInt');
      if (size > APP_MESSAGE_LIMIT) throw tooLarge(size, APP_MESSAGE_LIMIT);
      this.#enqueue(() => this.#send(data, recipients));
      return;
    }
    this.#send(data, recipients);
  }

  #send(data, recipients) {
    try {
      this.#call.sendAppMessage(data, recipients);
    } catch (thrown) {
      const error = classify(thrown, () => jsonLength(data), this.#call);
      // daily-js checks the join state first; a value with no JSON form is the more useful answer.
      if (error.kind === 'not-joined' && jsonLength(data) === undefined) {
        throw notSerializable('the message holds a cycle or a BigInt');
      }
      throw error;
    }
  }

  /** An async iterator of `{ data, fromId }`; `break` or `return()` unsubscribes. */
  appMessages() {
    return this.#iterate([['app-message', appMessage, GUARDS.message]]);
  }

  /** Calls `fn({ data, fromId })` for each app message; returns the function that unsubscribes. */
  onAppMessage(fn) {
    return this.#on([['app-message', appMessage, GUARDS.message]], fn);
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

  /**
   * Everyone in the call, the local participant included. With a userData schema, a participant
   * whose userData fails it (or whose schema is asynchronous) shows `userData: undefined`.
   */
  participants() {
    this.#live();
    const list = [];
    try {
      const all = this.#call.participants();
      if (isObject(all)) {
        for (const p of Object.values(all)) {
          const shaped = shapeParticipant(p);
          if (shaped === undefined) continue;
          const schema = this.#schemas?.userData;
          if (schema && shaped.userData !== undefined) {
            const result = validate(schema, shaped.userData);
            shaped.userData = isThenable(result) || result.issues ? undefined : result.value;
          }
          list.push(shaped);
        }
      }
    } catch (error) {
      throw classify(error);
    }
    return list;
  }

  /** An async iterator of participants as they change; `break` or `return()` unsubscribes. */
  participantUpdates() {
    return this.#iterate([['participant-updated', participantOf, GUARDS.participant]]);
  }

  /** Calls `fn(participant)` for each participant update; returns the function that unsubscribes. */
  onParticipantUpdate(fn) {
    return this.#on([['participant-updated', participantOf, GUARDS.participant]], fn);
  }

  static #participantEvents = [
    ['participant-joined', 'joined'],
    ['participant-updated', 'updated'],
    ['participant-left', 'left'],
  ].map(([event, action]) => [
    event,
    (e) => {
      const participant = participantOf(e);
      return participant === undefined ? undefined : { action, participant };
    },
    GUARDS.participantEvent,
  ]);

  /** An async iterator of `{ action: 'joined' | 'updated' | 'left', participant }`. */
  participantEvents() {
    return this.#iterate(DailySync.#participantEvents);
  }

  /** Calls `fn({ action, participant })` on each join, update and leave. */
  onParticipantEvent(fn) {
    return this.#on(DailySync.#participantEvents, fn);
  }

  /** Replaces the room-wide state, throttled: at most one write per interval, the last always sent. */
  setSessionData(data) {
    this.#write(data, false);
  }

  /** Shallow-merges `patch` into the room-wide state, throttled; a key set to `undefined` is deleted. */
  mergeSessionData(patch) {
    this.#write(patch, true);
  }

  /** A session-data write now, or (with `queueUntilJoined`, before join) checked now and held. */
  #write(data, merge) {
    this.#live();
    const session = this.#session;
    if (this.#queue !== null && !this.#joined()) {
      this.#checkQueuedSessionData(data);
      this.#enqueue(merge ? () => session.merge(data) : () => session.set(data));
      return;
    }
    if (merge) session.merge(data);
    else session.set(data);
  }

  /** Sends pending session data now, whatever the interval. */
  flushSessionData() {
    this.#live();
    this.#session.flush();
  }

  /**
   * The local view of the room-wide state: the room's state with pending local changes applied.
   * With a sessionData schema, the last view that passed it.
   */
  sessionData() {
    this.#live();
    return this.#view();
  }

  #view() {
    const view = this.#session.view();
    const schema = this.#schemas?.sessionData;
    if (!schema) return view;
    const result = validate(schema, view);
    if (!isThenable(result) && !result.issues) this.#lastValidView = result.value;
    return this.#lastValidView;
  }

  /**
   * Takes in each `meeting-session-state-updated` state as it comes (checking it against the
   * schema, if any) until the returned function is called: one listener however many ask.
   */
  #followRoom() {
    if (this.#roomFollowers++ === 0) {
      try {
        this.#unfollowRoom = listenGuarded(this.#call, 'meeting-session-state-updated', (e) => {
          const state = roomStateOf(e);
          if (state === undefined) return;
          this.#session.remote(state.data);
          if (this.#schemas?.sessionData) this.#check('sessionData', e, state.data, undefined);
        });
      } catch (error) {
        this.#roomFollowers--;
        throw classify(error);
      }
    }
    let following = true;
    return () => {
      if (!following) return;
      following = false;
      if (--this.#roomFollowers === 0) this.#unfollowRoom();
    };
  }

  /** Items `{ state, make }`: `make()` gives what consumers see, once the state passed its schema. */
  #sessionStates() {
    const guard = {
      schema: 'sessionData',
      value: (item) => item.state.data,
      from: () => undefined,
      with: (item, data) => (data === undefined ? undefined : item),
    };
    return [
      [
        'meeting-session-state-updated',
        (e) => {
          const state = roomStateOf(e);
          if (state === undefined) return undefined;
          const topology = typeof state.topology === 'string' ? state.topology : 'none';
          // Made once the room's state passed its schema (if any), from the view of that moment.
          return { state, make: () => ({ data: this.#view(), topology }) };
        },
        guard,
      ],
    ];
  }

  /** An async iterator of `{ data, topology }` each time the room's state arrives (`data`: the local view). */
  sessionStates() {
    return this.#subscriptions.iterate(this.#sessionStateFeed());
  }

  /** Calls `fn({ data, topology })` each time the room's state arrives. */
  onSessionState(fn) {
    checkCallback(fn);
    return this.#subscriptions.on(this.#sessionStateFeed(), fn);
  }

  #sessionStateFeed() {
    const feed = this.#feed(this.#sessionStates());
    return (sink) => {
      // Subscribed first, so that each state is taken in before a subscriber sees the view.
      const unfollow = this.#followRoom();
      try {
        const off = feed((item) => deliver(sink, item.make(), 'meeting-session-state-updated'));
        return () => {
          off();
          unfollow();
        };
      } catch (error) {
        unfollow();
        throw error;
      }
    };
  }

  /** Calls `fn({ source, fromId, data, issues })` for each piece of peer data that failed its schema. */
  onInvalid(fn) {
    checkCallback(fn);
    this.#live();
    const list = this.#invalid;
    const feed = (sink) => {
      list.push(sink);
      return () => {
        const at = list.indexOf(sink);
        if (at >= 0) list.splice(at, 1);
      };
    };
    return this.#subscriptions.on(feed, (item) => fn(item));
  }

  /** What `daily-sync/channels` adds to this DailySync, once loaded with its `init()`. */
  #channels(what) {
    this.#live();
    if (registry.channel === null) {
      throw dailySyncError(
        'not-initialized',
        `daily-sync/channels is not initialized: import initChannels from 'daily-sync/channels' and await initChannels() before sync.${what}()`,
      );
    }
    return registry;
  }

  /** The channel `name` (needs `daily-sync/channels`). */
  channel(name, options) {
    return this.#channels('channel').channel(this, name, options);
  }

  /** Makes `fn(payload, { fromId })` answer requests for `method` (needs `daily-sync/channels`); returns what unregisters it. */
  handle(method, fn) {
    return this.#channels('handle').rpc(this).handle(method, fn);
  }

  /** Asks participant `sessionId` (needs `daily-sync/channels`): resolves with its answer. */
  request(sessionId, method, payload, options) {
    try {
      return this.#channels('request').rpc(this).request(sessionId, method, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Asks every other participant (needs `daily-sync/channels`): resolves with a Map of their outcomes. */
  requestAll(method, payload, options) {
    try {
      return this.#channels('requestAll').rpc(this).requestAll(method, payload, options);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Ordered room state (needs `daily-sync/channels`): every change goes through one participant. */
  ordered() {
    this.#live();
    if (registry.ordered === null) {
      throw dailySyncError(
        'not-initialized',
        "daily-sync/ordered is not initialized: import initOrdered from 'daily-sync/ordered' and await initOrdered() before sync.ordered()",
      );
    }
    return registry.ordered(this);
  }

  /** The presence `name`: high-rate state, latest wins (needs `daily-sync/channels`). */
  presence(name, options) {
    return this.#channels('presence').presence(this, name, options);
  }

  /**
   * Sends pending session data, ends every iterator and removes every listener this DailySync
   * added. Calling it again does nothing.
   */
  dispose() {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#dropQueued('the DailySync was disposed');
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

/** Reads `options.queueUntilJoined` (default false). */
function readQueueOption(options) {
  let queue;
  try {
    queue = options?.queueUntilJoined;
  } catch {
    throw invalidArgument('options.queueUntilJoined cannot be read');
  }
  if (queue === undefined) return false;
  if (typeof queue !== 'boolean') throw invalidArgument('options.queueUntilJoined must be a boolean');
  return queue;
}

if (typeof Symbol.dispose === 'symbol') {
  // `using sync = new DailySync(call)` disposes at the end of the block.
  Object.defineProperty(DailySync.prototype, Symbol.dispose, {
    value: DailySync.prototype.dispose,
    writable: true,
    configurable: true,
  });
}
