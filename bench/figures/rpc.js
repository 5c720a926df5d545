// Figure 8: request and response between two local call objects, against a hand-written
// request/response over sendAppMessage.
import { check, interleave, lib } from './common.js';

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

export async function rpc({ rounds = 31, batch = 300, concurrent = 1000, concurrentRounds = 5 } = {}) {
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
  // past one app message travels on; a small one goes whole, in one app message each way).
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
