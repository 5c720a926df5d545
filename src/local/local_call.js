// The JS face of a local room participant: daily-js's call-object methods, EventEmitter and
// payload objects over the Rust room (LocalRoomBridge). Errors are daily-js's, word for word.
// An app written for daily-js runs on it unchanged: every DailyCall member daily-react calls is
// here, the media ones answering as a call with no camera or microphone.

// daily-js's limits, checked against conformance/constants.json by tests/page/conformance.test.mjs
// (this file is a wasm-bindgen snippet: it can import nothing of npm/).
export const SESSION_LIMIT = 102400;
export const USER_DATA_LIMIT = 4096;

function isPlainObject(value) {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** A track of a participant with no devices, as daily-js describes one. */
const trackOff = () => ({ subscribed: true, state: 'off', off: { byUser: true } });

/**
 * Turns the room's participant (its fields, joined_at in ms) into daily-js's whole
 * `DailyParticipant` shape: every track off by the user, every permission given, no recording.
 */
function participant(p) {
  if (!p) return p;
  if (typeof p.joined_at === 'number') p.joined_at = new Date(p.joined_at);
  p.tracks = { audio: trackOff(), video: trackOff(), screenAudio: trackOff(), screenVideo: trackOff() };
  p.audio = p.video = p.screen = p.record = false;
  p.permissions = { hasPresence: true, canSend: true, canReceive: { base: true }, canAdmin: p.owner === true };
  p.will_eject_at = new Date(0);
  p.networkThreshold = 'good';
  p.networkQualityState = 'good';
  p.cam_info = {};
  p.screen_info = {};
  return p;
}

/** The room a Daily room URL names: its last path segment (https://x.daily.co/qa is "qa"). */
function roomOfUrl(url) {
  try {
    return new URL(url).pathname.split('/').filter(Boolean).pop();
  } catch {
    return undefined;
  }
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
  // `url` is the dev server's socket (ws://, wss://) or, as daily-js takes it, a room URL whose
  // last path segment names the room.
  let url = typed(options, 'options.', 'url', 'string');
  if (url !== undefined && !/^(wss?|https?):\/\/./i.test(url)) {
    throw invalid('options.url must be a Daily room URL (https://…) or the dev server\'s socket (ws://…)');
  }
  if (url !== undefined && /^https?:/i.test(url)) url = undefined;
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
  #listeners = new Map();
  on(name, listener) {
    checkListener(listener);
    if (!this.#listeners.has(name)) this.#listeners.set(name, []);
    this.#listeners.get(name).push(listener);
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
    const list = this.#listeners.get(name);
    if (list) {
      const at = list.indexOf(listener);
      if (at >= 0) list.splice(at, 1);
      if (list.length === 0) this.#listeners.delete(name);
    }
    return this;
  }
  emit(name, payload) {
    const list = this.#listeners.get(name);
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
    return this.#listeners.get(name)?.length ?? 0;
  }
}

/**
 * The DailyCall members that concern media, devices, Prebuilt's UI or Daily's services, as a call
 * with no camera, no microphone and no recording answers them (daily-js's shapes), so that
 * daily-react and apps written for daily-js run on the local room: each answer, then the names of
 * the members that give it.
 */
const NO_MEDIA = [
  [() => false, 'localAudio localVideo isLocalAudioLevelObserverRunning isRemoteParticipantsAudioLevelObserverRunning'],
  [() => true, 'subscribeToTracksAutomatically'],
  [() => null, 'getSendSettings'],
  [() => undefined, 'stopLocalAudioLevelObserver stopRemoteParticipantsAudioLevelObserver startScreenShare stopScreenShare startRecording updateRecording stopRecording startLiveStreaming updateLiveStreaming stopLiveStreaming startTranscription stopTranscription'],
  [() => ({}), 'waitingParticipants'],
  [function () { return this; }, 'setLocalAudio setLocalVideo updateParticipant'],
  // The ones that answer with a promise.
  [{ camera: {}, mic: {}, speaker: {} }, 'startCamera getInputDevices setInputDevicesAsync setOutputDeviceAsync'],
  [{ devices: [] }, 'enumerateDevices'],
  [{ inputSettings: {} }, 'updateInputSettings'],
  [{ topology: 'none' }, 'getNetworkTopology'],
  [{ networkState: 'good', networkStateReasons: [], stats: {}, threshold: 'good', quality: 100 }, 'getNetworkStats'],
  [{ cpuLoadState: 'low', cpuLoadStateReason: 'none', stats: {} }, 'getCpuLoadStats'],
  [{ access: { level: 'full' } }, 'preAuth'],
  [undefined, 'startLocalAudioLevelObserver startRemoteParticipantsAudioLevelObserver'],
  [{}, 'getInputSettings getReceiveSettings updateReceiveSettings updateSendSettings updateWaitingParticipant updateWaitingParticipants startDialIn startDialOut stopDialOut sendDTMF sipRefer sipCallTransfer'],
];

export class LocalCallObject extends EventEmitter {
  #options;
  #bridge = null;
  #connect;
  #loading = null;
  #destroyed = false;
  #joining = null;
  #leaving = null;
  /** userData set before the wasm loaded: [JSON text], applied once it has. */
  #userData = null;
  /** The last `meetingSessionState()` and the JSON text it was made from. */
  #sessionState = null;
  #sessionText = '';
  /** Events held for a task after `joined-meeting`. */
  #deferred = null;
  /** The room joined last. */
  #room = null;

  /**
   * `bridge`: the room's Rust half, or a function that loads this entry's wasm and makes it (the
   * JS factory's case: the call object exists at once, its wasm loads by `load()` or `join()`,
   * as daily-js loads its call machine).
   */
  constructor(bridge, options) {
    super();
    this.#options = options !== null && typeof options === 'object' ? options : {};
    this.#connect = typeof bridge === 'function' ? bridge : null;
    this.callClientId = `local-${Math.random().toString(36).slice(2)}`;
    const { userName, dailyConfig } = this.#options;
    this.properties = { userName, dailyConfig };
    if (!this.#connect) this.#attach(bridge);
  }

  #attach(bridge) {
    this.#bridge = bridge;
    bridge.setEmitter((name, text) => this.#dispatch(name, text));
    if (this.#userData) bridge.setUserData(this.#userData[0]);
  }

  #dispatch(name, text) {
    // Events right after `joined-meeting` (the participants already there, the room's state, app
    // messages peers sent while this one was joining) wait for a task, so that code after
    // `await call.join()` can subscribe first, as with daily-js, whose events never arrive in the
    // same tick as the join.
    if (this.#deferred) {
      this.#deferred.push([name, text]);
      return;
    }
    const payload = JSON.parse(text);
    if (payload.participant) participant(payload.participant);
    if (payload.participants) Object.values(payload.participants).forEach(participant);
    if (name === 'joined-meeting') {
      this.#deferred = [];
      setTimeout(() => {
        const deferred = this.#deferred;
        this.#deferred = null;
        for (const [later, laterText] of deferred) this.#dispatch(later, laterText);
      });
      if (this.#joining) {
        this.#joining.resolve(payload.participants);
        this.#joining = null;
      }
    }
    if (name === 'left-meeting' && this.#leaving) {
      this.#leaving.resolve();
      this.#leaving = null;
    }
    this.emit(name, payload);
  }

  // --- the call ---
  /** Loads the room's wasm (daily-js's `load()` loads its call machine); `join()` calls it. */
  load() {
    if (this.#destroyed) return Promise.reject(new Error('Use after destroy'));
    if (!this.#loading) {
      if (this.#bridge) {
        this.#loading = Promise.resolve();
      } else {
        this.emit('loading', { action: 'loading' });
        this.#loading = Promise.resolve()
          .then(this.#connect)
          .then((bridge) => {
            this.#attach(bridge);
            this.emit('loaded', { action: 'loaded' });
          })
          .catch((error) => {
            this.#loading = null;
            this.emit('load-attempt-failed', { action: 'load-attempt-failed', errorMsg: String(error?.message ?? error) });
            throw error;
          });
      }
    }
    return this.#loading;
  }
  join(options) {
    if (options === null || typeof options !== 'object') options = {};
    if (this.#destroyed) return Promise.reject(new Error('Use after destroy'));
    if (this.#joining) return this.#joining.promise;
    if (this.meetingState() === 'joined-meeting') {
      console.warn('already joined meeting, call leave() before joining again');
      return Promise.resolve(undefined);
    }
    let userData;
    try {
      userData = userDataText(options.userData ?? this.#options.userData);
    } catch (error) {
      return Promise.reject(error);
    }
    const pending = {};
    pending.promise = new Promise((resolve, reject) => Object.assign(pending, { resolve, reject }));
    this.#joining = pending;
    const userName = options.userName ?? this.#options.userName;
    // The room: the `room` option, else the one the room URL names, as Daily's URLs do.
    const room = this.#options.room ?? roomOfUrl(options.url) ?? roomOfUrl(this.#options.url) ?? 'local';
    const start = () => {
      if (this.#destroyed) throw new Error('Use after destroy');
      this.#bridge.join(typeof userName === 'string' ? userName : undefined, userData, room);
      this.#room = room;
      this.emit('joining-meeting', { action: 'joining-meeting' });
    };
    const failed = (error) => {
      this.#joining = null;
      pending.reject(error);
    };
    // Loaded: joining at once, as daily-js does with its call machine loaded.
    if (this.#bridge) {
      try {
        start();
      } catch (error) {
        failed(error);
      }
    } else {
      this.load().then(start).catch(failed);
    }
    return pending.promise;
  }
  leave() {
    const state = this.meetingState();
    if (state !== 'joined-meeting' && state !== 'joining-meeting') return Promise.resolve();
    const pending = {};
    pending.promise = new Promise((resolve) => (pending.resolve = resolve));
    this.#leaving = pending;
    this.#bridge.leave();
    return pending.promise;
  }
  async destroy() {
    await this.leave();
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.emit('call-instance-destroyed', { action: 'call-instance-destroyed' });
  }
  isDestroyed() {
    return this.#destroyed;
  }
  meetingState() {
    return this.#bridge ? this.#bridge.meetingState() : 'new';
  }
  participants() {
    if (!this.#bridge) return {};
    const all = JSON.parse(this.#bridge.participantsJson());
    Object.values(all).forEach(participant);
    return all;
  }
  participantCounts() {
    return { present: Object.keys(this.participants()).length, hidden: 0 };
  }
  /** The meeting session's summary: a local room's session is named after the room. */
  meetingSessionSummary() {
    return this.meetingState() === 'joined-meeting' ? { id: this.#room } : {};
  }
  /** The room's info once joined (daily-js's `DailyRoomInfo`; a local room has no settings). */
  async room() {
    if (this.meetingState() !== 'joined-meeting') return null;
    return { id: this.#room, name: this.#room, config: {}, domainConfig: {}, tokenConfig: {} };
  }
  meetingSessionState() {
    if (this.meetingState() !== 'joined-meeting') throw new Error('meetingSessionState only supported after join.');
    // As daily-js, the same object until the state changes: a reader can tell a new state by it.
    const text = this.#bridge.sessionStateJson();
    if (this.#sessionState === null || text !== this.#sessionText) {
      this.#sessionState = { data: JSON.parse(text), topology: 'none' };
      this.#sessionText = text;
    }
    return this.#sessionState;
  }

  // --- the three ways to move app data ---
  sendAppMessage(data, to = '*') {
    if (this.meetingState() !== 'joined-meeting') throw new Error('sendAppMessage() only supported after join.');
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Cannot read properties of undefined (reading 'length')");
    this.#bridge.sendAppMessage(text, to);
    return this;
  }
  async setUserData(data) {
    const text = userDataText(data);
    if (this.#bridge) this.#bridge.setUserData(text);
    else this.#userData = [text];
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
    this.#bridge.setSessionEntries(entries, mergeStrategy === 'shallow-merge');
  }
}

for (const [answer, names] of NO_MEDIA) {
  for (const name of names.split(' ')) {
    // A promise of a fresh copy of the answer, or the answer itself where it is a function.
    LocalCallObject.prototype[name] =
      typeof answer === 'function' ? answer : () => Promise.resolve(answer && structuredClone(answer));
  }
}
