// Event delivery in JS, shared by the entries: one listener per (call object, event), fanned out
// to subscribers with no hop through wasm, and async iterators over those subscriptions.
//
// daily-js's call object is an EventEmitter that warns past ten listeners on one event and stops
// at a listener that throws, so each (call object, event) pair gets exactly one listener here,
// nothing thrown reaches the emitter, and the listener is removed with the last subscriber. A lone
// subscriber is that listener itself: the usual case (one callback or iterator per event) then
// costs the call object's emit and nothing more.

import { STREAM_BUFFER } from './constants.js';

/** call object -> Map(event -> Hub); a hub is kept with its call object, subscribers or not. */
const hubs = new WeakMap();

/**
 * Subscribes `fn` to `event` on `call`; returns the function that unsubscribes (safe to call twice).
 * `fn` must not throw (else see `listenGuarded`): while it is the only subscriber it is the call
 * object's listener. Throws what `call.on` throws.
 */
export function listen(call, event, fn) {
  let events = hubs.get(call);
  if (events === undefined) hubs.set(call, (events = new Map()));
  let hub = events.get(event);
  if (hub === undefined) events.set(event, (hub = new Hub(call, event)));
  const entry = { fn };
  hub.change(hub.list.concat(entry));
  const subscribed = hub;
  return () => {
    if (subscribed.list.includes(entry)) subscribed.change(subscribed.list.filter((other) => other !== entry));
  };
}

/** `listen` for a `fn` that may throw: what it throws is reported, never thrown to the emitter. */
export function listenGuarded(call, event, fn) {
  return listen(call, event, (payload) => deliver(fn, payload, event));
}

/**
 * Gives `item` to a subscriber, a function or an EventIterator. What a function throws is reported
 * with console.error, and reaches neither the emitter nor the other subscribers.
 */
export function deliver(sink, item, event) {
  try {
    if (sink instanceof EventIterator) sink.push(item);
    else sink(item);
  } catch (error) {
    console.error(`daily-sync: a ${event} subscriber threw`, error);
  }
}

/**
 * The listener that gives `sink` (a callback or an EventIterator) the item `shape` makes of each
 * payload of `event` (none for `undefined`: garbage, or not this subscriber's). The work is in
 * functions shared by every subscription, compiled once, so that a new subscription (a
 * re-rendered component's, say) starts warm; iterators and callbacks each have their own, so
 * that neither slows the other's compiled code.
 */
export function shapedListener(event, shape, sink) {
  if (sink instanceof EventIterator) return (payload) => shapeToIterator(shape, sink, payload);
  return (payload) => shapeToCallback(event, shape, sink, payload);
}

/** `shape(payload)`, or undefined when reading the payload throws (a hostile getter must not stop a stream). */
export function shapeOf(shape, payload) {
  try {
    return shape(payload);
  } catch {
    return undefined;
  }
}

function shapeToIterator(shape, iterator, payload) {
  const item = shapeOf(shape, payload);
  if (item !== undefined) iterator.push(item);
}

function shapeToCallback(event, shape, fn, payload) {
  const item = shapeOf(shape, payload);
  if (item !== undefined) deliver(fn, item, event);
}

/** The subscribers of one (call object, event), and the one listener on the call object for them. */
class Hub {
  constructor(call, event) {
    this.call = call;
    this.event = event;
    /** Replaced, never changed in place, so a subscriber may (un)subscribe mid-dispatch. Its
     *  entries are objects, so one function subscribed twice is two subscriptions. */
    this.list = [];
    /** The listener on the call object: null, the lone subscriber's function, or `dispatch`. */
    this.registered = null;
    this.dispatch = (payload) => dispatchToAll(this, payload);
  }

  /** Takes `list` as the subscribers, swapping the call object's listener if it must change. */
  change(list) {
    let wanted = list.length === 0 ? null : list.length === 1 ? list[0].fn : this.dispatch;
    const old = this.registered;
    // The new listener goes on first: if the call object refuses it, a subscription fails with
    // nothing changed, and an unsubscription keeps `dispatch` on (it reaches whoever is left).
    if (wanted !== old && wanted !== null) {
      try {
        this.call.on(this.event, wanted);
      } catch (error) {
        if (list.length > this.list.length) throw error;
        wanted = old;
      }
    }
    this.list = list;
    this.registered = wanted;
    if (wanted !== old && old !== null) {
      try {
        this.call.off(this.event, old);
      } catch {
        // A call object that throws from off() (destroyed, say) has dropped its listeners anyway.
      }
    }
  }
}

/** A hub's listener while it has two subscribers or more. */
function dispatchToAll(hub, payload) {
  const list = hub.list;
  for (let i = 0; i < list.length; i++) deliver(list[i].fn, payload, hub.event);
}

/** The most items an iterator keeps for a reader that is not reading; past it the oldest go. */
export const MAX_WAITING = STREAM_BUFFER;

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
 * `feed(sink)` subscribes `sink` (a callback, or an EventIterator: see `deliver`) and returns what
 * undoes it; callbacks and iterators are both made on it, so they get the same items.
 */
export class Subscriptions {
  constructor() {
    /** What stopAll() calls: each callback's unsubscribe, each iterator's end. */
    this.stops = new Set();
  }

  /** Subscribes `sink` through `feed`; returns the function that unsubscribes (safe to call twice). */
  on(feed, sink, stop) {
    const undo = feed(sink);
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
    iterator.onEnd = this.on(feed, iterator, () => iterator.end());
    return iterator;
  }

  stopAll() {
    for (const stop of [...this.stops]) stop();
  }
}

/** Gives `item` to each subscriber of `list` (see `deliver`). */
export function fanOut(list, item, what) {
  for (let i = 0; i < list.length; i++) deliver(list[i], item, what);
}

/**
 * Feeds one core of the channels entry the call's events, through the one listener per event all
 * entries share: the app messages of the library's own (marked `$ds`) that `mine(data)` claims, and
 * who joins (`joined(participant, sessionId)`) and leaves (`left(sessionId)`). Reading a peer's
 * payload never throws out of the listener (a hostile getter is ignored). Returns the functions
 * that stop each.
 */
export function followPeers(call, mine, { receive, joined, left }) {
  const isObject = (value) => value !== null && typeof value === 'object';
  const read = (fn) => (e) => {
    try {
      fn(e);
    } catch {
      // not this core's
    }
  };
  const idOf = (e) => (isObject(e) && isObject(e.participant) ? e.participant.session_id : undefined);
  return [
    listen(call, 'app-message', read((e) => isObject(e.data) && e.data.$ds !== undefined && mine(e.data) && receive(e))),
    listen(call, 'participant-joined', read((e) => typeof idOf(e) === 'string' && joined(e.participant, idOf(e)))),
    listen(call, 'participant-left', read((e) => typeof idOf(e) === 'string' && left(idOf(e)))),
  ];
}
