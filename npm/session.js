// Room-wide state for the default entry: the throttle (Rust, SessionCore) driven with real time.
// A timer for the trailing edge, setMeetingSessionData for sends, and the room's state from
// `meeting-session-state-updated` (fed by DailySync's one listener). Keys and values are interned
// here, values by their JSON text, so the throttle compares and measures numbers only.
//
// Pending changes are sent when the window ends, on flush, and on dispose while joined. Once the
// call has left nothing can be sent: what is pending then is dropped with a console warning.
import { SessionCore } from './wasm/core/daily_sync.js';
import { checkPlainObject } from './checks.js';
import { classify, dailySyncError, notSerializable, tooLarge } from './errors.js';

const LIMIT = 102400;
/** In id arrays, the value id of "no value" (a deletion). */
const NONE = 0xffffffff;

/** Strings (keys, or values' JSON texts) and their ids; ids the throttle no longer holds are forgotten. */
class Interner {
  constructor() {
    this.ids = new Map(); // text -> id
    this.items = new Map(); // id -> [text, payload]
    this.next = 0;
  }

  /** The id of `text`, made on first sight; `payload` is kept with it (a value's JS value). */
  id(text, payload) {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.next;
      this.next = this.next === NONE - 1 ? 0 : this.next + 1;
      this.ids.set(text, id);
      this.items.set(id, [text, payload]);
    }
    return id;
  }

  get(id) {
    return this.items.get(id);
  }

  /** Forgets every id not in `held`. */
  keep(held) {
    for (const [id, [text]] of this.items) {
      if (!held.has(id)) {
        this.items.delete(id);
        this.ids.delete(text);
      }
    }
  }
}

export class SessionDriver {
  constructor(call, intervalMs) {
    this.call = call;
    this.core = new SessionCore(intervalMs);
    this.keys = new Interner();
    this.values = new Interner();
    /** The JSON text of each object value this DailySync wrote, so its echo is not measured again. */
    this.written = new WeakMap();
    /** How many ids were held at the last sweep: the next one comes when twice as many exist. */
    this.held = 0;
    this.timer = null;
    this.timerAt = -1;
  }

  joined() {
    try {
      return this.call.meetingState() === 'joined-meeting';
    } catch {
      return false;
    }
  }

  /**
   * `[key id, key length, value id, value size]` for each own entry of `data` (a plain object).
   * `written`: the app's own write, whose object values are remembered with their JSON text; a
   * room state (not written) reuses that text for the same objects (the echo of a write in one
   * page) and measures the others.
   */
  quads(data, deletions, written) {
    const entries = Object.entries(data);
    const ids = [];
    for (const [key, value] of entries) {
      const object = value !== null && typeof value === 'object';
      let json = !written && object ? this.written.get(value) : undefined;
      if (json === undefined && value !== undefined) {
        json = JSON.stringify(value);
        if (written && object && json !== undefined) this.written.set(value, json);
      }
      if (json === undefined && !deletions) continue; // JSON leaves it out
      // A key's payload is its JSON length, measured once.
      const keyId = this.keys.id(key);
      const interned = this.keys.get(keyId);
      interned[1] ??= JSON.stringify(key).length;
      ids.push(keyId, interned[1]);
      if (json === undefined) ids.push(NONE, 0);
      else ids.push(this.values.id(json, value), json.length);
    }
    return ids;
  }

  /** The quads of what an app hands `setSessionData` / `mergeSessionData`, checked. */
  incoming(data, deletions) {
    checkPlainObject(data);
    let ids;
    try {
      ids = this.quads(data, deletions, true);
    } catch (error) {
      throw notSerializable(error instanceof Error ? error.message : 'JSON.stringify failed');
    }
    // As daily-js refuses it (and the throttle would otherwise hold it): after the value checks.
    if (!this.joined()) {
      throw dailySyncError('not-joined', 'not joined: setMeetingSessionData only supported after join.');
    }
    return ids;
  }

  set(data) {
    this.taken(this.core.set(this.incoming(data, false)));
  }

  merge(patch) {
    this.taken(this.core.merge(this.incoming(patch, true)));
  }

  taken(refused) {
    if (refused !== 0) throw tooLarge(refused, LIMIT);
    this.pump();
    this.sweep();
  }

  /** Takes in the room's state; pending local changes stay on top of it. A peer's garbage is ignored. */
  remote(data) {
    let ids;
    try {
      ids = this.quads(data, false, false);
    } catch {
      return;
    }
    this.core.remote(ids, Date.now());
    this.sweep();
  }

  /** The call joined: the room's state is read at once. */
  onJoined() {
    try {
      const state = this.call.meetingSessionState();
      if (state !== null && typeof state === 'object' && state.data !== null && typeof state.data === 'object') {
        this.remote(state.data);
      }
    } catch {
      // Not readable yet: the next state event brings it.
    }
  }

  /** The call left: what is pending can never be sent. */
  onLeft() {
    this.stopTimer();
    this.discard();
  }

  discard() {
    if (this.core.discardPending()) {
      console.warn('daily-sync: the call left before pending session data could be sent; it was dropped');
    }
  }

  /** The local view: the room's state with pending local changes applied. */
  view() {
    const ids = this.core.view();
    const pairs = [];
    for (let i = 0; i < ids.length; i += 2) {
      pairs.push([this.keys.get(ids[i])[0], this.values.get(ids[i + 1])[1]]);
    }
    // fromEntries defines own properties, so a key named "__proto__" stays a key.
    return Object.fromEntries(pairs);
  }

  /** Sends what is pending now, whatever the window. */
  flush() {
    const update = this.core.flush(Date.now());
    if (update !== undefined) this.send(update);
  }

  /** Sends what the window allows now, and sets the timer for the trailing edge. */
  pump() {
    const now = Date.now();
    const update = this.core.poll(now);
    if (update !== undefined) {
      try {
        this.send(update);
      } catch (error) {
        console.warn(`daily-sync: a session-data update could not be sent: ${error.message}`);
      }
    }
    const at = this.core.nextDeadline();
    if (at < 0) return this.stopTimer();
    if (this.timer !== null && this.timerAt === at) return;
    this.stopTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - now));
  }

  fire() {
    this.timer = null;
    if (this.joined()) this.pump();
    else this.discard();
  }

  stopTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Hands `[strategy, key id, value id, ...]` to setMeetingSessionData. */
  send(update) {
    const pairs = [];
    for (let i = 1; i < update.length; i += 2) {
      const value = update[i + 1] === NONE ? undefined : this.values.get(update[i + 1])[1];
      pairs.push([this.keys.get(update[i])[0], value]);
    }
    try {
      this.call.setMeetingSessionData(Object.fromEntries(pairs), update[0] === 1 ? 'shallow-merge' : 'replace');
    } catch (error) {
      throw classify(error);
    }
  }

  /** Forgets interned keys and values the throttle no longer holds, once they have doubled. */
  sweep() {
    const count = this.keys.items.size + this.values.items.size;
    if (count <= 2 * this.held + 64) return;
    const ids = this.core.held();
    const keys = new Set();
    const values = new Set();
    for (let i = 0; i < ids.length; i += 2) {
      keys.add(ids[i]);
      values.add(ids[i + 1]);
    }
    this.keys.keep(keys);
    this.values.keep(values);
    this.held = this.keys.items.size + this.values.items.size;
  }

  /** Stops following the room: pending changes are flushed first (errors are the caller's). */
  close() {
    try {
      if (this.joined()) this.flush();
    } finally {
      this.stopTimer();
      this.core.free();
    }
  }
}
