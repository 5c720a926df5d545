// The daily-sync JS API (pkg/, built by scripts/build.sh) in a real browser against the REAL
// daily-js: call objects joined offline to the stand-in call machine
// (tests/js/daily-stand-in/). Run: node --test tests/page/daily-sync-joined.test.mjs
//
// Each page loads tests/page/fixtures/daily-sync-page.js as `window.h` (error/iterator helpers) and
// its setup() as `window.lib` ({ DailySync, Daily, createStandInCallObject, ... }); the node side's
// helpers are in tests/page/fixtures/daily-sync-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { usePage, assertKind, assertAllKind } from './fixtures/daily-sync-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('joined: real daily-js call objects on the stand-in call machine', () => {
  const page = usePage({ perTest: true });

  test('a broadcast app message reaches the others, not the sender', async () => {
    const r = await page.evaluate(async () => {
      const { collect, sessionIdOf, waitUntil } = window.h;
      const { calls, syncs: [a, b, c] } = await window.h.joinedSyncs(3);
      const [inA, inB, inC] = [a, b, c].map((sync) => collect(sync.appMessages()));
      a.sendAppMessage({ n: 1 }); // no `to`: everyone
      a.sendAppMessage({ n: 2 }, '*');
      b.sendAppMessage({ n: 3 }, '*'); // a's marker: what a got before this would be its own echo
      await waitUntil(() => inA.items.length >= 1 && inB.items.length >= 2 && inC.items.length >= 3, 'deliveries');
      await window.h.sleep(50);
      const ids = calls.map(sessionIdOf);
      [a, b, c].forEach((sync) => sync.dispose());
      await Promise.all(calls.map((call) => call.destroy()));
      return { ids, a: inA.items, b: inB.items, c: inC.items };
    });
    const [aId, bId] = r.ids;
    assert.deepEqual(r.a, [{ data: { n: 3 }, fromId: bId }], 'the sender gets only b’s message, not its own');
    assert.deepEqual(r.b, [{ data: { n: 1 }, fromId: aId }, { data: { n: 2 }, fromId: aId }]);
    assert.deepEqual(r.c, [{ data: { n: 1 }, fromId: aId }, { data: { n: 2 }, fromId: aId }, { data: { n: 3 }, fromId: bId }]);
  });

  test('a targeted app message reaches only the session ids given (one id or an array)', async () => {
    const r = await page.evaluate(async () => {
      const { collect, sessionIdOf, waitUntil } = window.h;
      const { calls, syncs } = await window.h.joinedSyncs(4);
      const inboxes = syncs.map((sync) => collect(sync.appMessages()));
      const [, bId, cId, dId] = calls.map(sessionIdOf);
      syncs[0].sendAppMessage('to c', cId);
      syncs[0].sendAppMessage('to b and d', [bId, dId]);
      syncs[0].sendAppMessage('to d only', [dId]);
      syncs[0].sendAppMessage('end', '*'); // the marker: every inbox ends with it
      await waitUntil(() => inboxes.slice(1).every((inbox) => inbox.items.some((m) => m.data === 'end')), 'the marker');
      syncs.forEach((sync) => sync.dispose());
      await Promise.all(calls.map((call) => call.destroy()));
      return inboxes.map((inbox) => inbox.items.map((m) => m.data));
    });
    assert.deepEqual(r, [[], ['to b and d', 'end'], ['to c', 'end'], ['to b and d', 'to d only', 'end']]);
  });

  test('app messages: payload-too-large with size and limit, not-serializable, and the DailySync goes on', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, waitUntil } = window.lib;
      const { collect, thrown } = window.h;
      const [callA, callB] = await createJoinedCallObjects(Daily, 2);
      const [a, b] = [new DailySync(callA), new DailySync(callB)];
      const inB = collect(b.appMessages());
      const big = { text: 'x'.repeat(5000) };
      const bigString = 'é'.repeat(5000);
      const cyclic = {};
      cyclic.self = cyclic;
      const result = {
        big: thrown(() => a.sendAppMessage(big)),
        bigJson: JSON.stringify(big).length,
        bigString: thrown(() => a.sendAppMessage(bigString, '*')),
        bigStringJson: JSON.stringify(bigString).length,
        cyclic: thrown(() => a.sendAppMessage(cyclic)),
        bigint: thrown(() => a.sendAppMessage({ a: 1n })),
        atLimit: thrown(() => a.sendAppMessage('y'.repeat(4094))), // JSON length exactly 4096
      };
      a.sendAppMessage({ after: 'errors' });
      await waitUntil(() => inB.items.some((m) => m.data?.after), 'the message after the errors');
      result.received = inB.items.map((m) => (typeof m.data === 'string' ? `string of ${m.data.length}` : m.data));
      a.dispose();
      b.dispose();
      await Promise.all([callA.destroy(), callB.destroy()]);
      return result;
    });
    assertKind(r.big, 'payload-too-large', 'a 5000-char message');
    assert.equal(r.big.size, r.bigJson, 'size is JSON.stringify(data).length');
    assert.equal(r.big.limit, 4096);
    assertKind(r.bigString, 'payload-too-large', 'a 5000-char string');
    assert.equal(r.bigString.size, r.bigStringJson, 'size counts UTF-16 units of JSON.stringify');
    assert.equal(r.bigString.limit, 4096);
    assertKind(r.cyclic, 'not-serializable', 'a cyclic message');
    assertKind(r.bigint, 'not-serializable', '{a: 1n}');
    assert.equal(r.atLimit, null, 'a message of exactly 4096 JSON characters is sent');
    assert.deepEqual(r.received, ['string of 4094', { after: 'errors' }], 'only the valid messages arrived');
  });

  test('userData set by one is seen in participantUpdates() and participants() of the others and a late joiner', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject, joinStandIn, waitUntil } = window.lib;
      const { collect, sessionIdOf } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, undefined, { userNames: ['alice', 'bob'] });
      const aId = sessionIdOf(calls[0]);
      const updatesInB = collect(b.participantUpdates());
      await a.setUserData({ color: 'red' });
      await waitUntil(() => updatesInB.items.some((p) => p.sessionId === aId && p.userData?.color === 'red'), 'b sees red');
      const lateCall = createStandInCallObject(Daily);
      const late = new DailySync(lateCall); // made before join: it must follow the join
      await joinStandIn(lateCall, { userName: 'carol' });
      const result = {
        aId,
        update: updatesInB.items.find((p) => p.sessionId === aId),
        inB: b.participants(),
        inA: a.participants(),
        inLate: late.participants(),
      };
      [a, b, late].forEach((sync) => sync.dispose());
      await Promise.all([...calls, lateCall].map((call) => call.destroy()));
      return result;
    });
    const KEYS = ['local', 'owner', 'sessionId', 'userData', 'userId', 'userName'];
    const shapeOf = (p) => Object.keys(p).sort();
    assert.deepEqual(r.update, { sessionId: r.aId, userId: r.aId, userName: 'alice', local: false, owner: false, userData: { color: 'red' } });
    for (const [who, list] of [['b', r.inB], ['a', r.inA], ['the late joiner', r.inLate]]) {
      assert.equal(list.length, 3, `${who}'s participants() count (read after the late joiner came)`);
      for (const p of list) assert.deepEqual(shapeOf(p), KEYS, `${who}'s participants() shape`);
      assert.equal(list.filter((p) => p.local).length, 1, `${who}'s participants(): exactly one local`);
      const alice = list.find((p) => p.sessionId === r.aId);
      assert.deepEqual(alice?.userData, { color: 'red' }, `${who} sees alice's userData`);
      assert.equal(alice.userName, 'alice');
      assert.equal(alice.local, who === 'a', `${who}: alice's local flag`);
    }
  });

  test('session data: set, merge and delete within one interval converge everywhere, late joiner included', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject, joinStandIn, waitUntil } = window.lib;
      const { collect } = window.h;
      const { calls, syncs: [a, b, c] } = await window.h.joinedSyncs(3, { sessionDataIntervalMs: 300 });
      const statesInB = collect(b.sessionStates());
      a.setSessionData({ a: 1 });
      const views = [a.sessionData()];
      a.mergeSessionData({ b: 2 });
      views.push(a.sessionData());
      a.mergeSessionData({ a: undefined });
      views.push(a.sessionData());
      const expected = { b: 2 };
      const converged = () => [b, c].every((sync) => JSON.stringify(sync.sessionData()) === JSON.stringify(expected));
      await waitUntil(converged, 'b and c converge to {b:2}', 3000);
      const lateCall = createStandInCallObject(Daily);
      const late = new DailySync(lateCall, { sessionDataIntervalMs: 300 });
      await joinStandIn(lateCall);
      await waitUntil(() => JSON.stringify(late.sessionData()) === JSON.stringify(expected), 'the late joiner has {b:2}', 3000);
      await window.h.sleep(400); // past one more interval: nothing else may arrive
      const result = {
        views,
        final: [a, b, c, late].map((sync) => sync.sessionData()),
        room: [...calls, lateCall].map((call) => call.meetingSessionState().data),
        lastStateInB: statesInB.items.at(-1),
      };
      [a, b, c, late].forEach((sync) => sync.dispose());
      await Promise.all([...calls, lateCall].map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.views, [{ a: 1 }, { a: 1, b: 2 }, { b: 2 }], 'sessionData() shows pending changes at once');
    for (const data of r.final) assert.deepEqual(data, { b: 2 }, 'every sessionData() is {b:2}');
    for (const data of r.room) assert.deepEqual(data, { b: 2 }, "every call object's meetingSessionState() is {b:2}");
    assert.deepEqual(r.lastStateInB, { data: { b: 2 }, topology: 'none' }, "b's sessionStates() ends with {b:2}");
  });

  test('the room state is read when needed: no state listener until something follows the states, one for all that do', async () => {
    const r = await page.evaluate(async () => {
      const { waitUntil } = window.lib;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 100 });
      const count = () => calls[1].listenerCount('meeting-session-state-updated');
      const counts = [count()];
      a.setSessionData({ n: 1 });
      await waitUntil(() => b.sessionData().n === 1, 'b reads {n:1} with nothing following the states', 3000);
      const seen = [];
      const off = b.onSessionState((state) => seen.push(state.data.n));
      const states = b.sessionStates();
      counts.push(count());
      a.setSessionData({ n: 2 });
      await waitUntil(() => seen.includes(2), 'the callback sees {n:2}', 3000);
      off();
      counts.push(count());
      await states.return();
      counts.push(count());
      a.setSessionData({ n: 3 });
      await waitUntil(() => b.sessionData().n === 3, 'b reads {n:3} again with nothing following', 3000);
      [a, b].forEach((sync) => sync.dispose());
      await Promise.all(calls.map((call) => call.destroy()));
      return { counts, seen };
    });
    const [base] = r.counts;
    assert.deepEqual(r.counts, [base, base + 1, base + 1, base], 'one listener while a callback or an iterator follows');
    assert.deepEqual(r.seen, [2], 'the callback saw the state that came while it was subscribed');
  });

  test('session data is throttled: 30 rapid merges at 200 ms make at most ceil(elapsed/200)+1 writes, none lost', async () => {
    const r = await page.evaluate(async () => {
      const { recordSessionWrites, standInSessionWrites, sleep, waitUntil } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 200 });
      const writes = recordSessionWrites(calls[0]);
      const machineBefore = standInSessionWrites();
      const expected = {};
      const start = performance.now();
      for (let i = 0; i < 30; i++) {
        a.mergeSessionData({ [`k${i}`]: i, last: i });
        expected[`k${i}`] = i;
        expected.last = i;
        await sleep(15);
      }
      const same = (x) => JSON.stringify(Object.entries(x).sort()) === JSON.stringify(Object.entries(expected).sort());
      await waitUntil(() => same(b.sessionData()) && same(calls[1].meetingSessionState().data), 'b has every merge', 3000);
      await sleep(300); // one more interval: no late extra write
      const result = {
        expected,
        elapsed: writes.at(-1).at - start,
        gaps: writes.slice(1).map((w, i) => w.at - writes[i].at),
        writes: writes.length,
        strategies: [...new Set(writes.map((w) => w.strategy))],
        machineWrites: standInSessionWrites() - machineBefore,
        final: [a.sessionData(), b.sessionData(), calls[0].meetingSessionState().data],
      };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    const bound = Math.ceil(r.elapsed / 200) + 1;
    assert.ok(r.writes >= 2, `leading and trailing edges: at least 2 writes, got ${r.writes}`);
    assert.ok(r.writes <= bound, `${r.writes} writes in ${Math.round(r.elapsed)} ms; at most ${bound}`);
    for (const gap of r.gaps) assert.ok(gap >= 195, `writes ${Math.round(gap)} ms apart; the interval is 200 (gaps: ${r.gaps.map(Math.round)})`);
    assert.deepEqual(r.strategies, ['shallow-merge'], 'merges go out as shallow merges');
    assert.equal(r.machineWrites, r.writes, 'the stand-in received every write and no other');
    for (const data of r.final) assert.deepEqual(data, r.expected, 'every merge is in the final state');
  });

  test('flushSessionData() sends what is pending at once', async () => {
    const r = await page.evaluate(async () => {
      const { recordSessionWrites, waitUntil } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 5000 });
      const writes = recordSessionWrites(calls[0]);
      a.mergeSessionData({ first: 1 }); // the leading edge: sent at once
      a.mergeSessionData({ second: 2 }); // held for 5 s
      const beforeFlush = writes.length;
      const start = performance.now();
      a.flushSessionData();
      const afterFlush = writes.length;
      await waitUntil(() => b.sessionData().second === 2, 'b gets the flushed change', 2000);
      const took = performance.now() - start;
      a.flushSessionData(); // nothing pending: no write
      const result = { beforeFlush, afterFlush, took, writes: writes.map((w) => w.json), inB: b.sessionData() };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.equal(r.beforeFlush, 1, 'the first merge went out on the leading edge, the second waits');
    assert.equal(r.afterFlush, 2, 'flushSessionData() wrote synchronously');
    assert.ok(r.took < 2000, `b got it in ${Math.round(r.took)} ms, not after the 5 s interval`);
    assert.deepEqual(r.writes, ['{"first":1}', '{"second":2}'], 'a flush with nothing pending writes nothing');
    assert.deepEqual(r.inB, { first: 1, second: 2 });
  });

  test('a session state over 102400 characters is refused with payload-too-large and nothing changes', async () => {
    const r = await page.evaluate(async () => {
      const { thrown, recordSessionWrites, sleep, waitUntil } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 100 });
      const writes = recordSessionWrites(calls[0]);
      a.setSessionData({ big: 'x'.repeat(60000) });
      await waitUntil(() => b.sessionData().big?.length === 60000, 'b gets the 60 kB state');
      const before = a.sessionData();
      const patch = { big2: 'y'.repeat(50000) };
      const mergedJson = JSON.stringify({ ...before, ...patch }).length;
      const merge = thrown(() => a.mergeSessionData(patch)); // each part is under the limit, the whole is not
      const set = thrown(() => a.setSessionData({ huge: 'z'.repeat(102400) }));
      const setJson = JSON.stringify({ huge: 'z'.repeat(102400) }).length;
      await sleep(300);
      const result = {
        merge,
        mergedJson,
        set,
        setJson,
        unchanged: JSON.stringify(a.sessionData()) === JSON.stringify(before),
        writes: writes.length,
        bKeys: Object.keys(b.sessionData()),
        roomKeys: Object.keys(calls[1].meetingSessionState().data),
        stillWorks: thrown(() => a.mergeSessionData({ small: 1 })),
      };
      await waitUntil(() => b.sessionData().small === 1, 'a later valid merge arrives');
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assertKind(r.merge, 'payload-too-large', 'a merge making the whole state too large');
    assert.equal(r.merge.size, r.mergedJson, 'size is the JSON length of the merged whole');
    assert.equal(r.merge.limit, 102400);
    assertKind(r.set, 'payload-too-large', 'a set over the limit');
    assert.equal(r.set.size, r.setJson);
    assert.equal(r.set.limit, 102400);
    assert.ok(r.unchanged, 'sessionData() is unchanged');
    assert.equal(r.writes, 1, 'only the first, valid set was written');
    assert.deepEqual(r.bKeys, ['big']);
    assert.deepEqual(r.roomKeys, ['big']);
    assert.equal(r.stillWorks, null, 'a valid merge afterwards is accepted');
  });

  test('merges while the window is closed: seen at once, sent squashed on the trailing edge, refused exactly past the limit, flushed by dispose', async () => {
    const r = await page.evaluate(async () => {
      const { thrown, recordSessionWrites, sleep, waitUntil } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 1000 });
      const writes = recordSessionWrites(calls[0]);
      a.mergeSessionData({ big: 'x'.repeat(60000), n: 0 }); // the leading edge: written at once
      const leading = writes.length;
      // The window is closed now: these wait, squashed key by key.
      a.mergeSessionData({ n: 1, m: 'gone soon' });
      a.mergeSessionData({ n: 2 });
      a.mergeSessionData({ m: undefined });
      const seen = a.sessionData();
      // 60 kB replaced by 60 kB fits, though 60 + 60 kB would not: checked exactly, taken.
      const replaced = thrown(() => a.mergeSessionData({ big: 'y'.repeat(60000) }));
      const before = JSON.stringify(a.sessionData());
      const over = { more: 'z'.repeat(50000) };
      const overSize = JSON.stringify({ ...a.sessionData(), ...over }).length;
      const refused = thrown(() => a.mergeSessionData(over));
      const unchanged = JSON.stringify(a.sessionData()) === before;
      const waitingWrites = writes.length;
      await waitUntil(() => b.sessionData().n === 2, 'b gets the squashed merges', 5000);
      const trailing = writes.slice(leading);
      // A merge waiting in a closed window when the DailySync is disposed is flushed.
      await sleep(100);
      a.mergeSessionData({ late: 1 });
      const beforeDispose = writes.length;
      a.dispose();
      const afterDispose = writes.length;
      await waitUntil(() => b.sessionData().late === 1, 'b gets the flushed merge', 5000);
      const result = {
        leading,
        seen,
        replaced,
        refused,
        overSize,
        unchanged,
        waitingWrites,
        trailing: trailing.map((w) => ({ strategy: w.strategy, keys: w.keys.sort() })),
        bState: { n: b.sessionData().n, m: 'm' in b.sessionData(), big: b.sessionData().big?.[0], more: 'more' in b.sessionData() },
        beforeDispose,
        afterDispose,
      };
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.equal(r.leading, 1, 'the first merge is written at once');
    assert.equal(r.seen.n, 2, 'sessionData() has the waiting merges at once');
    assert.ok(!('m' in r.seen), 'and their deletions');
    assert.equal(r.replaced, null, 'a merge whose whole fits is taken, though a rough bound would not fit');
    assertKind(r.refused, 'payload-too-large', 'a merge making the whole too large, while others wait');
    assert.equal(r.refused.size, r.overSize, 'its size is the exact JSON length of the merged whole');
    assert.ok(r.unchanged, 'the refused merge changes nothing');
    assert.equal(r.waitingWrites, 1, 'nothing else is written while the window is closed');
    // `m` came and went within the window and the room never had it: nothing to send for it.
    assert.deepEqual(r.trailing, [{ strategy: 'shallow-merge', keys: ['big', 'n'] }], 'one squashed write on the trailing edge');
    assert.deepEqual(r.bState, { n: 2, m: false, big: 'y', more: false });
    assert.equal(r.afterDispose, r.beforeDispose + 1, 'dispose() writes the waiting merge at once');
  });

  test('dispose() flushes pending session data and removes every listener', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, waitUntil } = window.lib;
      const { recordSessionWrites, listenerCounts } = window.h;
      const calls = await createJoinedCallObjects(Daily, 2);
      const baseline = listenerCounts(calls[0]);
      const [a, b] = calls.map((call) => new DailySync(call, { sessionDataIntervalMs: 5000 }));
      a.appMessages();
      a.sessionStates();
      const writes = recordSessionWrites(calls[0]);
      a.mergeSessionData({ x: 1 }); // leading edge
      a.mergeSessionData({ y: 2 }); // pending for 5 s
      a.dispose();
      const writesAtDispose = writes.length;
      await waitUntil(() => b.sessionData().y === 2, 'b gets what dispose() flushed', 2000);
      const result = { baseline, after: listenerCounts(calls[0]), writesAtDispose, inB: b.sessionData() };
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.equal(r.writesAtDispose, 2, 'dispose() wrote the pending change synchronously');
    assert.deepEqual(r.inB, { x: 1, y: 2 });
    assert.deepEqual(r.after, r.baseline, "a's listeners are all removed");
  });

  test('[Symbol.dispose]() (what `using` calls) disposes: flushes, ends iterators, return() does not throw', async () => {
    // The generated .d.ts declares [Symbol.dispose](), so `using sync = new DailySync(call)` is
    // how a TypeScript app would scope one; leaving the block must be as safe as dispose().
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, waitUntil } = window.lib;
      const { rejection, sleep, listenerCounts } = window.h;
      const calls = await createJoinedCallObjects(Daily, 2);
      const baseline = listenerCounts(calls[0]);
      const a = new DailySync(calls[0], { sessionDataIntervalMs: 5000 });
      const b = new DailySync(calls[1]);
      const iterator = a.appMessages();
      const pending = iterator.next();
      a.mergeSessionData({ x: 1 }); // leading edge
      a.mergeSessionData({ y: 2 }); // pending for 5 s
      a[Symbol.dispose]();
      const result = {
        after: listenerCounts(calls[0]),
        baseline,
        next: await Promise.race([pending, sleep(500).then(() => 'still pending')]),
        returned: await rejection(() => iterator.return()),
        flushed: await waitUntil(() => b.sessionData().y === 2, 'b gets y', 1000).then(() => true, () => false),
      };
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.after, r.baseline, 'every listener removed');
    // All three at once, so a failure shows every difference from dispose().
    assert.deepEqual(
      { pendingNext: r.next, returnThrew: r.returned?.message ?? null, flushed: r.flushed },
      { pendingNext: { value: undefined, done: true }, returnThrew: null, flushed: true },
      "an open iterator's pending next() resolves done, return() does not throw, pending data is flushed",
    );
  });

  test('after leave(): sendAppMessage and session data throw not-joined', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { thrown } = window.h;
      const calls = await createJoinedCallObjects(Daily, 2);
      const a = new DailySync(calls[0]);
      await calls[0].leave();
      const result = {
        send: thrown(() => a.sendAppMessage({ n: 1 })),
        merge: thrown(() => a.mergeSessionData({ n: 1 })),
        set: thrown(() => a.setSessionData({ n: 1 })),
      };
      a.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assertAllKind(r, 'not-joined');
    assert.equal(r.send.message, 'not joined: the call has left the meeting, so sendAppMessage() cannot reach anyone; join again to send');
    assert.equal(
      r.set.message,
      'not joined: the call has left the meeting, so setSessionData() cannot reach anyone; join again to send',
    );
  });

  test('session data pending at leave(): after a re-join, sessionData() agrees with the room', async () => {
    // daily-sync warns "the call left before pending session data could be sent; it was not sent".
    // Whether it is then sent after the re-join or dropped, the local view must not go on showing
    // a change the room never got.
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, joinStandIn, waitUntil } = window.lib;
      const calls = await createJoinedCallObjects(Daily, 2);
      const a = new DailySync(calls[0], { sessionDataIntervalMs: 300 });
      const b = new DailySync(calls[1]);
      a.mergeSessionData({ x: 1 }); // leading edge: sent
      a.mergeSessionData({ y: 2 }); // pending when a leaves
      await waitUntil(() => b.sessionData().x === 1, 'b has x');
      await calls[0].leave();
      await window.h.sleep(400); // the trailing edge finds the call left
      await joinStandIn(calls[0]);
      await window.h.sleep(800); // past two more intervals
      const result = { a: a.sessionData(), room: calls[1].meetingSessionState().data, b: b.sessionData() };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.b, r.room, "b's view is the room");
    assert.deepEqual(r.a, r.room, "a's sessionData() is the room's state");
  });

  test('a DailySync made on an already joined call object has the room state at once', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, waitUntil } = window.lib;
      const calls = await createJoinedCallObjects(Daily, 2);
      const a = new DailySync(calls[0], { sessionDataIntervalMs: 100 });
      a.setSessionData({ topic: 'hello', n: 1 });
      await waitUntil(() => calls[1].meetingSessionState().data.topic === 'hello', 'the room has the state');
      const b = new DailySync(calls[1]);
      const result = { view: b.sessionData() };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.view, { topic: 'hello', n: 1 });
  });

  test('a "__proto__" key in the room state stays an own key of sessionData(), never its prototype', async () => {
    // JSON.parse (how Daily's data arrives) makes "__proto__" an ordinary own key, and daily-js's
    // meetingSessionState().data has it as one. A peer must not be able to set the prototype of
    // the objects sessionData() and sessionStates() hand out.
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createJoinedCallObjects, waitUntil } = window.lib;
      const calls = await createJoinedCallObjects(Daily, 2);
      const a = new DailySync(calls[0], { sessionDataIntervalMs: 100 });
      const states = window.h.collect(a.sessionStates());
      calls[1].setMeetingSessionData(JSON.parse('{"__proto__": {"isAdmin": true}, "x": 1}'));
      await waitUntil(() => a.sessionData().x === 1, 'a has the state');
      await waitUntil(() => states.items.length > 0, 'a sessionStates() item');
      const view = a.sessionData();
      const item = states.items.at(-1).data;
      const result = {
        roomKeys: Object.keys(calls[0].meetingSessionState().data),
        viewKeys: Object.keys(view),
        viewIsAdmin: view.isAdmin,
        viewPrototypeIsObject: Object.getPrototypeOf(view) === Object.prototype,
        itemKeys: Object.keys(item),
        itemIsAdmin: item.isAdmin,
      };
      a.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.roomKeys, ['__proto__', 'x'], "daily-js's own view of the room");
    assert.equal(r.viewIsAdmin, undefined, 'sessionData() inherits nothing from the room data');
    assert.ok(r.viewPrototypeIsObject, "sessionData()'s prototype is Object.prototype");
    assert.deepEqual(r.viewKeys, ['__proto__', 'x'], 'sessionData() has the same own keys as the room');
    assert.equal(r.itemIsAdmin, undefined, 'a sessionStates() item inherits nothing from the room data');
    assert.deepEqual(r.itemKeys, ['__proto__', 'x']);
  });

  test('a merge with a "__proto__" key (from JSON.parse) is sent, the other keys with it', async () => {
    // daily-js takes JSON.parse('{"__proto__": ..., "y": 2}') as a plain object and stores both keys.
    const r = await page.evaluate(async () => {
      const { waitUntil } = window.lib;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 100 });
      a.mergeSessionData({ x: 1 }); // the leading edge, so the next merge goes through the timer
      a.mergeSessionData(JSON.parse('{"__proto__": {"nested": true}, "y": 2}'));
      const arrived = await waitUntil(() => calls[1].meetingSessionState().data.y === 2, 'b has y', 1500).then(
        () => true,
        () => false,
      );
      const result = {
        arrived,
        aView: JSON.stringify(a.sessionData()),
        room: JSON.stringify(calls[1].meetingSessionState().data),
      };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.ok(r.arrived, `y:2 never reached the room (room: ${r.room}; a's sessionData(): ${r.aView})`);
    assert.equal(r.room, '{"x":1,"__proto__":{"nested":true},"y":2}');
  });

  test('a change made while earlier writes are in flight is not lost to their late echoes', async () => {
    // a writes x=1 (leading edge), then x=2 (flushed), then x=1 again, all before the room's
    // echoes come back. The echo of the first write ({x:1}) arrives while x=1 is pending; the
    // pending x=1 must still be sent, or the room ends at x=2 although a's last word was x=1.
    const r = await page.evaluate(async () => {
      const { recordSessionWrites, sleep, waitUntil } = window.h;
      const { calls, syncs: [a, b] } = await window.h.joinedSyncs(2, { sessionDataIntervalMs: 100 });
      const writes = recordSessionWrites(calls[0]);
      a.mergeSessionData({ x: 1 });
      a.mergeSessionData({ x: 2 });
      a.flushSessionData();
      a.mergeSessionData({ x: 1 });
      const viewAtOnce = a.sessionData();
      await sleep(600); // several intervals: everything pending has gone out, every echo is back
      await waitUntil(() => b.sessionData().x !== undefined, 'b has x');
      const result = {
        viewAtOnce,
        writes: writes.map((w) => w.json),
        a: a.sessionData(),
        b: b.sessionData(),
        room: calls[1].meetingSessionState().data,
      };
      a.dispose();
      b.dispose();
      await Promise.all(calls.map((call) => call.destroy()));
      return result;
    });
    assert.deepEqual(r.viewAtOnce, { x: 1 });
    assert.deepEqual(r.room, { x: 1 }, `the room must end at a's last write (writes made: ${r.writes.join(' ')})`);
    assert.deepEqual(r.b, { x: 1 });
    assert.deepEqual(r.a, { x: 1 });
  });
});
