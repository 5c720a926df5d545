// What every figure module shares: the interleaved timing loop, the sanity checks, the fixtures
// (sized objects, a room state, a virtual clock, a plain-JS iterator) and the libraries under test,
// set once by bench-page.js's setup().

/** Everything the benchmarks call: the Rust bench functions and the JS API. */
export let lib = null;

/** The benchmark running, and whether run.mjs is profiling (then each timed variant is profiled). */
let running = '';
let profiling = false;

/** Called by bench-page.js: `value` is what the benchmarks call. */
export function setLib(value) {
  lib = value;
}

/** Called by bench-page.js before each benchmark. */
export function setRunning(name, profile) {
  running = name;
  profiling = profile;
}

/** A macrotask turn (no 4 ms clamp, unlike setTimeout): every microtask queued before it has run. */
const port = (() => {
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  return { turn: () => new Promise((resolve) => (waiting.push(resolve), channel.port2.postMessage(0))) };
})();
export const macrotask = port.turn;

/**
 * Runs `variants` (name -> sync or async function returning ms) `rounds` times, interleaved: every
 * round runs each variant once, the order rotating from round to round, each after a full GC.
 */
export async function interleave(variants, { rounds, warmup = 2, label = running }) {
  const names = Object.keys(variants);
  for (let w = 0; w < warmup; w++) for (const name of names) await variants[name]();
  const out = [];
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length]);
    const round = {};
    for (const name of order) {
      // No forced garbage collection between variants: a full GC every few milliseconds kept the
      // code measured out of V8's optimizing tiers (a plain-JS throttle ran 3 times slower, the
      // runs after it too), so each variant pays its share of the collections as an app would.
      await macrotask();
      // With `run.mjs --profile`, a DevTools CPU profile of each timed variant, by its name.
      if (profiling) console.profile(`${label}/${name}`);
      round[name] = await variants[name]();
      if (profiling) console.profileEnd(`${label}/${name}`);
    }
    out.push(round);
  }
  return out;
}

export function check(condition, message) {
  if (!condition) throw new Error(`benchmark sanity check failed: ${message}`);
}

/** A message-like object whose JSON text is exactly `size` characters. */
export function objectOfSize(size, seed = 0) {
  const base = {
    kind: 'cursor-batch',
    seq: 7 + seed,
    from: '3f2b8c1e-5d7a-4b9e-8c6f-0a1b2c3d4e5f',
    points: Array.from({ length: 16 }, (_, i) => ({ x: 100 + i * 3 + seed, y: 240 - i, t: 1000 + i * 16 })),
    note: '',
  };
  const pad = size - JSON.stringify(base).length;
  check(pad >= 0, `objectOfSize(${size}) is too small for its base`);
  base.note = 'n'.repeat(pad);
  check(JSON.stringify(base).length === size, `objectOfSize(${size})`);
  return base;
}

/** An app's room-wide state of about `size` JSON characters: a game board, players, a chat tail. */
export function sessionState(size) {
  const state = {
    round: 3,
    phase: 'playing',
    board: Array.from({ length: 24 }, (_, r) => Array.from({ length: 24 }, (_, c) => (r * 7 + c * 3) % 5)),
    players: Array.from({ length: 12 }, (_, i) => ({
      id: `p-${i}-5d7a4b9e`,
      name: `Player ${i}`,
      score: i * 130,
      color: ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728'][i % 4],
      ready: i % 3 !== 0,
    })),
    chat: Array.from({ length: 10 }, (_, i) => ({ from: `p-${i}-5d7a4b9e`, text: `message number ${i} about the game`, at: 1700000000000 + i })),
    cursor: { x: 0, y: 0 },
    notes: '',
  };
  const pad = size - JSON.stringify(state).length;
  check(pad >= 0, `sessionState(${size}) is too small for its base`);
  state.notes = 'n'.repeat(pad);
  return state;
}

/** A fake clock for `Date.now` and `setTimeout`/`clearTimeout`, advanced by hand (synchronously). */
export function virtualClock() {
  const real = { now: Date.now, setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  let now = real.now.call(Date);
  let nextId = 1;
  const timers = new Map();
  Date.now = () => now;
  globalThis.setTimeout = (fn, ms = 0, ...args) => {
    const id = nextId++;
    timers.set(id, { at: now + Math.max(0, Number(ms) || 0), fn, args });
    return id;
  };
  globalThis.clearTimeout = (id) => void timers.delete(id);
  return {
    now: () => now,
    fired: 0,
    /** Moves to `t`, running every timer due by then, in order. */
    advanceTo(t) {
      for (;;) {
        let dueId;
        let due;
        for (const [id, timer] of timers) if (timer.at <= t && (!due || timer.at < due.at)) [dueId, due] = [id, timer];
        if (!due) break;
        timers.delete(dueId);
        now = Math.max(now, due.at);
        this.fired++;
        due.fn(...due.args);
      }
      now = Math.max(now, t);
    },
    pending: () => timers.size,
    restore() {
      Date.now = real.now;
      globalThis.setTimeout = real.setTimeout;
      globalThis.clearTimeout = real.clearTimeout;
    },
  };
}

/** The best plain-JS async iterator over an emitter: a ring-buffer queue, one promise per item. */
export function plainIterator(call, event) {
  let buffer = new Array(1024);
  let mask = 1023;
  let head = 0;
  let tail = 0;
  let waiting = null;
  let done = false;
  const listener = (payload) => {
    if (waiting !== null) {
      const resolve = waiting;
      waiting = null;
      resolve({ value: payload, done: false });
      return;
    }
    if (tail - head === buffer.length) {
      const bigger = new Array(buffer.length * 2);
      for (let i = head; i < tail; i++) bigger[i & (bigger.length - 1)] = buffer[i & mask];
      buffer = bigger;
      mask = bigger.length - 1;
    }
    buffer[tail++ & mask] = payload;
  };
  call.on(event, listener);
  return {
    next() {
      if (head !== tail) {
        const value = buffer[head & mask];
        buffer[head++ & mask] = undefined;
        return Promise.resolve({ value, done: false });
      }
      if (done) return Promise.resolve({ value: undefined, done: true });
      return new Promise((resolve) => (waiting = resolve));
    },
    return() {
      done = true;
      call.off(event, listener);
      if (waiting) waiting({ value: undefined, done: true });
      return Promise.resolve({ value: undefined, done: true });
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

export function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Waits (a macrotask at a time) until `done()`; `label` in the error after `limitMs`. */
export async function until(done, label, limitMs = 60_000) {
  const t0 = performance.now();
  while (!done()) {
    check(performance.now() - t0 < limitMs, `${label} (after ${limitMs} ms)`);
    await macrotask();
  }
}
