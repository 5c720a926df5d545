// The JS face of a local room participant: daily-js's call-object methods, EventEmitter and
// payload objects over the Rust room (LocalRoomBridge). Errors are daily-js's, word for word.

const SESSION_LIMIT = 102400;
const USER_DATA_LIMIT = 4096;

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Turns the room's participant (joined_at in ms) into daily-js's shape (joined_at a Date). */
function participant(p) {
  if (p && typeof p.joined_at === 'number') p.joined_at = new Date(p.joined_at);
  return p;
}

/**
 * daily-js's check of userData: a JSON round trip (a value with no JSON form, such as a function,
 * is refused) and at most 4096 characters (a string's own length). Returns the JSON text, or
 * undefined for undefined.
 */
function userDataText(data) {
  if (data === undefined) return undefined;
  let text;
  try {
    text = JSON.stringify(data);
    JSON.parse(text);
  } catch (error) {
    throw Error(`userData must be serializable to JSON: ${error}`);
  }
  const size = typeof data === 'string' ? data.length : text.length;
  if (size > USER_DATA_LIMIT) {
    throw Error(`userData is too large (${size} characters). Maximum size suppported is ${USER_DATA_LIMIT}.`);
  }
  return text;
}

/** The library's error for an option that is not what createLocalCallObject takes. */
function invalid(what) {
  return Object.assign(new Error(`invalid argument: ${what}`), { kind: 'invalid-argument' });
}

/** The longest delay a JS timer can wait (2^31 - 1 ms, about 24.8 days). */
const MAX_MS = 2147483647;

/**
 * createLocalCallObject's options, each checked whichever transport is chosen (a wrong one throws
 * an invalid-argument error), as the room takes them: `[room, userName, userId, owner, transport,
 * url, sessionDataSyncMs, userDataDelayMs, heartbeatMs, peerTimeoutMs, appMessageLimit, latencyMs,
 * jitterMs, dropRate, seed, joinWindowMs]`, undefined where not given.
 */
export function localSettings(options) {
  if (options !== undefined && options !== null && typeof options !== 'object') throw invalid('options must be an object');
  const read = (object, path, key) => {
    if (typeof object !== 'object' || object === null) return undefined;
    try {
      return object[key];
    } catch {
      throw invalid(`${path}${key} cannot be read`);
    }
  };
  const typed = (object, path, key, type) => {
    const value = read(object, path, key);
    if (value !== undefined && typeof value !== type) throw invalid(`${path}${key} must be a ${type}`);
    return value;
  };
  const ms = (object, path, key) => {
    const value = read(object, path, key);
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= MAX_MS)) {
      throw invalid(`${path}${key} must be a number of milliseconds, 0 to ${MAX_MS}`);
    }
    return value;
  };
  const room = typed(options, 'options.', 'room', 'string') ?? 'local';
  if (room === '') throw invalid('options.room must not be empty');
  const times = ['sessionDataSyncMs', 'userDataDelayMs', 'heartbeatMs', 'peerTimeoutMs', 'appMessageLimit'].map((key) =>
    ms(options, 'options.', key),
  );
  const network = read(options, 'options.', 'network');
  if (network !== undefined && (typeof network !== 'object' || network === null)) throw invalid('options.network must be an object');
  const latency = ms(network, 'options.network.', 'latencyMs');
  const jitter = ms(network, 'options.network.', 'jitterMs');
  const dropRate = read(network, 'options.network.', 'dropRate');
  if (dropRate !== undefined && !(typeof dropRate === 'number' && dropRate >= 0 && dropRate <= 1)) {
    throw invalid('options.network.dropRate must be a number from 0 to 1');
  }
  const seed = ms(network, 'options.network.', 'seed');
  const url = typed(options, 'options.', 'url', 'string');
  if (url !== undefined && !/^wss?:\/\/./i.test(url)) throw invalid('options.url must be a ws:// or wss:// URL');
  let transport = typed(options, 'options.', 'transport', 'string');
  if (transport === 'websocket' && url === undefined) throw invalid('the websocket transport needs options.url');
  if (transport !== undefined && !['memory', 'broadcast', 'websocket'].includes(transport)) {
    throw invalid(`options.transport must be 'memory', 'broadcast' or 'websocket', not '${transport}'`);
  }
  // Without a transport named: tabs of this browser where there is a BroadcastChannel, else this page.
  const instant = transport === undefined && typeof BroadcastChannel === 'undefined';
  transport ??= instant ? 'memory' : 'broadcast';
  const joinWindow = ms(options, 'options.', 'joinWindowMs');
  const userName = typed(options, 'options.', 'userName', 'string');
  const userId = typed(options, 'options.', 'userId', 'string');
  const owner = typed(options, 'options.', 'owner', 'boolean');
  const link = instant ? [0, 0, 0, 1] : [latency, jitter, dropRate, seed];
  return [room, userName, userId, owner, transport, url, ...times, ...link, joinWindow];
}

/** EventEmitter's own check, word for word. */
function checkListener(listener) {
  if (typeof listener !== 'function') {
    throw new TypeError(`The "listener" argument must be of type function. Received ${listener === null ? 'null' : typeof listener}`);
  }
}

/**
 * The EventEmitter of daily-js's call object (`on`, `once`, `off`, `emit`, `listenerCount`): one
 * listener that throws does not keep the others from an event. The benchmarks' stub call object
 * uses it too.
 */
export class EventEmitter {
  constructor() {
    this._listeners = new Map();
  }
  on(name, listener) {
    checkListener(listener);
    if (!this._listeners.has(name)) this._listeners.set(name, []);
    this._listeners.get(name).push(listener);
    return this;
  }
  once(name, listener) {
    const wrapped = (event) => {
      this.off(name, wrapped);
      listener(event);
    };
    return this.on(name, wrapped);
  }
  off(name, listener) {
    checkListener(listener);
    const list = this._listeners.get(name);
    if (list) {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this._listeners.delete(name);
    }
    return this;
  }
  emit(name, payload) {
    const list = this._listeners.get(name);
    if (!list) return false;
    for (const listener of [...list]) {
      try {
        listener(payload);
      } catch (error) {
        // One app listener that throws must not keep the others from the event.
        setTimeout(() => {
          throw error;
        });
      }
    }
    return true;
  }
  listenerCount(name) {
    return this._listeners.get(name)?.length ?? 0;
  }
}

export class LocalCallObject extends EventEmitter {
  constructor(bridge, options) {
    super();
    this._bridge = bridge;
    this._destroyed = false;
    this._joining = null;
    this._leaving = null;
    this._options = options ?? {};
    /** The last `meetingSessionState()` and the JSON text it was made from. */
    this._sessionState = null;
    this._sessionText = '';
    bridge.setEmitter((name, text) => this._dispatch(name, text));
  }

  _dispatch(name, text) {
    // Events right after `joined-meeting` (app messages peers sent while this one was joining)
    // wait for a task, so that code after `await call.join()` can subscribe first, as with
    // daily-js, whose events never arrive in the same tick as the join.
    if (this._deferred) {
      this._deferred.push([name, text]);
      return;
    }
    const payload = JSON.parse(text);
    if (payload.participant) participant(payload.participant);
    if (payload.participants) Object.values(payload.participants).forEach(participant);
    if (name === 'joined-meeting') {
      this._deferred = [];
      setTimeout(() => {
        const deferred = this._deferred;
        this._deferred = null;
        for (const [later, laterText] of deferred) this._dispatch(later, laterText);
      });
      if (this._joining) {
        this._joining.resolve(payload.participants);
        this._joining = null;
      }
    }
    if (name === 'left-meeting' && this._leaving) {
      this._leaving.resolve();
      this._leaving = null;
    }
    this.emit(name, payload);
  }

  // --- the call ---
  join(options) {
    if (options === null || typeof options !== 'object') options = {};
    if (this._destroyed) return Promise.reject(new Error('Use after destroy'));
    if (this._joining) return this._joining.promise;
    if (this.meetingState() === 'joined-meeting') {
      console.warn('already joined meeting, call leave() before joining again');
      return Promise.resolve(undefined);
    }
    let userData;
    try {
      userData = userDataText(options.userData);
    } catch (error) {
      return Promise.reject(error);
    }
    const pending = {};
    pending.promise = new Promise((resolve, reject) => Object.assign(pending, { resolve, reject }));
    this._joining = pending;
    try {
      const userName = options.userName ?? this._options.userName;
      this._bridge.join(typeof userName === 'string' ? userName : undefined, userData);
    } catch (error) {
      this._joining = null;
      return Promise.reject(error);
    }
    this.emit('joining-meeting', { action: 'joining-meeting' });
    return pending.promise;
  }
  leave() {
    const state = this._bridge.meetingState();
    if (state !== 'joined-meeting' && state !== 'joining-meeting') return Promise.resolve();
    const pending = {};
    pending.promise = new Promise((resolve) => (pending.resolve = resolve));
    this._leaving = pending;
    this._bridge.leave();
    return pending.promise;
  }
  async destroy() {
    await this.leave();
    this._destroyed = true;
  }
  isDestroyed() {
    return this._destroyed;
  }
  meetingState() {
    return this._bridge.meetingState();
  }
  participants() {
    const all = JSON.parse(this._bridge.participantsJson()).participants;
    Object.values(all).forEach(participant);
    return all;
  }
  meetingSessionState() {
    if (this.meetingState() !== 'joined-meeting') throw new Error('meetingSessionState only supported after join.');
    // As daily-js, the same object until the state changes: a reader can tell a new state by it.
    const text = this._bridge.sessionStateJson();
    if (this._sessionState === null || text !== this._sessionText) {
      this._sessionState = { data: JSON.parse(text), topology: 'none' };
      this._sessionText = text;
    }
    return this._sessionState;
  }

  // --- the three ways to move app data ---
  sendAppMessage(data, to = '*') {
    if (this.meetingState() !== 'joined-meeting') throw new Error('sendAppMessage() only supported after join.');
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Cannot read properties of undefined (reading 'length')");
    this._bridge.sendAppMessage(text, to);
    return this;
  }
  async setUserData(data) {
    this._bridge.setUserData(userDataText(data));
    return { userData: data };
  }
  setMeetingSessionData(data, mergeStrategy = 'replace') {
    if (this.meetingState() !== 'joined-meeting') throw new Error('setMeetingSessionData only supported after join.');
    if (mergeStrategy !== 'replace' && mergeStrategy !== 'shallow-merge') {
      throw Error('Unrecognized mergeStrategy provided. Options are: [replace,shallow-merge]');
    }
    if (!isPlainObject(data)) throw Error('Meeting session data must be a plain (map-like) object');
    let size;
    const entries = [];
    try {
      size = JSON.stringify(data).length;
      const merge = mergeStrategy === 'shallow-merge';
      for (const key of Object.keys(data)) {
        const value = data[key];
        const text = value === undefined ? undefined : JSON.stringify(value);
        // daily-js round-trips each value of a merge: one with no JSON form (a function, a
        // Symbol) is refused, where undefined deletes its key.
        if (merge && value !== undefined) JSON.parse(text);
        if (text !== undefined || merge) entries.push([key, text]);
      }
    } catch (error) {
      throw Error(`Meeting session data must be serializable to JSON: ${error}`);
    }
    if (size > SESSION_LIMIT) {
      throw Error(`Meeting session data is too large (${size} characters). Maximum size suppported is ${SESSION_LIMIT}.`);
    }
    this._bridge.setSessionEntries(entries, mergeStrategy === 'shallow-merge');
  }
}
