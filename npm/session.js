// Room-wide state for the default entry: the throttle (Rust, SessionCore) driven with real time.
// A timer for the trailing edge, setMeetingSessionData for sends, and the room's state read from
// the call object when it is needed (`refresh`), or taken from `meeting-session-state-updated`
// while DailySync follows each state as it comes (daily-js keeps the state it last received, so
// a DailySync that nobody reads does no work per state the room sends). Keys and values are
// interned here, values by their JSON text, so the throttle compares and measures numbers only. A
// write is one call into the throttle; a room state measures only the values that changed since
// the last.
// While the window is closed, merges wait here, squashed key by key, and reach the throttle as one
// patch before anything reads or sends its state: a merge then costs no call into wasm and no
// interning, and its size is checked against an upper bound of the state's (the throttle checks
// exactly when the bound is too high).
//
// Pending changes are sent when the window ends, on flush, and on dispose while joined. Once the
// call has left nothing can be sent: what is pending then is dropped with a console warning.
import { SessionCore } from './wasm/core/daily_sync.js';
import { checkPlainObject } from './checks.js';
import { SESSION_DATA_LIMIT as LIMIT } from './constants.js';
import { classify, notJoined, notSerializable, tooLarge } from './errors.js';

/** In id arrays, the value id of "no value" (a deletion). */
const NONE = 0xffffffff;

/**
 * Whether `a` and `b` have the same JSON text, for plain data (what a room state is made of): true
 * only when it is sure; anything else (a Date, a Map, a class instance) is measured instead.
 */
function sameJson(a, b) {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b) || Object.getPrototypeOf(a) !== Object.prototype || Object.getPrototypeOf(b) !== Object.prototype) {
    return false;
  }
  const keys = Object.keys(a);
  const others = Object.keys(b);
  if (keys.length !== others.length || 'toJSON' in a) return false;
  for (let i = 0; i < keys.length; i++) {
    if (keys[i] !== others[i] || !sameJson(a[keys[i]], b[keys[i]])) return false;
  }
  return true;
}

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
    this.interval = Math.floor(intervalMs);
    /** When the throttle last sent (the window is closed until `interval` after it). */
    this.sentAt = -Infinity;
    /** Merges made while the window is closed: key -> [JSON text (undefined: delete), value]. */
    this.waiting = new Map();
    /** An upper bound of the local view's JSON length with the waiting merges (null: ask the throttle). */
    this.bound = null;
    this.keys = new Interner();
    this.values = new Interner();
    /** The room's last state: key -> [value, quad], so a value that did not change is not measured again. */
    this.room = new Map();
    /** The `data` of the call object's `meetingSessionState()` when last read (see `refresh`). */
    this.polled = undefined;
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

  /** `[key id, key length]` of `key`, its JSON length measured once. */
  key(key) {
    const id = this.keys.id(key);
    const interned = this.keys.get(id);
    interned[1] ??= JSON.stringify(key).length;
    return [id, interned[1]];
  }

  /**
   * `[key, JSON text, value]` for each own entry of `data` (a plain object); `deletions`: a key
   * whose value has no JSON form is kept, as a deletion (text undefined), not left out.
   */
  entries(data, deletions) {
    const entries = [];
    for (const key of Object.keys(data)) {
      const value = data[key];
      const json = value === undefined ? undefined : JSON.stringify(value);
      if (json !== undefined || deletions) entries.push([key, json, value]);
    }
    return entries;
  }

  /** `[key id, key length, value id (NONE: delete), value size]` for each entry. */
  quads(entries) {
    const ids = [];
    for (const [key, json, value] of entries) {
      ids.push(...this.key(key));
      if (json === undefined) ids.push(NONE, 0);
      else ids.push(this.values.id(json, value), json.length);
    }
    return ids;
  }

  /**
   * The quads of a room state. A value with the same JSON as the room's last one for its key keeps
   * that quad unmeasured: an echo of this DailySync's own update changes a few keys of many.
   */
  roomQuads(data) {
    const room = new Map();
    const ids = [];
    for (const [key, value] of Object.entries(data)) {
      const last = this.room.get(key);
      let quad;
      if (last !== undefined && this.values.get(last[1][2]) !== undefined && sameJson(last[0], value)) {
        quad = last[1];
      } else {
        const json = value === undefined ? undefined : JSON.stringify(value);
        if (json === undefined) continue; // JSON leaves it out
        quad = [...this.key(key), this.values.id(json, value), json.length];
      }
      room.set(key, [value, quad]);
      ids.push(...quad);
    }
    this.room = room;
    return ids;
  }

  /** The entries of what an app hands `setSessionData` / `mergeSessionData`, checked. */
  incoming(data, deletions) {
    checkPlainObject(data);
    let entries;
    try {
      entries = this.entries(data, deletions);
    } catch (error) {
      throw notSerializable(error instanceof Error ? error.message : 'JSON.stringify failed');
    }
    // As daily-js refuses it (and the throttle would otherwise hold it): after the value checks.
    if (!this.joined()) {
      throw notJoined(deletions ? 'mergeSessionData()' : 'setSessionData()', this.call);
    }
    return entries;
  }

  set(data) {
    const entries = this.incoming(data, false);
    this.refresh(true);
    this.taken(this.core.set(this.quads(entries)));
  }

  merge(patch) {
    const entries = this.incoming(patch, true);
    const now = Date.now();
    const opens = this.sentAt + this.interval;
    if (now < opens && this.wait(entries)) {
      if (this.timer === null || this.timerAt > opens) this.arm(opens, now);
      return;
    }
    this.refresh(true);
    this.taken(this.core.merge(this.quads(entries)));
  }

  /**
   * Keeps a merge made while the window is closed, if the state surely stays within the limit:
   * each entry can add at most its key, its value, a colon and a comma.
   */
  wait(entries) {
    let growth = 0;
    for (const [key, json] of entries) {
      if (json !== undefined) growth += JSON.stringify(key).length + json.length + 2;
    }
    if (this.bound === null) {
      this.refresh(true); // only a merge waits, and it was checked joined
      this.bound = this.core.size();
    }
    if (this.bound + growth > LIMIT) return false;
    this.bound += growth;
    for (const [key, json, value] of entries) this.waiting.set(key, [json, value]);
    return true;
  }

  /** Hands the waiting merges to the throttle as one patch (within the bound, so never refused). */
  settle() {
    this.bound = null;
    if (this.waiting.size === 0) return;
    const entries = [];
    for (const [key, [json, value]] of this.waiting) entries.push([key, json, value]);
    this.waiting.clear();
    this.core.merge(this.quads(entries));
  }

  /** After a write: its refusal (minus the size), or when the throttle is due next. */
  taken(answer) {
    if (answer < -1) throw tooLarge(-answer, LIMIT);
    const now = Date.now();
    if (answer >= 0 && answer <= now) this.pump(now);
    else this.arm(answer, now);
    this.sweep();
  }

  /**
   * Takes in the room's state from the call object if it changed since it was last read, and hands
   * the waiting merges to the throttle. daily-js keeps the state it last received (the same object
   * until the next one), so reading it costs no copy: the room is followed as it is read, and a
   * DailySync that nobody reads does no work per state the room sends. `joined`: known already by
   * a write, which checked it.
   */
  refresh(joined = this.joined()) {
    let data;
    try {
      // daily-js logs an error for a read before join: the state as last known stands then.
      if (joined) data = this.call.meetingSessionState()?.data;
    } catch {
      data = undefined; // not readable: the state as last known stands
    }
    if (data !== this.polled && data !== null && typeof data === 'object') {
      this.polled = data;
      this.remote(data);
    } else {
      this.settle();
    }
  }

  /** Takes in the room's state; pending local changes stay on top of it. A peer's garbage is ignored. */
  remote(data) {
    this.settle();
    let ids;
    try {
      ids = this.roomQuads(data);
    } catch {
      return;
    }
    this.core.remote(ids, Date.now());
    this.sweep();
  }

  /** The call joined: the room's state is read at once. */
  onJoined() {
    this.refresh();
  }

  /** The call left: what is pending can never be sent. */
  onLeft() {
    this.stopTimer();
    this.discard();
  }

  discard() {
    const waited = this.waiting.size > 0;
    this.waiting.clear();
    this.bound = null;
    if (this.core.discardPending() || waited) {
      console.warn('daily-sync: the call left before pending session data could be sent; it was dropped');
    }
  }

  /** The local view: the room's state with pending local changes applied. */
  view() {
    this.refresh();
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
    this.refresh();
    const now = Date.now();
    const update = this.core.flush(now);
    if (update !== undefined) {
      this.sentAt = now;
      this.send(update);
    }
  }

  /** Sends what the window allows now, and sets the timer for the trailing edge. */
  pump(now = Date.now()) {
    this.refresh();
    const update = this.core.poll(now);
    if (update !== undefined) {
      this.sentAt = now;
      try {
        this.send(update);
      } catch (error) {
        console.warn(`daily-sync: a session-data update could not be sent: ${error.message}`);
      }
    }
    this.arm(this.core.nextDeadline(), now);
  }

  /** Sets the one timer for `at` (-1: none), unless it is set for that already. */
  arm(at, now) {
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
      throw classify(error, undefined, this.call);
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
