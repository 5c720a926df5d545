// Figures 5, 6 and 9, on local call objects (memory transport): a broadcast's cost per delivery,
// a 1 MiB channel message, and a channel's history replayed to a late joiner.
import { StubCall } from '/bench/stub-call.js';
import { check, interleave, lib, macrotask, time, until } from './common.js';

// ---------------------------------------------------------------------------------------------
// 5. The local room: per-delivery cost of a broadcast with 2 to 128 participants in one page

export async function localRoom({ sizes = [2, 8, 32, 128], deliveries = 12_700, rounds = 7 } = {}) {
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

export async function channel({ rounds = 5, size = 1 << 20 } = {}) {
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
// 9. Channel history: 100 messages replayed to a late joiner (memory transport)

export async function history({ rounds = 9, size = 100 } = {}) {
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
