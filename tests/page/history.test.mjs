// Channel history in Chromium, on the local room and on the real daily-js (joined offline to the
// stand-in call machine): a late joiner gets exactly the last N broadcasts of a channel first
// (replay: true, in order, with their senders), then the live messages once; members that were
// present see no replay; a peer leaving mid-transfer is replaced by the next.
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
    /** The kind of error opening a channel throws, or 'accepted'. */
    const opening = (name, options) => {
      try {
        a.sync.channel(name, options);
        return 'accepted';
      } catch (e) {
        return e.kind;
      }
    };
    const bad = [-1, 1.5, 'ten', 10001].map((history, i) => opening(`x${i}`, { history }));
    return { bad, reserved: opening('$rpc') };
  });
  assert.deepEqual(r.bad, ['invalid-argument', 'invalid-argument', 'invalid-argument', 'invalid-argument']);
  assert.equal(r.reserved, 'invalid-argument');
});

// daily-js gives `joined-meeting` with the local participant alone, and announces those already
// there after it: a channel opened before join asks them as they are announced.
test('on the real daily-js, a channel opened before join gets its history; a joiner alone waits for none', { timeout: 60_000 }, async () => {
  const r = await inBlankPage(
    async () => {
      const { DailySync, Daily, createJoinedCallObjects, createStandInCallObject, joinStandIn, waitUntil } = window.lib;
      const calls = await createJoinedCallObjects(Daily, 2, { userNames: ['ann', 'bo'] });
      const [ann, bo] = calls.map((call) => new DailySync(call));
      const [ids, seen] = [calls.map((call) => call.participants().local.session_id), { bo: [], cy: [] }];
      const record = (list) => (m) => list.push([m.data.n, m.replay === true, ids.indexOf(m.fromId)]);
      const atAnn = ann.channel('chat', { history: 10 });
      bo.channel('chat', { history: 10 }).onMessage(record(seen.bo));
      for (let n = 0; n < 3; n++) await atAnn.send({ n });
      await waitUntil(() => seen.bo.length === 3, 'Bo hears Ann');

      const cyCall = createStandInCallObject(Daily);
      const cy = new DailySync(cyCall);
      cy.channel('chat', { history: 10 }).onMessage(record(seen.cy));
      await joinStandIn(cyCall, { userName: 'cy' });
      // Sent as Cy learns who is there, maybe before the history comes: it must wait for it.
      await bo.channel('chat').send({ n: 'bo live' });
      await waitUntil(() => seen.cy.length === 4, 'Cy has the history and the live message');
      await atAnn.send({ n: 'ann live' });
      await waitUntil(() => seen.cy.length === 5 && seen.bo.length === 4, 'the next live message');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const result = { seen };
      for (const sync of [ann, bo, cy]) sync.dispose();
      await Promise.all([...calls, cyCall].map((call) => call.destroy()));

      // Alone in the room: nobody to ask, nothing held. Eve, who comes next, asks Dee.
      const [deeCall, eveCall] = [createStandInCallObject(Daily), createStandInCallObject(Daily)];
      const [dee, eve] = [new DailySync(deeCall), new DailySync(eveCall)];
      const [atDee, atEve] = [dee, eve].map((sync) => sync.channel('chat', { history: 10 }));
      const alone = { dee: [], eve: [] };
      atDee.onMessage((m) => alone.dee.push([m.data.n, m.replay === true]));
      atEve.onMessage((m) => alone.eve.push([m.data.n, m.replay === true]));
      await joinStandIn(deeCall, { userName: 'dee' });
      await joinStandIn(eveCall, { userName: 'eve' });
      await waitUntil(() => Object.keys(deeCall.participants()).length === 2, 'Dee knows Eve');
      await atEve.send({ n: 'from eve' });
      await waitUntil(() => alone.dee.length === 1, 'Dee hears Eve');
      await atDee.send({ n: 'from dee' });
      await waitUntil(() => alone.eve.length === 1, 'Eve hears Dee');
      result.alone = alone;
      for (const sync of [dee, eve]) sync.dispose();
      await Promise.all([deeCall, eveCall].map((call) => call.destroy()));
      return result;
    },
    undefined,
    {
      setup: async () => {
        window.lib = await (await import('/tests/page/fixtures/daily-sync-page.js')).setup();
      },
    },
  );
  assert.deepEqual(r.seen.cy, [[0, true, 0], [1, true, 0], [2, true, 0], ['bo live', false, 1], ['ann live', false, 0]]);
  assert.deepEqual(r.seen.bo, [[0, false, 0], [1, false, 0], [2, false, 0], ['ann live', false, 0]], 'Bo sees no replay');
  assert.deepEqual(r.alone, { dee: [['from eve', false]], eve: [['from dee', false]] });
});
