// Figures 10, 11 and 12: ordered room state, presence, and the React hooks at 1,000 participants.
import { StubCall } from '/bench/stub-call.js';
import { check, interleave, lib, time, until } from './common.js';

// ---------------------------------------------------------------------------------------------
// 10. Ordered room state: 5 participants x 40 concurrent increments, until everyone sees 200

export async function ordered({ rounds = 5, participants = 5, each = 40, fastSyncMs = 50 } = {}) {
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

export async function presence({ rounds = 15, batch = 1000, rate = 1000, intervalMs = 100, updates = 100_000 } = {}) {
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

export async function react({ rounds = 15, n = 1000, events = 100 } = {}) {
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
