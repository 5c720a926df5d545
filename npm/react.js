// The `daily-sync/react` entry: a provider that makes one DailySync for a call object, and hooks on
// it, built on useSyncExternalStore with snapshots that stay the same object until something
// changed (so nothing re-renders for nothing). Plain JS: no JSX, no build step. React 18 or 19.
import {
  createContext,
  createElement,
  useContext,
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { DailySync } from './index.js';
import { listenGuarded } from './hub.js';
import { internals } from './registry.js';

const Context = createContext(null);

/**
 * Makes one DailySync for `call` (created in an effect, so StrictMode's second mount makes the
 * only one that lives), disposes it on unmount, and renders `children` once it exists. `options`
 * are read when the DailySync is made.
 */
export function DailySyncProvider({ call, options, children }) {
  const [sync, setSync] = useState(null);
  const latestOptions = useLatest(options);
  useEffect(() => {
    const made = new DailySync(call, latestOptions.current);
    setSync(made);
    return () => {
      made.dispose();
      setSync((current) => (current === made ? null : current));
    };
  }, [call, latestOptions]);
  return sync === null ? null : createElement(Context.Provider, { value: sync }, children);
}

/** The DailySync of the nearest DailySyncProvider. */
export function useDailySync() {
  const sync = useContext(Context);
  if (sync === null) throw new Error('daily-sync: useDailySync() and its hooks need a <DailySyncProvider> above them');
  return sync;
}

/** `fn`, always the latest one, for a subscription made once. */
function useLatest(fn) {
  const ref = useRef(fn);
  useLayoutEffect(() => {
    ref.current = fn;
  });
  return ref;
}

/** Calls the latest `fn` with each app message; subscribes once per DailySync. */
export function useAppMessage(fn) {
  const sync = useDailySync();
  const latest = useLatest(fn);
  useEffect(() => sync.onAppMessage((message) => latest.current(message)), [sync, latest]);
}

/**
 * A store over one DailySync: `read()` makes the snapshot, `same(a, b)` says when a new one equals
 * the last (the last is kept, so the object does not change), and `subscribe` re-reads on `events`
 * of the call object (through the one listener per event DailySync already has).
 */
function store(sync, events, read, same, concerns) {
  const { call } = internals.get(sync);
  let snapshot;
  let fresh = false;
  const listeners = new Set();
  const changed = () => {
    fresh = false;
    for (const notify of [...listeners]) notify();
  };
  let offs = [];
  return {
    changed,
    subscribe(notify) {
      listeners.add(notify);
      const on = concerns ? (e) => concerns(e) && changed() : changed;
      if (listeners.size === 1) offs = events.map((event) => listenGuarded(call, event, on));
      return () => {
        listeners.delete(notify);
        if (listeners.size === 0) for (const off of offs.splice(0)) off();
      };
    },
    get() {
      // Cached only while subscribed: unsubscribed, nothing tells it of changes.
      if ((!fresh || listeners.size === 0) && !sync.disposed) {
        const next = read();
        if (snapshot === undefined || !same(snapshot, next)) snapshot = next;
        fresh = true;
      }
      return snapshot;
    },
  };
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/** One store of each kind per DailySync, shared by every hook on it. */
const stores = new WeakMap();
function storeOf(sync, kind, make) {
  let kinds = stores.get(sync);
  if (kinds === undefined) stores.set(sync, (kinds = {}));
  return (kinds[kind] ??= make());
}

const PARTICIPANT_EVENTS = ['joined-meeting', 'left-meeting', 'participant-joined', 'participant-updated', 'participant-left'];

/** Everyone in the call; re-renders on joins, updates and leaves that change what it shows. */
export function useParticipants() {
  const sync = useDailySync();
  const participants = useMemo(
    () => storeOf(sync, 'participants', () => store(sync, PARTICIPANT_EVENTS, () => sync.participants(), sameJson)),
    [sync],
  );
  return useSyncExternalStore(participants.subscribe, participants.get, participants.get);
}

/**
 * The participant `sessionId` (undefined while not in the call); re-renders only when an event
 * concerns it, so a call of N people costs each component O(1) per event, not O(N).
 */
export function useParticipant(sessionId) {
  const sync = useDailySync();
  const participant = useMemo(() => {
    const concerns = (e) => e?.participant?.session_id === sessionId || !e?.participant;
    const read = () => sync.participants().find((p) => p.sessionId === sessionId);
    return store(sync, PARTICIPANT_EVENTS, read, sameJson, concerns);
  }, [sync, sessionId]);
  return useSyncExternalStore(participant.subscribe, participant.get, participant.get);
}

/**
 * `[others, set]` of the presence `name` (needs `daily-sync/channels` loaded): the others' values
 * (a Map of session id to `{ value, updatedAt }`, a new one on each change) and the setter.
 */
export function usePresence(name, options) {
  const sync = useDailySync();
  const presence = useMemo(() => sync.presence(name, options), [sync, name]); // eslint-disable-line
  const others = useMemo(() => {
    let snapshot = presence.get();
    return {
      subscribe: (notify) =>
        presence.onChange(() => {
          snapshot = presence.get();
          notify();
        }),
      get: () => snapshot,
    };
  }, [presence]);
  return [useSyncExternalStore(others.subscribe, others.get, others.get), useMemo(() => (value) => presence.set(value), [presence])];
}

const SESSION_EVENTS = ['joined-meeting', 'left-meeting', 'meeting-session-state-updated'];

/**
 * `[data, { set, merge, flush }]`: the local view of the session data (pending changes included),
 * and the writes, which re-render every component using this hook at once.
 */
export function useSessionData() {
  const sync = useDailySync();
  const session = useMemo(
    () => storeOf(sync, 'session', () => store(sync, SESSION_EVENTS, () => sync.sessionData(), sameJson)),
    [sync],
  );
  const data = useSyncExternalStore(session.subscribe, session.get, session.get);
  const actions = useMemo(
    () => ({
      set(state) {
        sync.setSessionData(state);
        session.changed();
      },
      merge(patch) {
        sync.mergeSessionData(patch);
        session.changed();
      },
      flush() {
        sync.flushSessionData();
      },
    }),
    [sync, session],
  );
  return [data, actions];
}

/**
 * `[data, apply]` of ordered room state (needs `daily-sync/ordered` loaded): the session data (as
 * useSessionData gives it: re-rendering when it changes), and `apply(ops)`, which sends a batch
 * through the participant that orders and resolves once it is applied.
 */
export function useOrdered() {
  const sync = useDailySync();
  const ordered = useMemo(() => sync.ordered(), [sync]);
  const [data] = useSessionData();
  return [data, useMemo(() => (ops) => ordered.apply(ops), [ordered])];
}

/** The channel `name` (needs `daily-sync/channels` loaded); calls the latest `fn` with each message. */
export function useChannel(name, fn, options) {
  const sync = useDailySync();
  const channel = useMemo(() => sync.channel(name, options), [sync, name]); // eslint-disable-line
  const latest = useLatest(fn);
  useEffect(() => channel.onMessage((message) => latest.current?.(message)), [channel, latest]);
  return channel;
}

/**
 * Makes the latest `fn` answer requests for `method` (needs `daily-sync/channels` loaded):
 * registered once per DailySync and method, unregistered on unmount.
 */
export function useRpcHandler(method, fn) {
  const sync = useDailySync();
  const latest = useLatest(fn);
  useEffect(() => sync.handle(method, (payload, context) => latest.current(payload, context)), [sync, method, latest]);
}
