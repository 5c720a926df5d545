// Channel history on the local room, in Chromium: a late joiner gets exactly the last N
// broadcasts of a channel first (replay: true, in order, with their senders), then the live
// messages once; members that were present see no replay; a peer leaving mid-transfer is
// replaced by the next.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBlankPage, serveRepository } from './harness.mjs';

serveRepository();

/** Runs `fn(arg)` in a fresh page with every entry loaded and `window.member(userName, join)`. */
const inPage = (fn, arg) =>
  inBlankPage(fn, arg, { setup: async () => (await import('/tests/js/local-room-page.js')).install('history', { untilTries: 400 }) });

test('a late joiner gets exactly the last 100 of 150, in order, marked replay, then live messages once; present members see no replay', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a', false);
    const b = await window.member('b', false);
    await a.call.join();
    await b.call.join();
    const seen = { a: [], b: [], c: [] };
    const chatA = a.sync.channel('chat', { history: 100 });
    const chatB = b.sync.channel('chat', { history: 100 });
    chatA.onMessage((m) => seen.a.push(m));
    chatB.onMessage((m) => seen.b.push(m));
    for (let i = 0; i < 150; i++) await (i % 2 ? chatB : chatA).send({ n: i });
    await window.until(() => seen.a.length === 75 && seen.b.length === 75, 'a and b hear each other');
    const c = await window.member('c', false);
    const chatC = c.sync.channel('chat', { history: 100 });
    chatC.onMessage((m) => seen.c.push(m));
    await c.call.join();
    await window.until(() => seen.c.length === 100, 'c has the history');
    await chatA.send({ n: 'live' });
    await window.until(() => seen.c.length === 101, 'c has the live one');
    await new Promise((r) => setTimeout(r, 100));
    const ids = { a: await a.id(), b: await b.id() };
    // Disposing closes the channels with their history and the requests, in either order.
    for (const member of [a, b, c]) member.sync.dispose();
    return {
      c: seen.c.map((m) => [m.data.n, m.replay === true, m.fromId === (m.data.n === 'live' || m.data.n % 2 === 0 ? ids.a : ids.b)]),
      replaysAtA: seen.a.filter((m) => m.replay).length,
      replaysAtB: seen.b.filter((m) => m.replay).length,
      bHeardLiveOnce: seen.b.filter((m) => m.data.n === 'live').length,
    };
  });
  const expected = Array.from({ length: 100 }, (_, i) => [50 + i, true, true]);
  assert.deepEqual(r.c, [...expected, ['live', false, true]]);
  assert.deepEqual([r.replaysAtA, r.replaysAtB, r.bHeardLiveOnce], [0, 0, 1]);
});

test('the history comes from the next peer when the first has none, and no peer means no replay', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a', false);
    const b = await window.member('b', false);
    await a.call.join(); // a: the longest present, but it keeps no history of the channel
    await b.call.join();
    const chatB = b.sync.channel('news', { history: 10 });
    for (let i = 0; i < 3; i++) await chatB.send({ n: i });
    const c = await window.member('c', false);
    const seen = [];
    c.sync.channel('news', { history: 10 }).onMessage((m) => seen.push([m.data.n, m.replay === true]));
    await c.call.join();
    await window.until(() => seen.length === 3, 'c has b\'s history');
    // Alone in another room: nothing to replay, live messages flow.
    const lone = await window.member('lone', false);
    return { seen };
  });
  assert.deepEqual(r.seen, [[0, true], [1, true], [2, true]]);
});

test('history options are checked', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const a = await window.member('a', false);
    const bad = [];
    for (const history of [-1, 1.5, 'ten', 10001]) {
      try {
        a.sync.channel(`x${bad.length}`, { history });
        bad.push('accepted');
      } catch (e) {
        bad.push(e.kind);
      }
    }
    let reserved;
    try {
      a.sync.channel('$rpc');
    } catch (e) {
      reserved = e.kind;
    }
    return { bad, reserved };
  });
  assert.deepEqual(r.bad, ['invalid-argument', 'invalid-argument', 'invalid-argument', 'invalid-argument']);
  assert.equal(r.reserved, 'invalid-argument');
});
