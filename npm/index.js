// The default entry, `daily-sync`: DailySync, everything an app on a real Daily room needs.
// Events are delivered in JS (hub.js), with no hop through wasm; the session-data throttle is Rust
// (src/js/session.rs), in this entry's own small wasm, driven by session.js.
// Its parts: payloads.js shapes the events' payloads, guards.js checks peer data against the
// schemas, join-queue.js holds what is sent before join (`queueUntilJoined`).
import wasmInit from './wasm/core/daily_sync.js';
import { checkCallObject, checkCallback, checkSerializable, recipient, sessionInterval } from './checks.js';
import { classify, dailySyncError, isDailySyncError, jsonLength, notSerializable } from './errors.js';
import { GUARDS, Guards } from './guards.js';
import { Subscriptions, deliver, listen, listenGuarded, shapeOf, shapedListener } from './hub.js';
import { JoinQueue, readQueueOption } from './join-queue.js';
import { appMessage, appMessageListener, isObject, participantOf, roomStateOf, shapeParticipant } from './payloads.js';
import { disposedByUsing, initWith, internals, registry, requireInit } from './registry.js';
import { isThenable, readSchemas } from './schemas.js';
import { SessionDriver } from './session.js';

export { isDailySyncError };
export { MAX_QUEUED } from './join-queue.js';

/**
 * Loads this entry's wasm; call (and await) it once before using DailySync. With no argument it
 * fetches the wasm beside this module (in Node, reads it from disk); a second call loads nothing.
 */
export default function init(input) {
  return initWith(wasmInit, input, new URL('./wasm/core/daily_sync_bg.wasm', import.meta.url));
}

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
  /** `options.schemas` and what they decided. */
  #guards;
  /** How many ask for each room state as it comes (`#followRoom`), and what stops that. */
  #roomFollowers = 0;
  #unfollowRoom = null;
  /** Sends and session-data writes made before join (`queueUntilJoined`), or null without it. */
  #queue;

  /** `new DailySync(call, options)`: `call` is a daily-js call object, or a local one. */
  constructor(call, options) {
    requireInit(wasmInit, "daily-sync is not initialized: import init from 'daily-sync' and await init() before new DailySync()");
    checkCallObject(call);
    const interval = sessionInterval(options);
    const guards = new Guards(readSchemas(options));
    const schemas = guards.schemas;
    this.#guards = guards;
    this.#queue = readQueueOption(options) ? new JoinQueue() : null;
    const session = new SessionDriver(call, interval);
    this.#call = call;
    this.#session = session;
    try {
      // The room's state is read from the call object when needed (session.js, `refresh`); it is
      // also taken from each state event while something must see every one as it comes.
      if (schemas?.sessionData) this.#own.push(this.#followRoom());
      this.#own.push(
        listenGuarded(call, 'joined-meeting', () => {
          session.onJoined();
          this.#queue?.sendAll();
        }),
        listenGuarded(call, 'left-meeting', () => {
          session.onLeft();
          this.#queue?.drop('the call left');
        }),
      );
      // Peer data is checked (and failures reported) as it arrives, whoever listens.
      if (schemas?.appMessage) {
        this.#own.push(
          listenGuarded(call, 'app-message', (e) => {
            const m = appMessage(e);
            if (m !== undefined) guards.check('appMessage', e, m.data, m.fromId);
          }),
        );
      }
      if (schemas?.userData) {
        for (const event of ['participant-joined', 'participant-updated']) {
          this.#own.push(
            listenGuarded(call, event, (e) => {
              const p = participantOf(e);
              if (p !== undefined && p.userData !== undefined) guards.check('userData', e, p.userData, p.sessionId);
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
      schemas,
      invalid: guards.invalid,
    });
    // With daily-sync/channels loaded, every DailySync answers requests (unsupported-method for a
    // method it has no handler for), whether or not it registers one.
    registry.rpc?.(this);
  }

  #live() {
    if (this.#disposed) throw dailySyncError('disposed', 'this DailySync was disposed: create a new one for the call');
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
        if (!this.#guards.applies(guard)) {
          offs.push(listen(this.#call, event, shape === appMessage ? appMessageListener(sink) : shapedListener(event, shape, sink)));
          continue;
        }
        offs.push(
          listenGuarded(this.#call, event, (payload) => {
            const item = shapeOf(shape, payload);
            if (item === undefined) return;
            const guarded = this.#guards.guarded(guard, payload, item);
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

  /** Whether a send now must wait for the join (`queueUntilJoined`). */
  #held() {
    return this.#queue !== null && !this.#session.joined();
  }

  // --- the API ---

  /** Sends an ephemeral message to `'*'` (everyone else), one session id, or a list of them. */
  sendAppMessage(data, to) {
    this.#live();
    checkSerializable(data, 'the message');
    const recipients = recipient(to);
    if (this.#held()) {
      this.#queue.message(data, () => this.#send(data, recipients));
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
          shaped.userData = this.#guards.userData(shaped.userData);
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
    if (this.#held()) {
      this.#queue.sessionData(data, merge ? () => session.merge(data) : () => session.set(data));
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
    return this.#guards.view(this.#session.view());
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
          this.#guards.check('sessionData', e, state.data, undefined);
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
        GUARDS.sessionState,
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
    const list = this.#guards.invalid;
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
    this.#queue?.drop('the DailySync was disposed');
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

// `using sync = new DailySync(call)` disposes at the end of the block.
disposedByUsing(DailySync);
