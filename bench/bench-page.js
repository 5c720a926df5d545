// The benchmarks, in the page: bench/run.mjs opens bench/index.html in headless Chromium and calls
// `window.bench.run(name, options)` for each. Every benchmark times a variant against the plain path
// in the same round (interleaved, the order rotating) and hands back the raw per-round times;
// run.mjs makes the ratios and their medians. Nothing here is a result: everything is measured.
//
// Timing: performance.now() is coarsened to 100 µs in a page that is not cross-origin isolated, so
// every timed batch is made long enough (milliseconds or more) for that not to matter.
//
// The JS API is the package's entries as built in pkg/ (what apps load); the Rust API's bench
// functions are this crate built with the `bench` feature, in bench/pkg/.
import initRust, * as rust from '/bench/pkg/daily_sync.js';
import { StubCall } from '/bench/stub-call.js';
import initChannels from '/pkg/channels.js';
import { EventIterator } from '/pkg/hub.js';
import initCore, { DailySync } from '/pkg/index.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';

/** Everything the benchmarks call: the Rust bench functions and the JS API. */
let lib = null;

export async function setup() {
  await Promise.all([initRust(), initCore(), initLocal(), initChannels()]);
  lib = { ...rust, DailySync, createLocalCallObject };
  return {
    benchFeature: typeof lib.benchRustSend === 'function',
    channel: typeof new lib.DailySync(new StubCall()).channel === 'function',
    userAgent: navigator.userAgent,
  };
}

// ---------------------------------------------------------------------------------------------
// helpers

/** A macrotask turn (no 4 ms clamp, unlike setTimeout): every microtask queued before it has run. */
const port = (() => {
  const channel = new MessageChannel();
  const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  return { turn: () => new Promise((resolve) => (waiting.push(resolve), channel.port2.postMessage(0))) };
})();
const macrotask = port.turn;

/** The benchmark running, and whether run.mjs is profiling (then each timed variant is profiled). */
let running = '';
let profiling = false;

/**
 * Runs `variants` (name -> sync or async function returning ms) `rounds` times, interleaved: every
 * round runs each variant once, the order rotating from round to round, each after a full GC.
 */
async function interleave(variants, { rounds, warmup = 2, label = running }) {
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

function check(condition, message) {
  if (!condition) throw new Error(`benchmark sanity check failed: ${message}`);
}

/** A message-like object whose JSON text is exactly `size` characters. */
function objectOfSize(size, seed = 0) {
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
function sessionState(size) {
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
function virtualClock() {
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
function plainIterator(call, event) {
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

function time(fn) {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// 1. DailySync.sendAppMessage vs the call object's own

async function sendAppMessage({ rounds = 31, batch = 2000 } = {}) {
  const call = new StubCall();
  const sync = new lib.DailySync(call);
  const data = objectOfSize(1024);
  const result = await interleave(
    {
      direct: () =>
        time(() => {
          for (let i = 0; i < batch; i++) call.sendAppMessage(data);
        }),
      wrapper: () =>
        time(() => {
          for (let i = 0; i < batch; i++) sync.sendAppMessage(data);
        }),
    },
    { rounds },
  );
  const expected = (rounds + 2) * 2 * batch;
  check(call.sent['app-msg'] === expected, `app-msg count ${call.sent['app-msg']} !== ${expected}`);
  check(JSON.stringify(call.last.data).length === 1024, 'the stub received the 1 KB object');
  sync.dispose();
  return { rounds: result, info: { batch, size: 1024 } };
}

// ---------------------------------------------------------------------------------------------
// 2. 100,000 app-message events: a sync listener, the plain-JS iterator, DailySync's iterator, a Rust Stream

/**
 * The ways to consume `n` app-message events of `call`, each timed from the first event emitted
 * to the last consumed (its checksum verified), and its listener checked removed afterwards.
 */
function appMessageVariants(call, sync, { n, chunk }, names) {
  const pool = Array.from({ length: 1000 }, (_, i) => ({
    action: 'app-message',
    data: { kind: 'reaction', emoji: '🎉', n: i },
    fromId: '9c0d7e3a-1b2c-4d5e-8f90-a1b2c3d4e5f6',
    callClientId: 'bench-call-client',
  }));
  let expected = 0;
  for (let i = 0; i < n; i++) expected += pool[i % pool.length].data.n;

  async function consume(iterator) {
    let count = 0;
    let sum = 0;
    for await (const message of iterator) {
      sum += message.data.n;
      if (++count === n) break;
    }
    return sum;
  }
  /** Emits the n events in chunks, a macrotask turn after each (the consumer drains in microtasks). */
  async function produce() {
    for (let i = 0; i < n; ) {
      const end = Math.min(n, i + chunk);
      for (; i < end; i++) call.emit('app-message', pool[i % pool.length]);
      await macrotask();
    }
  }
  const start = {
    listener: () =>
      new Promise((resolve) => {
        let count = 0;
        let sum = 0;
        const listener = (event) => {
          sum += event.data.n;
          if (++count === n) {
            call.off('app-message', listener);
            resolve(sum);
          }
        };
        call.on('app-message', listener);
      }),
    plainIterator: () => consume(plainIterator(call, 'app-message')),
    jsIterator: () => consume(sync.appMessages()),
    callback: () =>
      new Promise((resolve) => {
        let count = 0;
        let sum = 0;
        const off = sync.onAppMessage((message) => {
          sum += message.data.n;
          if (++count === n) {
            off();
            resolve(sum);
          }
        });
      }),
    rustStream: () => lib.benchRustStream(call, n),
    // The breakdown (not figures): where the time of the two above goes.
    glueIterator: () => {
      // DailySync's own JS iterator class (hub.js), fed by a plain JS listener, no shaping.
      const iterator = new EventIterator();
      const listener = (event) => iterator.push(event);
      iterator.onEnd = () => call.off('app-message', listener);
      call.on('app-message', listener);
      return consume(iterator);
    },
    rustClosure: () => lib.benchRustStreamBreakdown(call, n, 'closure'),
    rustEvents: () => lib.benchRustStreamBreakdown(call, n, 'events'),
    rustTyped: () => lib.benchRustStreamBreakdown(call, n, 'typed'),
    rustJson: () => lib.benchRustStreamBreakdown(call, n, 'json'),
    rustCachedKeys: () => lib.benchRustStreamBreakdown(call, n, 'cached'),
  };
  const variants = {};
  for (const name of names) {
    const begin = start[name];
    variants[name] = async () => {
      check(call.listenerCount('app-message') === 0, `${name}: no listener left from before`);
      const done = begin();
      const t0 = performance.now();
      await produce();
      const sum = await done;
      const ms = performance.now() - t0;
      check(sum === expected, `${name}: checksum ${sum} !== ${expected}`);
      await macrotask();
      check(call.listenerCount('app-message') === 0, `${name}: its listener was removed`);
      return ms;
    };
  }
  return variants;
}

/** Whether hub.js's EventIterator still takes push(item), yields it, and calls onEnd when it ends. */
async function glueIteratorWorks() {
  try {
    let closed = false;
    const iterator = new EventIterator();
    iterator.onEnd = () => (closed = true);
    iterator.push({ action: 'app-message', data: { n: 1 }, fromId: 'x' });
    const { value } = await iterator.next();
    await iterator.return();
    return value?.data?.n === 1 && closed;
  } catch {
    return false;
  }
}

/**
 * Figures 2a to 2c. The JS consumers take about 0.1 to 0.3 µs per event and the Rust Stream some
 * µs, so they run as two sets, each with the plain-JS iterator in every round: many short rounds
 * for the JS consumers (the load of a shared machine changes less within one), fewer for Rust.
 */
async function appMessages({ rounds = 41, rustRounds = 11, n = 100_000, chunk = 5000 } = {}) {
  const call = new StubCall();
  const sync = new lib.DailySync(call);
  // The breakdown's glueIterator uses glue.js's class directly: left out (not failing the figures)
  // if that class no longer works as used here.
  const names = ['listener', 'plainIterator', 'jsIterator', 'callback'];
  if (await glueIteratorWorks()) names.push('glueIterator');
  const js = await interleave(appMessageVariants(call, sync, { n, chunk }, names), {
    rounds,
    warmup: 2,
    label: 'appMessages-js',
  });
  const rust = await interleave(
    appMessageVariants(call, sync, { n, chunk }, ['plainIterator', 'rustStream', 'rustTyped', 'rustClosure']),
    { rounds: rustRounds, warmup: 1, label: 'appMessages-rust' },
  );
  // 50,000 events queued before the consumer reads a single one.
  const queued = await interleave(queuedVariants(call, sync, { n: 50_000 }), { rounds, warmup: 2, label: 'appMessages-queued' });
  sync.dispose();
  return { rounds: js, rustRounds: rust, queuedRounds: queued, info: { n, chunk } };
}

/** The plain-JS iterator and sync.appMessages() when all `n` events arrive before the first read. */
function queuedVariants(call, sync, { n }) {
  const events = Array.from({ length: n }, (_, i) => ({ action: 'app-message', data: { n: i }, fromId: 'peer' }));
  const expected = (n * (n - 1)) / 2;
  const run = (name, open) => async () => {
    const iterator = open();
    const t0 = performance.now();
    for (const event of events) call.emit('app-message', event);
    let sum = 0;
    let count = 0;
    for await (const message of iterator) {
      sum += message.data.n;
      if (++count === n) break;
    }
    const ms = performance.now() - t0;
    check(sum === expected, `${name}: checksum`);
    check(call.listenerCount('app-message') === 0, `${name}: its listener was removed`);
    return ms;
  };
  return {
    plainIterator: run('plainIterator', () => plainIterator(call, 'app-message')),
    jsIterator: run('jsIterator', () => sync.appMessages()),
  };
}

/** Not a figure: where the Rust Stream's time goes, timed against the same plain-JS iterator. */
async function appMessagesBreakdown({ rounds = 7, n = 100_000, chunk = 5000 } = {}) {
  const call = new StubCall();
  const sync = new lib.DailySync(call);
  const names = ['plainIterator', 'rustEvents', 'rustCachedKeys', 'rustJson', 'rustTyped', 'rustStream'];
  const result = await interleave(appMessageVariants(call, sync, { n, chunk }, names), { rounds, warmup: 1 });
  sync.dispose();
  return { rounds: result, info: { n, chunk } };
}

// ---------------------------------------------------------------------------------------------
// 3. Session data at 60 Hz for 10 s: the throttle vs calling setMeetingSessionData each time

/**
 * The throttle an app writes by hand, with the same behaviour as DailySync's where it counts here:
 * a send on the leading edge and one on the trailing edge of each interval, shallow-merges
 * squashed (`{ ...a, ...b }`), a replace making the batch a replace. No size check, no local view,
 * no confirmation of what the room echoes.
 */
function plainThrottle(call, interval) {
  let pending = null;
  let strategy = null;
  let last = -Infinity;
  let timer = null;
  const send = () => {
    timer = null;
    if (pending === null) return;
    call.setMeetingSessionData(pending, strategy);
    pending = null;
    strategy = null;
    last = Date.now();
  };
  const schedule = () => {
    const wait = last + interval - Date.now();
    if (wait <= 0) send();
    else if (timer === null) timer = setTimeout(send, wait);
  };
  return {
    setSessionData(state) {
      pending = state;
      strategy = 'replace';
      schedule();
    },
    mergeSessionData(patch) {
      pending = { ...(pending ?? {}), ...patch };
      strategy ??= 'shallow-merge';
      schedule();
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      send();
    },
  };
}

async function sessionData({ rounds = 15, updates = 600, hz = 60, size = 10240 } = {}) {
  const base = sessionState(size);
  check(JSON.stringify(base).length === size, 'the base state is 10 KB');
  // An app's new state each frame: a fresh object sharing the unchanged parts (immutable updates).
  const replaces = Array.from({ length: updates }, (_, i) => ({ ...base, cursor: { x: i, y: 600 - i }, round: 3 + (i >> 6) }));
  const patches = Array.from({ length: updates }, (_, i) => ({ cursor: { x: i, y: 600 - i }, speaker: `p-${i % 12}-5d7a4b9e` }));
  const period = 1000 / hz;
  const info = { updates, hz, size, sends: {} };

  /**
   * One 10 s run in virtual time; the CPU time of the calls and of the timers they set. `throttled`:
   * false (a direct call each time), true (DailySync) or 'plain' (a plain-JS throttle).
   */
  function run(name, mode, throttled, { echo = true } = {}) {
    const call = new StubCall({ echo });
    if (mode === 'merge') call.setMeetingSessionData(base, 'replace'); // the room's state
    const clock = virtualClock();
    try {
      // Default interval: 1000 ms.
      const sync = throttled === 'plain' ? plainThrottle(call, 1000) : throttled ? new lib.DailySync(call) : null;
      const sentBefore = call.sent['set-session-data'] ?? 0;
      const start = clock.now();
      const t0 = performance.now();
      for (let i = 0; i < updates; i++) {
        clock.advanceTo(start + i * period);
        if (mode === 'replace') {
          if (throttled) sync.setSessionData(replaces[i]);
          else call.setMeetingSessionData(replaces[i], 'replace');
        } else if (throttled) sync.mergeSessionData(patches[i]);
        else call.setMeetingSessionData(patches[i], 'shallow-merge');
      }
      // The trailing send, and (without the echo) the expiry of what was sent unconfirmed (5 s).
      clock.advanceTo(start + updates * period + 7000);
      const ms = performance.now() - t0;
      check(clock.pending() === 0, `${name}: no timer left`);
      const sends = (call.sent['set-session-data'] ?? 0) - sentBefore;
      info.sends[name] = sends;
      // The room ends in the same state either way.
      const want = mode === 'replace' ? replaces[updates - 1] : { ...base, ...patches[updates - 1] };
      check(JSON.stringify(call.meetingSessionState().data) === JSON.stringify(want), `${name}: the room's final state`);
      if (throttled) {
        check(sends >= 10 && sends <= 13, `${name}: ${sends} sends in 10 s at a 1000 ms interval`);
        sync.dispose();
      } else {
        check(sends === updates, `${name}: one send per update`);
      }
      return ms;
    } finally {
      clock.restore();
    }
  }
  // Each write runs four ways: straight to the stub, through DailySync's throttle, through the
  // plain-JS throttle, and (not a figure) through DailySync's without the call machine's echo.
  const fourWays = (mode) =>
    interleave(
      {
        direct: () => run(`${mode}-direct`, mode, false),
        throttled: () => run(`${mode}-throttled`, mode, true),
        plainThrottled: () => run(`${mode}-plain-throttle`, mode, 'plain'),
        throttledNoEcho: () => run(`${mode}-throttled-no-echo`, mode, true, { echo: false }),
      },
      { rounds, label: `sessionData-${mode}` },
    );
  const replace = await fourWays('replace');
  const merge = await fourWays('merge');
  return { replace, merge, info };
}

// ---------------------------------------------------------------------------------------------
// 5. The local room: per-delivery cost of a broadcast with 2 to 128 participants in one page

async function localRoom({ sizes = [2, 8, 32, 128], deliveries = 12_700, rounds = 7 } = {}) {
  const tag = Math.random().toString(36).slice(2, 8);
  const rooms = {};
  for (const size of sizes) {
    const calls = Array.from({ length: size }, (_, i) =>
      lib.createLocalCallObject({
        room: `bench-${size}-${tag}`,
        transport: 'memory',
        userName: `p${i}`,
        // No presence traffic during the timed broadcasts.
        heartbeatMs: 3_600_000,
        peerTimeoutMs: 7_200_000,
      }),
    );
    await Promise.all(calls.map((call) => call.join()));
    const t0 = Date.now();
    while (!calls.every((call) => Object.keys(call.participants()).length === size)) {
      check(Date.now() - t0 < 30_000, `room of ${size}: everyone sees everyone`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const room = { calls, received: 0, messages: Math.ceil(deliveries / (size - 1)) };
    for (const call of calls.slice(1)) call.on('app-message', () => room.received++);
    rooms[size] = room;
  }
  const variants = {};
  for (const size of sizes) {
    const room = rooms[size];
    variants[`n${size}`] = async () => {
      const [sender] = room.calls;
      const want = room.messages * (size - 1);
      room.received = 0;
      const t0 = performance.now();
      for (let i = 0; i < room.messages; i++) sender.sendAppMessage({ kind: 'reaction', emoji: '👍', n: i }, '*');
      while (room.received < want) {
        await macrotask();
        check(performance.now() - t0 < 60_000, `room of ${size}: ${room.received} of ${want} delivered`);
      }
      const ms = performance.now() - t0;
      check(room.received === want, `room of ${size}: exactly ${want} deliveries`);
      return ms / want; // per delivery (one message at one receiver)
    };
  }
  const result = await interleave(variants, { rounds, warmup: 1 });
  const info = { sizes, messages: Object.fromEntries(sizes.map((s) => [s, rooms[s].messages])) };
  await Promise.all(Object.values(rooms).flatMap((room) => room.calls.map((call) => call.leave())));
  return { rounds: result, info };
}

// ---------------------------------------------------------------------------------------------
// 6. A 1 MiB message through the chunking layer (sync.channel), sent and reassembled

/** A value whose JSON text is exactly `size` characters: rows of mixed fields, like an export. */
function objectOfJsonLength(size) {
  const rows = [];
  const value = { kind: 'export', rows, tail: '' };
  let length = JSON.stringify(value).length;
  for (let i = 0; length < size - 200; i++) {
    const row = { id: i, name: `item ${i}`, tags: ['a', 'b', `t${i % 7}`], score: (i * 37) % 1000, ok: i % 2 === 0 };
    rows.push(row);
    length += JSON.stringify(row).length + (rows.length > 1 ? 1 : 0);
  }
  value.tail = 'x'.repeat(size - JSON.stringify(value).length);
  check(JSON.stringify(value).length === size, `objectOfJsonLength(${size})`);
  return value;
}

async function channel({ rounds = 5, size = 1 << 20 } = {}) {
  if (typeof new lib.DailySync(new StubCall()).channel !== 'function') return { built: false };
  const room = `bench-channel-${Math.random().toString(36).slice(2, 8)}`;
  const a = lib.createLocalCallObject({ room, transport: 'memory', heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000 });
  const b = lib.createLocalCallObject({ room, transport: 'memory', heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000 });
  await Promise.all([a.join(), b.join()]);
  const syncA = new lib.DailySync(a);
  const syncB = new lib.DailySync(b);
  const chatA = syncA.channel('bench');
  const chatB = syncB.channel('bench');
  const incoming = chatB.messages()[Symbol.asyncIterator]();
  const data = objectOfJsonLength(size);
  const text = JSON.stringify(data);
  const received = (value) => (value !== null && typeof value === 'object' && 'data' in value ? value.data : value);
  const result = await interleave(
    {
      channel: async () => {
        const t0 = performance.now();
        await chatA.send(data);
        const { value, done } = await incoming.next();
        const ms = performance.now() - t0;
        check(!done, 'the channel delivered the message');
        check(JSON.stringify(received(value)).length === size, 'the message arrived whole');
        return ms;
      },
      parse: () => time(() => check(JSON.parse(text).rows.length > 0, 'parsed')),
    },
    { rounds, warmup: 1 },
  );
  await incoming.return?.();
  syncA.dispose();
  syncB.dispose();
  await Promise.all([a.leave(), b.leave()]);
  return { built: true, rounds: result, info: { size } };
}

// ---------------------------------------------------------------------------------------------
// 7. The Rust API's typed send vs the JS API sending the equivalent object

async function rustSend({ rounds = 31, batch = 2000 } = {}) {
  const call = new StubCall();
  const sync = new lib.DailySync(call);
  const payload = lib.benchRustPayload();
  const size = JSON.stringify(payload).length;
  const result = await interleave(
    {
      js: () =>
        time(() => {
          for (let i = 0; i < batch; i++) sync.sendAppMessage(payload);
        }),
      rust: () => time(() => check(lib.benchRustSend(call, batch) === batch, 'benchRustSend sent the batch')),
    },
    { rounds },
  );
  check(JSON.stringify(call.last.data) === JSON.stringify(payload), 'the Rust send made the same object');
  sync.dispose();
  return { rounds: result, info: { batch, size } };
}

// ---------------------------------------------------------------------------------------------
// 8. Request and response: sync.request vs a hand-written request/response over sendAppMessage

/**
 * What an app writes by hand for request and response over app messages: ids, a pending Map, a
 * timer per request, and a listener on each side. `ask(to, method, payload)` resolves with the
 * answer (rejects at its timeout).
 */
function plainRpc(caller, callee, handlers, { timeoutMs = 10_000 } = {}) {
  let next = 0;
  const pending = new Map();
  caller.on('app-message', (e) => {
    const d = e.data;
    if (d === null || typeof d !== 'object' || d.t !== 'res') return;
    const waiting = pending.get(d.id);
    if (waiting === undefined) return;
    pending.delete(d.id);
    clearTimeout(waiting.timer);
    waiting.resolve(d.v);
  });
  callee.on('app-message', (e) => {
    const d = e.data;
    if (d === null || typeof d !== 'object' || d.t !== 'req') return;
    const from = e.fromId;
    // The handler may be async, as sync.handle's may.
    Promise.resolve()
      .then(() => handlers[d.m](d.p, { fromId: from }))
      .then((v) => callee.sendAppMessage({ t: 'res', id: d.id, v }, from));
  });
  return (to, m, p) =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error('timed out'));
      }, timeoutMs);
      pending.set(id, { resolve, timer });
      caller.sendAppMessage({ t: 'req', id, m, p }, to);
    });
}

async function rpc({ rounds = 15, batch = 300, concurrent = 1000, concurrentRounds = 5 } = {}) {
  const room = `bench-rpc-${Math.random().toString(36).slice(2, 8)}`;
  const options = { room, transport: 'memory', heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000 };
  const a = lib.createLocalCallObject(options);
  const b = lib.createLocalCallObject(options);
  await Promise.all([a.join(), b.join()]);
  const syncA = new lib.DailySync(a);
  const syncB = new lib.DailySync(b);
  const bId = b.participants().local.session_id;
  const handler = ({ x, note }) => ({ x: x + 1, length: note.length });
  syncB.handle('bench.add', handler);
  const ask = plainRpc(a, b, { 'bench.add': handler });
  // For the breakdown: the channel layer alone, one message there and one back (what a request
  // travels on, without the acknowledgement, the deadlines and the handler's promise).
  const chatA = syncA.channel('bench-rpc');
  const chatB = syncB.channel('bench-rpc');
  let back = null;
  chatA.onMessage((m) => back(m.data));
  chatB.onMessage((m) => chatB.send(handler(m.data), m.fromId));
  const viaChannel = (to, _m, p) =>
    new Promise((resolve) => {
      back = resolve;
      chatA.send(p, to);
    });
  // A small request, as "come on stage?" or "are you ready?" are.
  const payload = (x) => ({ x, note: 'stage invite for slot 3' });
  const sequential = (request) => async () => {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) {
      const answer = await request(bId, 'bench.add', payload(i));
      if (answer.x !== i + 1) check(false, `answer ${i}`);
    }
    return (performance.now() - t0) / batch; // ms per round trip
  };
  const result = await interleave(
    {
      request: sequential((to, m, p) => syncA.request(to, m, p)),
      plain: sequential(ask),
      channel: sequential(viaChannel),
    },
    { rounds },
  );
  // 1,000 requests at once between the two participants, all answered.
  const together = (request) => async () => {
    const t0 = performance.now();
    const answers = await Promise.all(Array.from({ length: concurrent }, (_, i) => request(bId, 'bench.add', payload(i))));
    const ms = performance.now() - t0;
    check(answers.length === concurrent && answers.every((answer, i) => answer.x === i + 1), `all ${concurrent} answered, each its own`);
    return ms;
  };
  const concurrentResult = await interleave(
    {
      request: together((to, m, p) => syncA.request(to, m, p, { timeoutMs: 60_000 })),
      plain: together(ask),
    },
    { rounds: concurrentRounds, warmup: 1 },
  );
  syncA.dispose();
  syncB.dispose();
  await Promise.all([a.leave(), b.leave()]);
  return { rounds: result, concurrentRounds: concurrentResult, info: { batch, concurrent, answered: concurrent } };
}

// ---------------------------------------------------------------------------------------------
// 9. Channel history: 100 messages replayed to a late joiner (memory transport)

/** Waits (a macrotask at a time) until `done()`; `label` in the error after `limitMs`. */
async function until(done, label, limitMs = 60_000) {
  const t0 = performance.now();
  while (!done()) {
    check(performance.now() - t0 < limitMs, `${label} (after ${limitMs} ms)`);
    await macrotask();
  }
}

async function history({ rounds = 9, size = 100 } = {}) {
  const options = { transport: 'memory', heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000 };
  const joinResolved = [];
  const result = await interleave(
    {
      lateJoiner: async () => {
        const room = `bench-history-${Math.random().toString(36).slice(2, 8)}`;
        const a = lib.createLocalCallObject({ ...options, room, userName: 'a' });
        const b = lib.createLocalCallObject({ ...options, room, userName: 'b' });
        await a.join();
        await b.join();
        const syncA = new lib.DailySync(a);
        const syncB = new lib.DailySync(b);
        const chatA = syncA.channel('chat', { history: size });
        const chatB = syncB.channel('chat', { history: size });
        let heard = 0;
        chatB.onMessage(() => heard++);
        for (let i = 0; i < size; i++) chatA.send({ n: i, text: `message ${i} of the chat` });
        await until(() => heard === size, 'b hears the 100 messages');
        const c = lib.createLocalCallObject({ ...options, room, userName: 'c' });
        const syncC = new lib.DailySync(c);
        const replayed = [];
        syncC.channel('chat', { history: size }).onMessage((m) => m.replay && replayed.push(m.data.n));
        const t0 = performance.now();
        await c.join();
        joinResolved.push(performance.now() - t0);
        await until(() => replayed.length === size, `c gets the history (${replayed.length} of ${size})`);
        const ms = performance.now() - t0;
        check(replayed.every((n, i) => n === i), 'replayed in order, each once');
        // Not disposed: at this commit, dispose() of a DailySync with a history channel throws
        // "null pointer passed to rust" (the channel's close unregisters its history handler on
        // an RpcCore already freed); the page is thrown away after the benchmark.
        await Promise.all([a.leave(), b.leave(), c.leave()]);
        return ms;
      },
    },
    { rounds, warmup: 1 },
  );
  return { rounds: result, info: { size, joinResolvedMs: joinResolved.slice(-rounds) } };
}

// ---------------------------------------------------------------------------------------------
// 10. Ordered room state: 5 participants x 40 concurrent increments, until everyone sees 200

async function ordered({ rounds = 5, participants = 5, each = 40, fastSyncMs = 50 } = {}) {
  // Loaded here only: its init makes every later DailySync answer ordered changes.
  const { default: initOrdered } = await import('/pkg/ordered.js');
  await initOrdered();
  const applied = { default: [], fast: [] };
  const run = (name, sessionDataSyncMs) => async () => {
    const room = `bench-ordered-${Math.random().toString(36).slice(2, 8)}`;
    const calls = Array.from({ length: participants }, (_, i) =>
      lib.createLocalCallObject({
        room, transport: 'memory', userName: `p${i}`, heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000,
        ...(sessionDataSyncMs === undefined ? {} : { sessionDataSyncMs }),
      }),
    );
    const syncs = calls.map((call) => new lib.DailySync(call));
    for (const call of calls) await call.join();
    await until(() => calls.every((call) => Object.keys(call.participants()).length === participants), 'everyone sees everyone');
    const want = participants * each;
    const t0 = performance.now();
    const answers = await Promise.all(
      syncs.flatMap((sync) => Array.from({ length: each }, () => sync.ordered().apply([{ op: 'increment', key: 'n' }]))),
    );
    applied[name].push(performance.now() - t0);
    await until(() => syncs.every((sync) => sync.sessionData().n === want), `everyone sees ${want}`);
    const ms = performance.now() - t0;
    check(answers.length === want, 'every apply resolved');
    for (const sync of syncs) sync.dispose();
    await Promise.all(calls.map((call) => call.leave()));
    return ms;
  };
  const result = await interleave({ default: run('default', undefined), fast: run('fast', fastSyncMs) }, { rounds, warmup: 1 });
  return {
    rounds: result,
    info: { participants, each, fastSyncMs, appliedMs: { default: applied.default.slice(-rounds), fast: applied.fast.slice(-rounds) } },
  };
}

// ---------------------------------------------------------------------------------------------
// 11. Presence: set() at 1,000 calls a second, and receiving against a plain listener

async function presence({ rounds = 15, batch = 1000, rate = 1000, intervalMs = 100, updates = 100_000 } = {}) {
  // (a) set(): 1,000 calls paced over a second on a joined local call object (memory transport),
  // its sendAppMessage wrapped to count what goes on the wire; and the CPU cost of set() alone, a
  // tight batch of 1,000 calls (the interval's sends come later, on the timer, and are not in it).
  const room = `bench-presence-${Math.random().toString(36).slice(2, 8)}`;
  const options = { room, transport: 'memory', heartbeatMs: 3_600_000, peerTimeoutMs: 7_200_000 };
  const a = lib.createLocalCallObject({ ...options, userName: 'a' });
  const b = lib.createLocalCallObject({ ...options, userName: 'b' });
  await a.join();
  await b.join();
  await until(() => Object.keys(a.participants()).length === 2, 'a sees b');
  let wire = 0;
  const send = a.sendAppMessage.bind(a);
  a.sendAppMessage = (data, to) => {
    if (data && data.c === '$p') wire++;
    return send(data, to);
  };
  const syncA = new lib.DailySync(a);
  const syncB = new lib.DailySync(b);
  const cursorA = syncA.presence('cursor', { intervalMs });
  const cursorB = syncB.presence('cursor', { intervalMs });
  let lastSeen = -1;
  let backwards = 0;
  cursorB.onChange((_, value) => {
    if (value && value.i < lastSeen) backwards++;
    if (value) lastSeen = value.i;
  });
  const setRounds = await interleave(
    {
      set: () => {
        const base = Math.random();
        return time(() => {
          for (let i = 0; i < batch; i++) cursorA.set({ x: base + i, y: i, i: -1 });
        });
      },
    },
    { rounds, warmup: 2 },
  );
  await new Promise((resolve) => setTimeout(resolve, 3 * intervalMs));
  // The paced second: `rate` calls a second, a few at each millisecond tick of the clock.
  wire = 0;
  lastSeen = -1;
  backwards = 0;
  const t0 = performance.now();
  let calls = 0;
  while (calls < rate) {
    const due = Math.min(rate, Math.floor(((performance.now() - t0) * rate) / 1000) + 1);
    while (calls < due) cursorA.set({ x: calls, y: calls, i: calls++ });
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const pacedMs = performance.now() - t0;
  await until(() => lastSeen === rate - 1, `b ends on the last value (${lastSeen})`, 10_000);
  const settledMs = performance.now() - t0;
  const paced = { calls, pacedMs, settledMs, wire, intervals: Math.ceil(settledMs / intervalMs), backwards };
  check(backwards === 0, 'the receiver never went backwards');
  syncA.dispose();
  syncB.dispose();
  await Promise.all([a.leave(), b.leave()]);

  // (b) receiving: `updates` presence messages from 10 senders into a presence's onChange, against
  // a plain call.on('app-message') listener doing the same (the shape check, newer-than-seen per
  // sender, the latest kept, a callback), both on the stub call object (synchronous delivery).
  const senders = Array.from({ length: 10 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
  let seq = 0;
  const messages = () =>
    Array.from({ length: updates }, (_, i) => [{ $ds: 1, c: '$p', n: 'cursor', q: ++seq, v: { x: i, y: i * 2 } }, senders[i % senders.length]]);
  const receive = (name, subscribe) => {
    const call = new StubCall();
    let sum = 0;
    const off = subscribe(call, (_, value) => (sum += value.x));
    return { call, off, sum: () => sum };
  };
  const viaPresence = (call, fn) => {
    const sync = new lib.DailySync(call);
    const p = sync.presence('cursor', { intervalMs });
    p.onChange(fn);
    return () => sync.dispose();
  };
  const viaPlain = (call, fn) => {
    const latest = new Map();
    const listener = (e) => {
      const d = e.data;
      if (d === null || typeof d !== 'object' || d.c !== '$p' || d.n !== 'cursor') return;
      const known = latest.get(e.fromId);
      if (known !== undefined && d.q <= known.q) return;
      latest.set(e.fromId, { q: d.q, value: d.v, at: Date.now() });
      fn(e.fromId, d.v);
    };
    call.on('app-message', listener);
    return () => call.off('app-message', listener);
  };
  const sides = { presence: receive('presence', viaPresence), plain: receive('plain', viaPlain) };
  const receiveRounds = await interleave(
    Object.fromEntries(
      Object.entries(sides).map(([name, side]) => [
        name,
        () => {
          const list = messages();
          const before = side.sum();
          const ms = time(() => {
            for (const [data, from] of list) side.call.receiveAppMessage(data, from);
          });
          check(side.sum() - before === list.reduce((s, [d]) => s + d.v.x, 0), `${name}: every update reached the callback`);
          return ms / updates;
        },
      ]),
    ),
    { rounds, warmup: 2 },
  );
  for (const side of Object.values(sides)) side.off();
  return { setRounds, receiveRounds, info: { batch, rate, intervalMs, updates, paced } };
}

// ---------------------------------------------------------------------------------------------
// 12. daily-sync/react: useParticipant against useParticipants at 1,000 participants

async function react({ rounds = 15, n = 1000, events = 100 } = {}) {
  // Bundled by run.mjs (esbuild) before this benchmark runs.
  const app = await import('/target/bench-react/app.js');
  const views = { list: await app.mount('list', n), each: await app.mount('each', n) };
  const result = await interleave(
    {
      ...Object.fromEntries(Object.entries(views).map(([name, view]) => [name, () => view.events(events) / events])),
      read: ((read) => () => read(events) / events)(app.reader(n)),
    },
    { rounds, warmup: 2 },
  );
  for (const view of Object.values(views)) view.unmount();
  return { rounds: result, info: { n, events } };
}

const benches = { sendAppMessage, appMessages, appMessagesBreakdown, sessionData, localRoom, channel, rustSend, rpc, history, ordered, presence, react };

export function run(name, options, { profile = false } = {}) {
  const bench = benches[name];
  if (!bench) throw new Error(`no benchmark named ${name}`);
  running = name;
  profiling = profile;
  return bench(options);
}
