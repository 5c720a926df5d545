// The local room (`createLocalCallObject`, pkg/ built by scripts/build.sh) in a real browser:
// the default transport (BroadcastChannel), in one page and in two, and DailySync over the room.
// Each is asserted on daily-js's call-object surface (events, payloads, exact error messages).
// Run: node --test tests/page/local-room-broadcast-and-daily-sync.test.mjs
//
// Each test opens its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/local-room-page.js as `window.lr` and daily-sync as `window.lib`) and uses its
// own room name, so tests never hear each other, even on BroadcastChannel. Waits are bounded
// (`lr.waitFor(predicate, timeoutMs, label)`) and timing bounds are loose: these machines are shared.
// The node side's helpers are in tests/page/fixtures/local-room-node.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browser, openPage, serveRepository, server } from './harness.mjs';
import { PAGE, roomName, load, run, remote } from './fixtures/local-room-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
test('1b. the core of it on the default transport (BroadcastChannel) in one page', async () => {
  const { out, ids } = await run(
    async ({ room }) => {
      const { createLocalCallObject } = window.lib;
      const { record, waitFor, same, plain } = window.lr;
      // No transport: the default. The late joiner's join window is long enough for a loaded
      // machine's answers, so what it has as join() resolves is asserted, not hoped for.
      const make = (userName, options) => createLocalCallObject({ room, userName, sessionDataSyncMs: 100, ...options });
      const a = make('alice');
      const b = make('bob');
      const c = make('carol', { joinWindowMs: 2000 });
      const ev = { a: record(a), b: record(b), c: record(c) };
      const out = {};
      const data = (call) => call.meetingSessionState().data;

      await b.setUserData({ early: true });
      await a.join();
      const aId = a.participants().local.session_id;
      await b.join();
      const bId = b.participants().local.session_id;
      // As daily-js: b's joined-meeting lists b alone; a participant-joined for a follows (at
      // once when a answered within the join window, else when a's answer comes).
      const bJoinedMeeting = Object.keys(ev.b.of('joined-meeting')[0].participants);
      const aJoinedAtB = () => ev.b.of('participant-joined').filter((e) => e.participant.session_id === aId).length;
      await waitFor(() => a.participants()[bId] && aJoinedAtB() > 0, 3000, 'a and b see each other');
      out.bSeesA = { joinedMeeting: bJoinedMeeting, participantJoined: aJoinedAtB() };
      a.setMeetingSessionData({ topic: 'intro', n: 1 });
      await a.setUserData({ color: 'red' });
      a.sendAppMessage({ n: 'before c' });
      await waitFor(() => same(data(b), { topic: 'intro', n: 1 }) && b.participants()[aId]?.userData?.color === 'red', 3000, 'b sees a');

      await c.join();
      const cId = c.participants().local.session_id;
      // What the late joiner has as join() resolves: everyone who answered within its join window.
      out.atJoin = {
        keys: Object.keys(c.participants()).sort(),
        userData: [c.participants()[aId]?.userData, c.participants()[bId]?.userData],
        state: c.meetingSessionState(),
      };
      await waitFor(() => c.participants()[aId] && c.participants()[bId] && same(data(c), { topic: 'intro', n: 1 }), 3000, 'c has a, b and the state');
      out.late = {
        keys: Object.keys(c.participants()).sort(),
        userData: [c.participants()[aId].userData, c.participants()[bId].userData],
        state: c.meetingSessionState(),
      };
      const sawC = (log) => log.of('participant-joined').some((e) => e.participant.session_id === cId);
      await waitFor(() => sawC(ev.a) && sawC(ev.b), 3000, 'a and b see c join');
      out.cAtA = plain(ev.a.of('participant-joined').find((e) => e.participant.session_id === cId).participant);
      out.cLocal = plain(c.participants().local);

      a.sendAppMessage({ n: 'all' });
      b.sendAppMessage({ n: 'to c' }, cId);
      c.sendAppMessage({ n: 'to a and b' }, [aId, bId]);
      for (const call of [a, b, c]) call.sendAppMessage({ end: true });
      const ends = (log) => log.of('app-message').filter((e) => e.data.end).length;
      await waitFor(() => [ev.a, ev.b, ev.c].every((log) => ends(log) === 2), 3000, 'the end markers');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const names = { [aId]: 'a', [bId]: 'b', [cId]: 'c' };
      const got = (log) => log.of('app-message').filter((e) => !e.data.end).map((e) => [names[e.fromId], e.data.n]);
      out.messages = { a: got(ev.a), b: got(ev.b), c: got(ev.c) };

      const before = ev.b.of('participant-updated').length;
      await c.setUserData({ role: 'late' });
      c.setMeetingSessionData({ n: 2, topic: undefined }, 'shallow-merge');
      await waitFor(() => [a, b, c].every((call) => same(data(call), { n: 2 })), 3000, 'the merge everywhere', () => [a, b, c].map(data));
      await waitFor(() => ev.b.of('participant-updated').length > before, 3000, 'b sees c update');
      out.updated = ev.b.of('participant-updated').slice(before).map((e) => [names[e.participant.session_id], e.participant.userData]);
      out.cSelfUpdated = ev.c.of('participant-updated').map((e) => [e.participant.local, e.participant.userData]);

      await c.leave();
      const left = (log) => log.of('participant-left').map((e) => names[e.participant.session_id]);
      await waitFor(() => left(ev.a).length === 1 && left(ev.b).length === 1, 3000, 'a and b see c leave');
      out.left = { a: left(ev.a), b: left(ev.b), cLeftMeeting: ev.c.of('left-meeting').length };
      await Promise.all([a.leave(), b.leave()]);
      return { out, ids: { aId, bId, cId } };
    },
    { room: roomName('broadcast-core') },
  );
  const { aId } = ids;
  assert.deepEqual(out.bSeesA, { joinedMeeting: ['local'], participantJoined: 1 });
  assert.deepEqual(out.atJoin, out.late, 'the late joiner has it all as join() resolves');
  assert.deepEqual(out.late, {
    keys: ['local', ids.aId, ids.bId].sort(),
    userData: [{ color: 'red' }, { early: true }],
    state: { data: { topic: 'intro', n: 1 }, topology: 'none' },
  });
  assert.deepEqual(out.cAtA, remote(out.cLocal));
  assert.deepEqual(out.messages, {
    a: [['c', 'to a and b']],
    b: [['a', 'before c'], ['a', 'all'], ['c', 'to a and b']],
    c: [['a', 'all'], ['b', 'to c']],
  });
  assert.deepEqual(out.updated, [['c', { role: 'late' }]]);
  assert.deepEqual(out.cSelfUpdated, [[true, { role: 'late' }]]);
  assert.deepEqual(out.left, { a: ['c'], b: ['c'], cLeftMeeting: 1 });
});

// ---------------------------------------------------------------------------------------------
test('3. DailySync over the local room: messages, userData, throttled session data, dispose', async () => {
  const { out, ids } = await run(
    async ({ room }) => {
      const { DailySync } = window.lib;
      const { waitFor, collect, sleep, same, EVENTS } = window.lr;
      const make = window.lr.memoryRoom(room, { sessionDataSyncMs: 50 });
      const a = make('alice');
      const b = make('bob');
      const c = make('carol');
      const counts = (call) => Object.fromEntries(EVENTS.map((name) => [name, call.listenerCount(name)]));
      const base = { a: counts(a), b: counts(b), c: counts(c) };
      const sa = new DailySync(a, { sessionDataIntervalMs: 100 });
      const sb = new DailySync(b, { sessionDataIntervalMs: 100 });
      const sc = new DailySync(c, { sessionDataIntervalMs: 100 }); // before c joins
      const out = {};

      await sa.setUserData({ mood: 'early' }); // before join: carried into the join
      await a.join();
      await b.join();
      const aId = a.participants().local.session_id;
      const bId = b.participants().local.session_id;
      const msgA = collect(sa.appMessages());
      const msgB = collect(sb.appMessages());
      const msgC = collect(sc.appMessages());
      const updA = collect(sa.participantUpdates());
      const updB = collect(sb.participantUpdates());
      const statesA = collect(sa.sessionStates());
      const statesB = collect(sb.sessionStates());
      const statesC = collect(sc.sessionStates());
      out.listening = counts(a);

      // Session data: many quick merges from two writers converge.
      for (let i = 0; i < 30; i++) {
        sa.mergeSessionData({ [`a${i % 5}`]: i, shared: `a${i}` });
        if (i % 3 === 0) sb.mergeSessionData({ b: i });
        if (i % 10 === 0) await sleep(20);
      }
      out.localViewAtOnce = sa.sessionData();
      const expectedAB = { a0: 25, a1: 26, a2: 27, a3: 28, a4: 29, shared: 'a29', b: 27 };
      const view = (s) => s.sessionData();
      await waitFor(() => same(view(sa), expectedAB) && same(view(sb), expectedAB), 5000, 'a and b converge', () => [view(sa), view(sb)]);
      await waitFor(() => same(a.meetingSessionState().data, expectedAB) && same(b.meetingSessionState().data, expectedAB), 5000, 'the room state');

      // The late joiner.
      await c.join();
      const cId = c.participants().local.session_id;
      out.lateView = view(sc);
      await waitFor(() => same(view(sc), expectedAB), 5000, 'c converges', () => view(sc));
      // Each writer has its own keys here; one writer overwriting another's is the next test.
      for (let i = 0; i < 12; i++) sc.mergeSessionData({ c: i, [`c${i % 2}`]: i });
      const expected = { ...expectedAB, c: 11, c0: 10, c1: 11 };
      await waitFor(() => [sa, sb, sc].every((s) => same(view(s), expected)), 5000, 'all three converge', () => [sa, sb, sc].map(view));
      await waitFor(() => statesA.items.length && same(statesA.items.at(-1).data, expected), 5000, 'a state item');
      out.stateItems = {
        keys: [...new Set([statesA, statesB, statesC].flatMap((s) => s.items.map((item) => Object.keys(item).sort().join())))],
        topologies: [...new Set([statesA, statesB, statesC].flatMap((s) => s.items.map((item) => item.topology)))],
        last: [statesA, statesB, statesC].map((s) => s.items.at(-1)?.data),
        countA: statesA.items.length,
      };

      // App messages: broadcast, one id, an array.
      sa.sendAppMessage({ hi: 'all' });
      sa.sendAppMessage({ hi: 'c only' }, cId);
      sb.sendAppMessage({ hi: 'a and c' }, [aId, cId]);
      for (const s of [sa, sb, sc]) s.sendAppMessage({ end: true });
      const ends = (col) => col.items.filter((m) => m.data.end).length;
      await waitFor(() => [msgA, msgB, msgC].every((col) => ends(col) === 2), 3000, 'the end markers');
      const names = { [aId]: 'a', [bId]: 'b', [cId]: 'c' };
      const got = (col) => col.items.filter((m) => !m.data.end).map((m) => [names[m.fromId], m.data.hi]);
      out.messages = { a: got(msgA), b: got(msgB), c: got(msgC), keys: Object.keys(msgB.items[0]).sort() };

      // userData: participantUpdates() and participants().
      await sa.setUserData({ mood: 'happy' });
      await waitFor(() => updB.items.some((p) => p.userData?.mood === 'happy'), 3000, 'b sees a happy');
      out.updB = updB.items.filter((p) => p.sessionId === aId).at(-1);
      out.updA = updA.items.filter((p) => p.local).map((p) => p.userData);
      out.participantsB = sb.participants().sort((x, y) => (x.local === y.local ? 0 : x.local ? -1 : 1));
      out.participantsC = sc.participants().find((p) => p.sessionId === aId);

      // dispose() flushes what the throttle holds. A long interval: the merge is held, not sent.
      sb.dispose();
      out.bListenersAfterDispose = counts(b);
      const slow = new DailySync(b, { sessionDataIntervalMs: 60000 });
      slow.mergeSessionData({ z: 1 }); // the leading edge goes at once
      slow.mergeSessionData({ z: 2, w: 3 }); // held for a minute...
      await sleep(300);
      out.heldZ = a.meetingSessionState().data.z;
      slow.dispose(); // ...unless dispose flushes it
      await waitFor(() => a.meetingSessionState().data.w === 3, 5000, 'the flushed merge', () => a.meetingSessionState().data);
      out.flushed = { z: a.meetingSessionState().data.z, w: a.meetingSessionState().data.w, viewA: view(sa).w };

      sa.mergeSessionData({ last: 'a' });
      sa.mergeSessionData({ last: 'a2' });
      sa.dispose();
      sc.dispose();
      await waitFor(() => c.meetingSessionState().data.last === 'a2', 5000, 'a flushed on dispose');
      await sleep(50);
      out.iteratorsDone = [msgA, msgB, msgC, updA, updB, statesA, statesB, statesC].map((col) => col.done);
      out.disposed = [sa.disposed, sb.disposed, sc.disposed, slow.disposed];
      out.afterDispose = { a: counts(a), b: counts(b), c: counts(c) };
      out.base = base;
      out.useAfterDispose = (() => {
        try {
          sa.sendAppMessage({ x: 1 });
          return null;
        } catch (e) {
          return e.kind;
        }
      })();
      await Promise.all([a.leave(), b.leave(), c.leave()]);
      return { out, ids: { aId, bId, cId } };
    },
    { room: roomName('daily-sync') },
  );
  const { aId, bId } = ids;
  const expected = { a0: 25, a1: 26, a2: 27, a3: 28, a4: 29, shared: 'a29', b: 27, c: 11, c0: 10, c1: 11 };
  const { b: bSoFar, ...localChanges } = out.localViewAtOnce; // b's merges may have arrived already
  assert.deepEqual(localChanges, { a0: 25, a1: 26, a2: 27, a3: 28, a4: 29, shared: 'a29' }, 'the local view has the changes at once');
  assert.ok(bSoFar === undefined || (bSoFar >= 0 && bSoFar <= 27), `b: ${bSoFar}`);
  assert.deepEqual(out.lateView, { a0: 25, a1: 26, a2: 27, a3: 28, a4: 29, shared: 'a29', b: 27 }, 'the late joiner has the state at join');
  assert.deepEqual(out.stateItems.keys, ['data,topology']);
  assert.deepEqual(out.stateItems.topologies, ['none']);
  assert.deepEqual(out.stateItems.last, [expected, expected, expected]);
  assert.ok(out.stateItems.countA < 30, `throttled: ${out.stateItems.countA} states for 42 merges`);

  assert.deepEqual(out.messages, {
    a: [['b', 'a and c']],
    b: [['a', 'all']],
    c: [['a', 'all'], ['a', 'c only'], ['b', 'a and c']],
    keys: ['data', 'fromId'],
  });

  assert.deepEqual(out.updB, { sessionId: aId, userId: aId, userName: 'alice', local: false, owner: false, userData: { mood: 'happy' } });
  assert.deepEqual(out.updA, [{ mood: 'happy' }]);
  assert.equal(out.participantsB.length, 3);
  assert.deepEqual(out.participantsB[0], { sessionId: bId, userId: bId, userName: 'bob', local: true, owner: false, userData: undefined });
  assert.deepEqual(
    out.participantsB.find((p) => p.sessionId === aId),
    { sessionId: aId, userId: aId, userName: 'alice', local: false, owner: false, userData: { mood: 'happy' } },
  );
  assert.deepEqual(out.participantsB.find((p) => p.sessionId === ids.cId)?.userName, 'carol');
  assert.deepEqual(out.participantsC.userData, { mood: 'happy' });

  assert.equal(out.heldZ, 1, 'the long interval held the second merge');
  assert.deepEqual(out.flushed, { z: 2, w: 3, viewA: 3 });
  assert.deepEqual(out.iteratorsDone, [true, true, true, true, true, true, true, true], 'dispose ends the iterators');
  assert.deepEqual(out.disposed, [true, true, true, true]);
  assert.deepEqual(out.bListenersAfterDispose, out.base.b);
  assert.deepEqual(out.afterDispose, out.base, 'listenerCount is back where it was');
  assert.ok(Object.values(out.listening).some((n) => n > 0), 'DailySync listened while alive');
  assert.equal(out.useAfterDispose, 'disposed');
});

// ---------------------------------------------------------------------------------------------
test('3b. DailySync: after the room squashed two of our sends into one state, another writer\'s change shows', async () => {
  // The room (like Daily) broadcasts session state at most once per sessionDataSyncMs (1000 here),
  // so two sends of a faster DailySync (100 ms) land in one room state. Then a's change to the
  // same key must reach b's local view: b has nothing pending, the room's state is { k: 'a' }.
  const out = await run(
    async ({ room }) => {
      const { DailySync } = window.lib;
      const { waitFor, sleep, collect } = window.lr;
      const make = window.lr.memoryRoom(room, { sessionDataSyncMs: 1000 });
      const a = make('alice'); // the authority
      const b = make('bob');
      await a.join();
      await b.join();
      const sb = new DailySync(b, { sessionDataIntervalMs: 100 });
      const states = collect(sb.sessionStates());
      const roomState = () => b.meetingSessionState().data;
      sb.mergeSessionData({ k: 1 }); // sent at once, and broadcast at once
      await waitFor(() => roomState().k === 1, 3000, 'k 1');
      await sleep(150);
      sb.mergeSessionData({ k: 2 }); // sent, held by the room's pacing...
      await sleep(150);
      sb.mergeSessionData({ k: 3 }); // ...with this one: the next room state is { k: 3 }
      await waitFor(() => roomState().k === 3, 3000, 'k 3');
      const squashed = { room: roomState(), view: sb.sessionData() };

      a.setMeetingSessionData({ k: 'a' }, 'shallow-merge'); // another writer, same key
      await waitFor(() => roomState().k === 'a', 3000, "a's k");
      const atOnce = { room: roomState(), view: sb.sessionData(), lastItem: states.items.at(-1).data };
      let converged = true;
      try {
        await waitFor(() => sb.sessionData().k === 'a', 6000, 'the view'); // past the library's 5 s in-flight window too
      } catch {
        converged = false;
      }
      const later = { room: roomState(), view: sb.sessionData(), converged };
      sb.dispose();
      await Promise.all([a.leave(), b.leave()]);
      return { squashed, atOnce, later };
    },
    { room: roomName('daily-sync-squashed') },
  );
  assert.deepEqual(out.squashed, { room: { k: 3 }, view: { k: 3 } });
  assert.deepEqual(out.later, { room: { k: 'a' }, view: { k: 'a' }, converged: true }, "b's view follows the room");
  assert.deepEqual(out.atOnce, { room: { k: 'a' }, view: { k: 'a' }, lastItem: { k: 'a' } }, 'sessionStates() and sessionData() with the new state');
});

// ---------------------------------------------------------------------------------------------
test('4. two pages of one browser context: data flows both ways; closing one is a participant-left', async () => {
  const room = roomName('two-pages');
  const { context, page: one, errors } = await openPage(browser, server.url + PAGE);
  try {
    const two = await context.newPage();
    const errorsTwo = [];
    two.on('console', (msg) => msg.type() === 'error' && errorsTwo.push(`console: ${msg.text()}`));
    two.on('pageerror', (err) => errorsTwo.push(`pageerror: ${err.stack || err.message}`));
    await two.goto(server.url + PAGE);
    await Promise.all([load(one), load(two)]);

    const join = (page, userName) =>
      page.evaluate(
        async ({ room, userName }) => {
          window.call = window.lib.createLocalCallObject({ room, userName }); // the default transport
          window.ev = window.lr.record(window.call);
          await window.call.join();
          return window.call.participants().local.session_id;
        },
        { room, userName },
      );
    const id1 = await join(one, 'one');
    const id2 = await join(two, 'two');

    const exchange = (page, { me, other, value }) =>
      page.evaluate(
        async ({ me, other, value }) => {
          const { call, ev, lr } = window;
          await lr.waitFor(() => call.participants()[other], 5000, 'the other page');
          call.sendAppMessage({ from: me }, other);
          call.sendAppMessage({ all: me });
          await call.setUserData({ me });
          call.setMeetingSessionData({ [me]: value }, 'shallow-merge');
          const expected = { one: 1, two: 2 };
          await lr.waitFor(
            () =>
              ev.of('app-message').length === 2 &&
              call.participants()[other]?.userData?.me &&
              lr.same(call.meetingSessionState().data, expected),
            5000,
            'the other page’s data',
            () => ({ messages: ev.of('app-message'), other: call.participants()[other], state: call.meetingSessionState() }),
          );
          return {
            messages: ev.of('app-message').map((e) => [e.fromId === other, e.data]),
            otherUserData: call.participants()[other].userData,
            state: call.meetingSessionState(),
            joinedOther: ev.of('participant-joined').map((e) => e.participant.session_id),
          };
        },
        { me, other, value },
      );
    const [r1, r2] = await Promise.all([
      exchange(one, { me: 'one', other: id2, value: 1 }),
      exchange(two, { me: 'two', other: id1, value: 2 }),
    ]);
    const sorted = (messages) => messages.map((m) => JSON.stringify(m)).sort();
    assert.deepEqual(sorted(r1.messages), sorted([[true, { all: 'two' }], [true, { from: 'two' }]]));
    assert.deepEqual(sorted(r2.messages), sorted([[true, { all: 'one' }], [true, { from: 'one' }]]));
    assert.deepEqual([r1.otherUserData, r2.otherUserData], [{ me: 'two' }, { me: 'one' }]);
    const state = { data: { one: 1, two: 2 }, topology: 'none' };
    assert.deepEqual([r1.state, r2.state], [state, state]);
    assert.deepEqual(r1.joinedOther, [id2], 'page one saw page two join');

    // Closing page two: page one sees it leave (pagehide's leave, or the peer timeout).
    const closedAt = Date.now();
    await two.close();
    const left = await one.evaluate(
      async ({ id2 }) => {
        const { call, ev, lr } = window;
        const waited = await lr.waitFor(() => ev.of('participant-left').length > 0, 8000, 'participant-left for page two');
        return { ids: ev.of('participant-left').map((e) => e.participant.session_id), waited, participants: Object.keys(call.participants()), still: id2 in call.participants() };
      },
      { id2 },
    );
    const leftAfterMs = Date.now() - closedAt;
    assert.deepEqual(left.ids, [id2]);
    assert.equal(left.still, false);
    assert.deepEqual(left.participants, ['local']);
    assert.ok(leftAfterMs < 8000, `participant-left ${leftAfterMs} ms after close`);
    await one.evaluate(() => window.call.leave());
    assert.deepEqual(errors, []);
    assert.deepEqual(errorsTwo, []);
    console.log(`# page two's participant-left reached page one ${leftAfterMs} ms after page.close()`);
  } finally {
    await context.close();
  }
});
