// Ordered room state (sync.ordered().apply(ops)) on the local room, in Chromium: concurrent
// increments from several participants, next to the naive mergeSessionData that loses them; push
// with max, remove; a batch with a bad op refused whole, on the caller's side and the orderer's;
// and the orderer leaving mid-stream, with nothing lost and nothing applied twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBlankPage, serveRepository } from './harness.mjs';

serveRepository();

/** Runs `fn` in a fresh page with every entry loaded and `window.room(n)`: n joined DailySyncs, the first the orderer. */
const inPage = (fn) =>
  inBlankPage(fn, undefined, {
    setup: async () => {
      await (await import('/tests/js/local-room-page.js')).install('ordered', { errorFields: ['kind', 'code', 'message', 'size', 'limit'] });
      /** Resolves once `check(sync.sessionData())` holds for every sync (or its last views after 20 s). */
      window.until = async (syncs, check) => {
        const deadline = performance.now() + 20_000;
        while (performance.now() < deadline) {
          if (syncs.every((s) => check(s.sessionData()))) return true;
          await new Promise((r) => setTimeout(r, 20));
        }
        return false;
      };
    },
  });

test('control: naive concurrent read-and-merge increments lose updates', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs } = await window.room(5);
    await Promise.all(
      syncs.map(async (sync) => {
        for (let i = 0; i < 40; i++) {
          sync.mergeSessionData({ n: (sync.sessionData().n ?? 0) + 1 });
          await new Promise((r) => setTimeout(r, 5));
        }
        sync.flushSessionData();
      }),
    );
    // Settled: every participant sees the same last write.
    const agreed = await window.until(syncs, (d) => d.n === syncs[0].sessionData().n);
    return { agreed, finals: syncs.map((s) => s.sessionData().n) };
  });
  assert.ok(r.agreed);
  assert.ok(r.finals[0] < 200, `last-writer-wins loses increments: ${r.finals[0]} of 200`);
});

test('5 participants x 40 concurrent increments through ordered() reach 200 everywhere', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs } = await window.room(5);
    const rooms = syncs.map((s) => s.ordered());
    const t0 = performance.now();
    const answers = await Promise.all(rooms.flatMap((room) => Array.from({ length: 40 }, () => room.apply([{ op: 'increment', key: 'n' }]))));
    const applied = performance.now() - t0;
    const everywhere = await window.until(syncs, (d) => d.n === 200);
    const seen = performance.now() - t0;
    const values = answers.map((a) => a.n).sort((a, b) => a - b);
    return {
      everywhere,
      finals: syncs.map((s) => s.sessionData().n),
      distinct: new Set(values).size,
      max: values.at(-1),
      same: rooms[0] === syncs[0].ordered(),
      applied,
      seen,
    };
  });
  console.log(`# 5 x 40 concurrent increments: all applied in ${r.applied.toFixed(0)} ms, everyone sees 200 after ${r.seen.toFixed(0)} ms`);
  assert.ok(r.everywhere, `every participant's sessionData() reaches 200: ${r.finals}`);
  assert.deepEqual(r.finals, [200, 200, 200, 200, 200]);
  assert.equal(r.distinct, 200, 'each increment resolved with its own value: applied one at a time');
  assert.equal(r.max, 200);
  assert.ok(r.same, 'one ordered state per DailySync');
});

test('a DailySync made again on the same call object (a remount) has its batches applied, not taken for retries of the first one\'s', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs } = await window.room(2);
    const first = new window.lib.DailySync(calls[1]);
    for (let i = 0; i < 3; i++) await first.ordered().apply([{ op: 'increment', key: 'n' }]);
    first.dispose();
    const again = new window.lib.DailySync(calls[1]);
    const answers = [];
    for (let i = 0; i < 2; i++) answers.push((await again.ordered().apply([{ op: 'increment', key: 'n' }])).n);
    const everywhere = await window.until(syncs, (d) => d.n === 5);
    return { answers, everywhere, finals: syncs.map((s) => s.sessionData().n) };
  });
  assert.deepEqual(r.answers, [4, 5], 'the second DailySync\'s increments applied');
  assert.ok(r.everywhere, `everyone sees 5: ${r.finals}`);
});

test('push with max keeps the newest; remove drops every deep-equal item; delete and set', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs } = await window.room(3);
    const [a, b, c] = syncs.map((s) => s.ordered());
    // Pushes from three participants at once, 10 each, the list capped at 12.
    await Promise.all(
      [a, b, c].flatMap((room, p) => Array.from({ length: 10 }, (_, i) => room.apply([{ op: 'push', key: 'q', value: { p, i }, max: 12 }]))),
    );
    const capped = syncs[2].sessionData();
    await window.until(syncs, (d) => Array.isArray(d.q) && d.q.length === 12);
    const answer = await b.apply([
      { op: 'push', key: 'tags', value: { t: 'x', n: [1] } },
      { op: 'push', key: 'tags', value: 'y' },
      { op: 'push', key: 'tags', value: { n: [1], t: 'x' } },
    ]);
    const removed = await c.apply([{ op: 'remove', key: 'tags', value: { n: [1], t: 'x' } }, { op: 'set', key: 'title', value: 'Q&A' }]);
    const deleted = await a.apply([{ op: 'delete', key: 'title' }]);
    await window.until(syncs, (d) => d.title === undefined && Array.isArray(d.tags) && d.tags.length === 1);
    return { q: syncs[1].sessionData().q, capped, answer, removed, deleted, views: syncs.map((s) => [s.sessionData().tags, s.sessionData().title]) };
  });
  assert.equal(r.q.length, 12, 'past max the oldest are dropped');
  assert.equal(new Set(r.q.map((x) => `${x.p}.${x.i}`)).size, 12);
  for (const p of [0, 1, 2]) {
    const mine = r.q.filter((x) => x.p === p).map((x) => x.i);
    assert.deepEqual(mine, [...mine].sort((x, y) => x - y), "each caller's pushes stay in its order");
  }
  assert.deepEqual(r.answer, { tags: [{ t: 'x', n: [1] }, 'y', { n: [1], t: 'x' }] }, 'apply() resolves with the values of the keys it names');
  assert.deepEqual(r.removed, { tags: ['y'], title: 'Q&A' });
  assert.deepEqual(r.deleted, {}, 'a deleted key is left out');
  for (const view of r.views) assert.deepEqual(view, [['y'], undefined]);
});

test('a batch with a bad op is refused whole: invalid-argument before sending and by the orderer, nothing applied', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs, ids } = await window.room(3);
    const { outcome } = window;
    const [, b, c] = syncs.map((s) => s.ordered());
    await b.apply([{ op: 'set', key: 'label', value: 'text' }, { op: 'set', key: 'n', value: 1 }]);
    const out = {};
    // Caught before sending.
    out.unknown = await outcome(b.apply([{ op: 'increment', key: 'n' }, { op: 'merge', key: 'n' }]));
    out.reserved = await outcome(b.apply([{ op: 'set', key: '$ordered', value: 1 }]));
    out.notArray = await outcome(b.apply({ op: 'increment', key: 'n' }));
    out.badMax = await outcome(b.apply([{ op: 'push', key: 'q', value: 1, max: 0 }]));
    // Only the orderer can tell: `label` holds a string.
    out.onOrderer = await outcome(c.apply([{ op: 'increment', key: 'n', by: 5 }, { op: 'push', key: 'q', value: 1 }, { op: 'increment', key: 'label' }]));
    // A peer that skips the caller's check reaches the orderer's.
    const raw = await syncs[2].request(ids[0], '$ordered.apply', { b: [[1000, [{ op: 'set', key: 'n', value: 9 }, { op: 'bogus' }]]] });
    // Past the session-data limit: refused, nothing applied.
    out.tooLarge = await outcome(c.apply([{ op: 'increment', key: 'n' }, { op: 'set', key: 'big', value: 'x'.repeat(110_000) }]));
    out.after = await b.apply([{ op: 'increment', key: 'n' }]);
    await window.until(syncs, (d) => d.n === 2);
    return { out, raw, views: syncs.map((s) => ({ n: s.sessionData().n, q: s.sessionData().q, big: s.sessionData().big })) };
  });
  for (const name of ['unknown', 'reserved', 'notArray', 'badMax', 'onOrderer']) {
    assert.equal(r.out[name].kind, 'invalid-argument', `${name}: ${JSON.stringify(r.out[name])}`);
  }
  assert.match(r.out.unknown.message, /ops\[1\]\.op must be/);
  assert.match(r.out.onOrderer.message, /ops\[2\] \(label\): increment needs a number/);
  assert.equal(r.raw.r[0].kind, 'invalid-argument');
  assert.equal(r.out.tooLarge.kind, 'payload-too-large');
  assert.equal(r.out.tooLarge.limit, 102400);
  assert.ok(r.out.tooLarge.size > 102400);
  assert.deepEqual(r.out.after, { n: 2 }, 'nothing of the refused batches was applied');
  for (const view of r.views) assert.deepEqual(view, { n: 2, q: undefined, big: undefined });
});

test('the orderer leaving mid-stream loses no applied change and applies nothing twice', { timeout: 90_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs } = await window.room(5);
    const stay = syncs.slice(1);
    const rooms = stay.map((s) => s.ordered());
    let resolved = 0;
    let leaving = null;
    // Each participant sends its 40 one after another, the four at once; the orderer leaves as
    // the 30th is answered, with the others' next ones on the way.
    const all = Promise.all(
      rooms.map(async (room, p) => {
        const answers = [];
        for (let i = 0; i < 40; i++) {
          answers.push(await room.apply([{ op: 'increment', key: 'n' }, { op: 'push', key: 'log', value: `${p}.${i}` }]));
          if (++resolved === 30) leaving = calls[0].leave();
        }
        return answers;
      }),
    ).then((lists) => lists.flat());
    const answers = await all;
    await leaving;
    const leftDuring = calls[0].meetingState() === 'left-meeting' && resolved === 160;
    const everywhere = await window.until(stay, (d) => d.n === 160 && d.log?.length === 160);
    const log = stay[0].sessionData().log;
    return {
      leftDuring,
      everywhere,
      n: stay.map((s) => s.sessionData().n),
      unique: new Set(log).size,
      length: log.length,
      distinctAnswers: new Set(answers.map((a) => a.n)).size,
    };
  });
  assert.ok(r.leftDuring, 'the orderer left after 30 of 160');
  assert.ok(r.everywhere, `every remaining participant sees all 160: ${r.n}`);
  assert.deepEqual(r.n, [160, 160, 160, 160], 'no applied change lost, none applied twice');
  assert.equal(r.length, 160);
  assert.equal(r.unique, 160, 'each batch applied exactly once');
  assert.equal(r.distinctAnswers, 160);
});

test('a batch retried with the successor after the orderer left is answered, not applied again', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs, ids } = await window.room(3);
    const send = (to, n) => syncs[2].request(ids[to], '$ordered.apply', { b: [[n, [{ op: 'increment', key: 'n' }]]] });
    const first = await send(0, 1);
    // The answer to batch 1 "was lost": the orderer leaves at once, and the caller asks its successor.
    await calls[0].leave();
    const retried = await send(1, 1);
    const next = await send(1, 2);
    const stale = await send(0, 3).then(
      () => 'answered',
      (e) => e.code,
    );
    await window.until(syncs.slice(1), (d) => d.n === 2);
    return { first, retried, next, stale, views: syncs.slice(1).map((s) => s.sessionData().n) };
  });
  assert.deepEqual(r.first.r, [{ ok: { n: 1 } }]);
  assert.deepEqual(r.retried.r, [{ ok: { n: 1 }, dup: true }], 'the successor read from session data that batch 1 was applied');
  assert.deepEqual(r.next.r, [{ ok: { n: 2 } }]);
  assert.equal(r.stale, 'recipient-not-found');
  assert.deepEqual(r.views, [2, 2]);
});

test("a peer's garbage requests to the orderer are refused and change nothing", { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs, ids } = await window.room(2);
    let deep = 1;
    for (let i = 0; i < 500; i++) deep = [deep];
    const garbage = [null, 7, 'x', { b: 'x' }, { b: [[0, []]] }, { b: [['1', []]] }, { b: [[1]] }, { b: [[1, [{ op: 'set', key: 'k', value: deep }]]] }];
    const codes = [];
    for (const payload of garbage) {
      codes.push(await syncs[1].request(ids[0], '$ordered.apply', payload).then(
        (answer) => answer.r?.[0]?.kind ?? 'answered',
        (e) => e.code,
      ));
    }
    const after = await syncs[1].ordered().apply([{ op: 'increment', key: 'n' }]);
    return { codes, after, k: syncs[0].sessionData().k };
  });
  assert.deepEqual(r.codes, Array(8).fill('application-error'));
  assert.deepEqual(r.after, { n: 1 });
  assert.equal(r.k, undefined);
});
