// The JS side of the JS API. An async iterator fed by the Rust fan-out: a plain array with a
// moving head is the queue (one promise per item, none while items wait), and ending the iterator
// (break, return(), dispose) tells Rust to drop the subscription. And small helpers for promises.

/** Reads only the fields apps use from a daily-js participant (which also holds Dates and tracks). */
export function shapeParticipant(p) {
  if (p === null || typeof p !== 'object') return undefined;
  return {
    sessionId: String(p.session_id ?? ''),
    userId: String(p.user_id ?? ''),
    userName: String(p.user_name ?? ''),
    local: p.local === true,
    owner: p.owner === true,
    userData: p.userData,
  };
}

/** A channel's chunk (see src/channel/codec.rs): never shown on the plain app-message stream. */
function isChunk(data) {
  return data !== null && typeof data === 'object' && Object.prototype.hasOwnProperty.call(data, '$ds');
}

const shapes = {
  'app-message': (e) =>
    e !== null && typeof e === 'object' && typeof e.fromId === 'string' && !isChunk(e.data)
      ? { data: e.data, fromId: e.fromId }
      : undefined,
  'participant-updated': (e) => (e !== null && typeof e === 'object' ? shapeParticipant(e.participant) : undefined),
  identity: (e) => e,
};

/** The most items an iterator keeps for a reader that is not reading (events::STREAM_BUFFER). */
const MAX_WAITING = 65536;

export class EventIterator {
  constructor(kind, close) {
    this._shape = shapes[kind] || shapes.identity;
    this._close = close;
    this._items = [];
    this._head = 0;
    this._waiting = [];
    this._done = false;
  }

  /** Called by Rust with each event's payload; payloads that are not of the event's shape are skipped. */
  push(payload) {
    if (this._done) return;
    let value;
    try {
      value = this._shape(payload);
    } catch {
      return; // a hostile getter on a peer's payload must not stop the stream
    }
    if (value === undefined) return;
    if (this._waiting.length > 0) this._waiting.shift()({ value, done: false });
    else {
      // As the Rust streams: a reader that fell this far behind loses the oldest, so a peer's
      // flood cannot grow memory without bound.
      if (this._items.length - this._head >= MAX_WAITING) {
        this._items[this._head++] = undefined;
        if (this._head >= MAX_WAITING) {
          this._items = this._items.slice(this._head);
          this._head = 0;
        }
      }
      this._items.push(value);
    }
  }

  next() {
    if (this._head < this._items.length) {
      const value = this._items[this._head];
      this._items[this._head++] = undefined;
      if (this._head === this._items.length) {
        this._items.length = 0;
        this._head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this._done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this._waiting.push(resolve));
  }

  return(value) {
    this.end();
    return Promise.resolve({ value, done: true });
  }

  throw(error) {
    this.end();
    return Promise.reject(error);
  }

  /** Ends the iteration: pending next() calls resolve done, and Rust drops the subscription. */
  end() {
    if (this._done) return;
    this._done = true;
    this._items = [];
    this._head = 0;
    for (const resolve of this._waiting.splice(0)) resolve({ value: undefined, done: true });
    const close = this._close;
    this._close = null;
    if (close) close();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/** Resolves with nothing once `promise` does; rejects with `mapError(reason)` (our Error) if it rejects. */
export function settle(promise, mapError) {
  return Promise.resolve(promise).then(
    () => undefined,
    (reason) => {
      throw mapError(reason);
    },
  );
}

/**
 * What a caller's value is, read without letting a hostile Proxy throw: 'array', 'plain' (a plain
 * object), 'object' (any other object), 'hostile' (inspecting it threw), or its typeof.
 */
export function kindOf(value) {
  try {
    if (Array.isArray(value)) return 'array';
    if (value === null || typeof value !== 'object') return value === null ? 'null' : typeof value;
    const prototype = Object.getPrototypeOf(value);
    return prototype === null || prototype === Object.prototype ? 'plain' : 'object';
  } catch {
    return 'hostile';
  }
}

/** A copy of an array-like, or null when reading it throws. */
export function copyArray(value) {
  try {
    return Array.from(value);
  } catch {
    return null;
  }
}
