// Request and response (sync.handle, sync.request, sync.requestAll) on the local room, in
// Chromium: every error code, payloads past 4096 characters both ways, mixed outcomes, cancelling,
// duplicates, 100 concurrent requests, and nothing of it on the plain app-message subscriptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBlankPage, serveRepository } from './harness.mjs';

serveRepository();

/** Runs `fn` in a fresh page with every entry loaded and `window.room(n, options)`: n joined DailySyncs. */
const inPage = (fn) =>
  inBlankPage(fn, undefined, { setup: async () => (await import('/tests/js/local-room-page.js')).install('rpc') });

test('a request gets its answer, 20 KB both ways, and nothing reaches the plain app-message subscriptions', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs: [a, b], ids } = await window.room(2);
    const plain = [];
    b.onAppMessage((m) => plain.push(m));
    a.onAppMessage((m) => plain.push(m));
    const seen = [];
    b.handle('echo', async (payload, { fromId }) => {
      seen.push(fromId);
      return { back: payload.text.toUpperCase(), size: payload.text.length };
    });
    const text = 'x'.repeat(20_000);
    const answer = await a.request(ids[1], 'echo', { text });
    await new Promise((r) => setTimeout(r, 50));
    return { size: answer.size, backLength: answer.back.length, upper: answer.back === 'X'.repeat(20_000), seen, aId: ids[0], plain: plain.length };
  });
  assert.deepEqual(r, { size: 20_000, backLength: 20_000, upper: true, seen: [r.aId], aId: r.aId, plain: 0 });
});

test('every failure has its code: unsupported-method and recipient-not-found at once, application-error with message and data, timeouts, recipient-left, cancelled', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs: [a, b, c], ids } = await window.room(3);
    const { outcome } = window;
    const t0 = performance.now();
    const out = {};
    out.unsupported = await outcome(a.request(ids[1], 'nobody.handles', 1, { timeoutMs: 8000 }));
    out.unsupportedFast = performance.now() - t0 < 1500;
    const t1 = performance.now();
    out.notFound = await outcome(a.request('no-such-session', 'x', 1));
    out.notFoundFast = performance.now() - t1 < 100;
    b.handle('fail', () => {
      throw Object.assign(new Error('not on stage today'), { data: { reason: 'busy' } });
    });
    out.appError = await outcome(a.request(ids[1], 'fail', null));
    b.handle('slow', () => new Promise(() => {}));
    out.slow = await outcome(a.request(ids[1], 'slow', null, { timeoutMs: 300 }));
    // c never answers: its call stops delivering the reserved channel's messages (as a peer
    // that loaded no DailySync of its own would).
    c.dispose();
    out.silent = await outcome(a.request(ids[2], 'x', null, { timeoutMs: 5000, connectionTimeoutMs: 200 }));
    b.handle('hold', () => new Promise(() => {}));
    const controller = new AbortController();
    const cancelled = outcome(a.request(ids[1], 'hold', null, { signal: controller.signal }));
    controller.abort();
    out.cancelled = await cancelled;
    const leaving = outcome(a.request(ids[1], 'hold', null, { timeoutMs: 20_000 }));
    await new Promise((r) => setTimeout(r, 50));
    await calls[1].leave();
    out.left = await leaving;
    out.invalid = await outcome(a.request('*', 'x', 1));
    out.badMethod = await outcome(a.request(ids[1], '', 1));
    return out;
  });
  const rpc = (code, message) => ({ kind: 'rpc', code, message, data: undefined });
  assert.deepEqual(r.unsupported, rpc('unsupported-method', 'the participant has no handler for the method'));
  assert.ok(r.unsupportedFast, 'unsupported-method comes back at once, not at a timeout');
  assert.deepEqual(r.notFound, rpc('recipient-not-found', 'no participant of this session id is in the call'));
  assert.ok(r.notFoundFast);
  assert.deepEqual(r.appError, { kind: 'rpc', code: 'application-error', message: 'not on stage today', data: { reason: 'busy' } });
  assert.equal(r.slow.code, 'response-timeout');
  assert.equal(r.silent.code, 'connection-timeout');
  assert.equal(r.left.code, 'recipient-left');
  assert.equal(r.cancelled.code, 'cancelled');
  assert.equal(r.invalid.kind, 'invalid-recipient');
  assert.equal(r.badMethod.kind, 'invalid-argument');
});

test('requestAll: a Map of every other participant\'s outcome, mixed', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs: [a, b, c, d], ids } = await window.room(4);
    b.handle('ready', () => 'yes');
    c.handle('ready', async () => {
      throw new Error('not yet');
    });
    const all = await a.requestAll('ready', { round: 1 }, { timeoutMs: 3000 });
    return {
      keys: [...all.keys()].sort(),
      expected: ids.slice(1).sort(),
      b: all.get(ids[1]),
      c: all.get(ids[2]).error.code + ': ' + all.get(ids[2]).error.message,
      d: all.get(ids[3]).error.code,
    };
  });
  assert.deepEqual(r.keys, r.expected);
  assert.deepEqual(r.b, { ok: true, value: 'yes' });
  assert.equal(r.c, 'application-error: not yet');
  assert.equal(r.d, 'unsupported-method');
});

test('100 concurrent requests are all answered; a duplicate request never runs a handler twice', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs: [a, b], ids } = await window.room(2);
    let runs = 0;
    b.handle('add', ({ x, y }) => {
      runs += 1;
      return x + y;
    });
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => a.request(ids[1], 'add', { x: i, y: 1 })));
    // A request that arrives twice (here the same app message emitted again) runs once.
    const requests = [];
    calls[1].on('app-message', (e) => e.data?.c === '$rpc' && requests.push(e));
    const before = runs;
    await a.request(ids[1], 'add', { x: 1, y: 1 });
    for (const e of requests.splice(0)) calls[1].emit('app-message', e);
    await new Promise((r) => setTimeout(r, 100));
    return { right: answers.every((v, i) => v === i + 1), count: answers.length, rerun: runs - before };
  });
  assert.deepEqual(r, { right: true, count: 100, rerun: 1 });
});

test('a small request and a quick answer are one app message each; a slow handler acknowledges; a large one goes in chunks', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs: [a, b], ids } = await window.room(2);
    const sent = [[], []];
    calls.forEach((call, i) => {
      const send = call.sendAppMessage.bind(call);
      // What the call object took (a message too large for it throws, and is not sent).
      call.sendAppMessage = (data, to) => {
        const result = send(data, to);
        sent[i].push(data);
        return result;
      };
    });
    const shapes = (i) => sent[i].splice(0).map((d) => (d.w ? Object.keys(d.w).join('') : `chunk ${d.i ?? 'whole'}`));
    b.handle('quick', (x) => x + 1);
    b.handle('slow', (x) => new Promise((resolve) => setTimeout(() => resolve(x * 2), 50)));
    b.handle('echo', (text) => text.length);
    const quick = await a.request(ids[1], 'quick', 1);
    const quickShapes = [shapes(0), shapes(1)];
    const slow = await a.request(ids[1], 'slow', 4);
    const slowShapes = [shapes(0), shapes(1)];
    const long = await a.request(ids[1], 'echo', 'x'.repeat(10_000));
    const longShapes = [shapes(0), shapes(1)];
    return { quick, quickShapes, slow, slowShapes, long, longShapes };
  });
  assert.equal(r.quick, 2);
  assert.deepEqual(r.quickShapes, [['rmp'], ['sv']], 'one request, one answer, no acknowledgement');
  assert.equal(r.slow, 8);
  assert.deepEqual(r.slowShapes, [['rmp'], ['a', 'sv']], 'the slow handler acknowledged first');
  assert.equal(r.long, 10_000);
  assert.deepEqual(r.longShapes[0], ['chunk 0', 'chunk 1', 'chunk 2'], 'the 10,000-character request in chunks');
  assert.deepEqual(r.longShapes[1], ['sv'], 'its short answer whole');
});

test("a peer's garbage on the request channel runs nothing and stops nothing", { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { calls, syncs: [a, b], ids } = await window.room(2);
    const errors = [];
    window.addEventListener('error', (e) => errors.push(String(e.message)));
    window.addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));
    let runs = 0;
    b.handle('add', ({ x, y }) => {
      runs += 1;
      return x + y;
    });
    const garbage = [
      null, 5, 'w', [], {}, { r: -1, m: 'add' }, { r: 1.5, m: 'add' }, { r: 2, m: 7 }, { r: 2e300, m: 'add' },
      { a: 'x' }, { a: 99999 }, { s: 99999, v: 1 }, { s: 1, e: 'bogus', msg: 5 }, { r: 3, m: 'add', p: { x: 1, y: 2 } },
    ];
    for (const w of garbage) calls[0].sendAppMessage({ $ds: 1, c: '$rpc', w }, ids[1]);
    calls[0].sendAppMessage({ $ds: 1, c: '$rpc' }, ids[1]);
    calls[0].sendAppMessage({ $ds: 2, c: '$rpc', w: { r: 4, m: 'add', p: { x: 1, y: 1 } } }, ids[1]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const garbageRuns = runs;
    const answer = await a.request(ids[1], 'add', { x: 2, y: 3 });
    return { garbageRuns, answer, runs, errors };
  });
  // The one well-formed request among them ({ r: 3 }) runs; the answer to it, for an id the caller
  // never sent, is dropped there. Everything else is nothing, and requests still work.
  assert.deepEqual(r, { garbageRuns: 1, answer: 5, runs: 2, errors: [] });
});

test('handle() returns what unregisters it; a second handler for one method is refused', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { syncs: [a, b], ids } = await window.room(2);
    const off = b.handle('m', () => 1);
    const twice = window.outcome(Promise.resolve().then(() => b.handle('m', () => 2)));
    const first = await a.request(ids[1], 'm');
    off();
    const after = await window.outcome(a.request(ids[1], 'm'));
    return { twice: (await twice).kind, first, after: after.code };
  });
  assert.deepEqual(r, { twice: 'invalid-argument', first: 1, after: 'unsupported-method' });
});
