// Presence on the local room, in Chromium: 1,000 set() calls in about a second make at most one
// message per interval and the receiver ends on the last value, never going backwards; a late
// joiner gets the current value; a participant that leaves or goes silent past staleMs is gone,
// and comes back on its next set(); unsubscribing stops the callbacks; nothing reaches the plain
// app-message subscriptions; values that fail `schemas.presence` go to onInvalid only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBlankPage, serveRepository } from './harness.mjs';

serveRepository();

/** Runs `fn` in a fresh page with every entry loaded and `window.member(userName, join, options)`. */
const inPage = (fn) =>
  inBlankPage(fn, undefined, { setup: async () => (await import('/tests/js/local-room-page.js')).install('presence') });

test('1,000 set() calls in about a second: at most one message per interval, the receiver ends on the last value and never goes backwards', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a');
    const b = await window.member('b');
    const sent = [];
    const send = a.call.sendAppMessage.bind(a.call);
    a.call.sendAppMessage = (data, to) => {
      if (data?.c === '$p') sent.push(performance.now());
      return send(data, to);
    };
    const plain = [];
    b.sync.onAppMessage((m) => plain.push(m));
    const cursorA = a.sync.presence('cursor', { intervalMs: 50 });
    const cursorB = b.sync.presence('cursor', { intervalMs: 50 });
    const seen = [];
    cursorB.onChange((id, value) => seen.push(value.i));
    const start = performance.now();
    for (let i = 0; i < 1000; i++) {
      cursorA.set({ x: i, i });
      if (i % 10 === 9) await window.sleep(10);
    }
    const elapsed = performance.now() - start;
    await window.until(() => seen.at(-1) === 999, 'b ends on the last value');
    const gaps = sent.slice(1).map((t, i) => t - sent[i]);
    return {
      elapsed,
      messages: sent.length,
      minGap: Math.min(...gaps),
      monotonic: seen.every((v, i) => i === 0 || v > seen[i - 1]),
      last: cursorB.get().get(a.id()).value,
      plain: plain.length,
    };
  });
  assert.ok(r.messages <= Math.ceil(r.elapsed / 50) + 2, `${r.messages} messages in ${r.elapsed} ms`);
  assert.ok(r.minGap >= 45, `messages at least one interval apart (min gap ${r.minGap} ms)`);
  assert.ok(r.monotonic, 'never backwards');
  assert.deepEqual(r.last, { x: 999, i: 999 });
  assert.equal(r.plain, 0, 'presence never reaches the plain app-message subscriptions');
});

test('a late joiner gets the current value; leaving or going stale is gone; the next set() brings it back; unsubscribing stops callbacks', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a');
    const typingA = a.sync.presence('typing', { staleMs: 300 });
    typingA.set('Ann is typing');
    await window.sleep(150);
    const b = await window.member('b', false);
    const typingB = b.sync.presence('typing', { staleMs: 300 });
    const changes = [];
    const off = typingB.onChange((id, value) => changes.push(value ?? 'gone'));
    await b.call.join();
    await window.until(() => changes.length >= 1, 'b gets the current value without a new set()');
    const first = changes[0];
    await window.until(() => changes.includes('gone'), 'silent past staleMs: gone');
    typingA.set('Ann is typing again');
    await window.until(() => changes.at(-1) === 'Ann is typing again', 'back on its next set()');
    const c = await window.member('c');
    const typingC = c.sync.presence('typing');
    typingC.set('Cy');
    const cId = c.id();
    await window.until(() => typingB.get().has(cId), 'b sees c');
    await c.call.leave();
    await window.until(() => !typingB.get().has(cId), 'c left: gone');
    off();
    const before = changes.length;
    typingA.set('after unsubscribe');
    await window.sleep(300);
    return { first, changes: changes.slice(0, before), after: changes.length - before };
  });
  assert.equal(r.first, 'Ann is typing');
  assert.ok(r.changes.includes('gone'));
  assert.equal(r.after, 0, 'no callback after unsubscribe');
});

test('presence options are checked', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a');
    const kinds = [];
    for (const options of [{ intervalMs: 5 }, { intervalMs: 'fast' }, { staleMs: -1 }, 'x']) {
      try {
        a.sync.presence(`p${kinds.length}`, options);
        kinds.push('accepted');
      } catch (e) {
        kinds.push(e.kind);
      }
    }
    let auto;
    try {
      a.sync.presence('auto', { intervalMs: 'auto' });
      auto = 'accepted';
    } catch (e) {
      auto = e.kind;
    }
    return { kinds, auto };
  });
  assert.deepEqual(r.kinds, ['invalid-argument', 'invalid-argument', 'invalid-argument', 'invalid-argument']);
  assert.equal(r.auto, 'accepted');
});

test('schemas.presence: a value that fails never reaches get() or onChange, goes to onInvalid, and the last good value stays', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { z } = await import('/node_modules/zod/index.js');
    const shout = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: async (value) => (typeof value === 'string' ? { value: value.toUpperCase() } : { issues: [{ message: 'not a string' }] }),
      },
    };
    const schemas = { presence: { cursor: z.object({ x: z.number() }), typing: shout } };
    const a = await window.member('a');
    const b = await window.member('b', true, { schemas });
    const invalid = [];
    b.sync.onInvalid(({ issues, ...item }) => invalid.push({ ...item, messages: issues.map((issue) => issue.message) }));
    const [cursorA, typingA] = [a.sync.presence('cursor', { intervalMs: 16 }), a.sync.presence('typing', { intervalMs: 16 })];
    const [cursorB, typingB] = [b.sync.presence('cursor'), b.sync.presence('typing')];
    const seen = { cursor: [], typing: [] };
    cursorB.onChange((id, value) => seen.cursor.push(value));
    typingB.onChange((id, value) => seen.typing.push(value));
    const aId = a.id();
    cursorA.set({ x: 1, extra: 'dropped by the schema' });
    await window.until(() => seen.cursor.length === 1, 'the first good value');
    cursorA.set({ x: 'two' });
    await window.until(() => invalid.length === 1, 'the bad value reported');
    const afterBad = cursorB.get().get(aId)?.value;
    typingA.set(42);
    await window.until(() => invalid.length === 2, 'the async schema\'s failure reported');
    typingA.set('ann');
    cursorA.set({ x: 3 });
    await window.until(() => seen.cursor.length === 2 && seen.typing.length === 1, 'the good values after');
    let badOption;
    try {
      (await window.member('c', false, { schemas: { presence: { cursor: { not: 'a schema' } } } })).sync.presence('cursor');
    } catch (e) {
      badOption = `${e.kind}: ${e.message}`;
    }
    return { seen, afterBad, invalid, typing: typingB.get().get(aId)?.value, aId, badOption };
  });
  assert.deepEqual(r.seen, { cursor: [{ x: 1 }, { x: 3 }], typing: ['ANN'] }, 'only values that passed, as the schema gives them, in order');
  assert.deepEqual(r.afterBad, { x: 1 }, 'the last good value stays');
  assert.equal(r.typing, 'ANN');
  assert.equal(r.invalid.length, 2);
  assert.deepEqual(
    r.invalid.map(({ source, name, fromId, data }) => ({ source, name, fromId, data })),
    [
      { source: 'presence', name: 'cursor', fromId: r.aId, data: { x: 'two' } },
      { source: 'presence', name: 'typing', fromId: r.aId, data: 42 },
    ],
  );
  assert.equal(r.invalid[1].messages[0], 'not a string');
  assert.match(r.badOption, /^invalid-argument: .*options\.schemas\.presence\['cursor'\] must be a Standard Schema/);
});
