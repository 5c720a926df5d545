// Event delivery in JS, shared by the entries: one listener per (call object, event), fanned out
// to subscribers with no hop through wasm, and async iterators over those subscriptions.
//
// daily-js's call object is an EventEmitter that warns past ten listeners on one event and stops
// at a listener that throws, so each (call object, event) pair gets exactly one listener here,
// every subscriber is called inside its own try, and the listener is removed with the last
// subscriber.

/** call object -> Map(event -> hub) */
const hubs = new WeakMap();

/**
 * Subscribes `fn` to `event` on `call`; returns the function that unsubscribes (safe to call twice).
 * Throws what `call.on` throws.
 */
export function listen(call, event, fn) {
  let events = hubs.get(call);
  if (events === undefined) hubs.set(call, (events = new Map()));
  let hub = events.get(event);
  if (hub === undefined) {
    const created = { list: [], listener: null };
    // The list is replaced, never changed in place, so a subscriber may (un)subscribe mid-dispatch.
    // Its entries are objects, so one function subscribed twice is two subscriptions.
    created.listener = (payload) => {
      const list = created.list;
      for (let i = 0; i < list.length; i++) {
        try {
          list[i].fn(payload);
        } catch (error) {
          console.error(`daily-sync: a ${event} subscriber threw`, error);
        }
      }
    };
    call.on(event, created.listener);
    events.set(event, (hub = created));
  }
  const entry = { fn };
  hub.list = hub.list.concat(entry);
  const subscribed = hub;
  return () => {
    if (!subscribed.list.includes(entry)) return;
    subscribed.list = subscribed.list.filter((other) => other !== entry);
    if (subscribed.list.length > 0) return;
    if (events.get(event) === subscribed) events.delete(event);
    try {
      call.off(event, subscribed.listener);
    } catch {
      // A call object that throws from off() (destroyed, say) has dropped its listeners anyway.
    }
  };
}

/** The most items an iterator keeps for a reader that is not reading; past it the oldest go. */
export const MAX_WAITING = 65536;

/**
 * An async iterator fed by `push`: a ring buffer is the queue (no promise for an item that waits,
 * no reallocation once it has grown to a burst's size), the first waiting next() has a slot of its
 * own, and ending it (break, return(), dispose) calls `onEnd` once.
 */
export class EventIterator {
  constructor() {
    this._ring = new Array(16); // its length is a power of two
    this._head = 0;
    this._size = 0;
    this._waiter = null;
    this._waiters = []; // next() calls waiting behind the first
    this._done = false;
    this.onEnd = null;
  }

  push(value) {
    if (this._done) return;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = this._waiters.length > 0 ? this._waiters.shift() : null;
      waiter({ value, done: false });
      return;
    }
    let ring = this._ring;
    if (this._size === ring.length) {
      // A reader that fell this far behind loses the oldest, so a peer's flood cannot grow memory
      // without bound.
      if (this._size >= MAX_WAITING) {
        ring[this._head] = undefined;
        this._head = (this._head + 1) & (ring.length - 1);
        this._size--;
      } else {
        ring = this._grow();
      }
    }
    ring[(this._head + this._size) & (ring.length - 1)] = value;
    this._size++;
  }

  /** Doubles the ring, its items moved to the front in order. */
  _grow() {
    const old = this._ring;
    const ring = new Array(old.length * 2);
    for (let i = 0; i < this._size; i++) ring[i] = old[(this._head + i) & (old.length - 1)];
    this._ring = ring;
    this._head = 0;
    return ring;
  }

  next() {
    if (this._size > 0) {
      const ring = this._ring;
      const value = ring[this._head];
      ring[this._head] = undefined;
      this._head = (this._head + 1) & (ring.length - 1);
      if (--this._size === 0) {
        this._head = 0;
        // A ring grown by a large burst is let go once it is empty.
        if (ring.length > 16384) this._ring = new Array(16);
      }
      return Promise.resolve({ value, done: false });
    }
    if (this._done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      if (this._waiter === null) this._waiter = resolve;
      else this._waiters.push(resolve);
    });
  }

  return(value) {
    this.end();
    return Promise.resolve({ value, done: true });
  }

  throw(error) {
    this.end();
    return Promise.reject(error);
  }

  /** Ends the iteration: pending next() calls resolve done, and the subscription goes. */
  end() {
    if (this._done) return;
    this._done = true;
    this._ring = new Array(16);
    this._head = 0;
    this._size = 0;
    const waiting = this._waiter === null ? [] : [this._waiter, ...this._waiters.splice(0)];
    this._waiter = null;
    for (const resolve of waiting) resolve({ value: undefined, done: true });
    const onEnd = this.onEnd;
    this.onEnd = null;
    if (onEnd) onEnd();
  }

  [Symbol.asyncIterator]() {
    return this;
  }
}

/**
 * The live subscriptions of one owner (a DailySync, a channel), so that its dispose ends them all.
 * `feed(sink)` subscribes `sink` and returns what undoes it; callbacks and iterators are both made
 * on it, so they get the same items.
 */
export class Subscriptions {
  constructor() {
    /** What stopAll() calls: each callback's unsubscribe, each iterator's end. */
    this.stops = new Set();
  }

  /** Subscribes `fn` through `feed`; returns the function that unsubscribes (safe to call twice). */
  on(feed, fn, stop) {
    const undo = feed(fn);
    let live = true;
    const off = () => {
      if (!live) return;
      live = false;
      this.stops.delete(stopper);
      undo();
    };
    const stopper = stop ?? off;
    this.stops.add(stopper);
    return off;
  }

  /** An async iterator of what `feed` delivers; ending it unsubscribes. */
  iterate(feed) {
    const iterator = new EventIterator();
    iterator.onEnd = this.on(feed, (item) => iterator.push(item), () => iterator.end());
    return iterator;
  }

  stopAll() {
    for (const stop of [...this.stops]) stop();
  }
}

/** Runs `fn(item)` for each function of `list`, each inside its own try. */
export function fanOut(list, item, what) {
  for (let i = 0; i < list.length; i++) {
    try {
      list[i](item);
    } catch (error) {
      console.error(`daily-sync: a ${what} callback threw`, error);
    }
  }
}

/**
 * What one DailySync shares with the other entries (the channels entry): its call object, whether
 * it is live, and what it must close when disposed.
 */
export const internals = new WeakMap();

/** The channels entry's `channel(sync, name, options)`, once `daily-sync/channels` is loaded. */
export const registry = { channel: null };

/** Loads an entry's wasm: `init()`, `init(urlOrBytesOrModule)` or `init({ module_or_path })`. */
export function initWith(wasmInit, input) {
  if (input === undefined) return wasmInit();
  if (input !== null && typeof input === 'object' && 'module_or_path' in input) return wasmInit(input);
  return wasmInit({ module_or_path: input });
}
