// The local room (`createLocalCallObject`, pkg/ built by scripts/build.sh) in a real browser:
// three participants in one page (memory transport): joining and leaving, app messages, userData.
// Each is asserted on daily-js's call-object surface (events, payloads, exact error messages).
// Run: node --test tests/page/local-room-participants.test.mjs
//
// Each test opens its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/local-room-page.js as `window.lr` and daily-sync as `window.lib`) and uses its
// own room name, so tests never hear each other, even on BroadcastChannel. Waits are bounded
// (`lr.waitFor(predicate, timeoutMs, label)`) and timing bounds are loose: these machines are shared.
// The node side's helpers are in tests/page/fixtures/local-room-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { UUID, roomName, run, dailyError, remote, noMedia } from './fixtures/local-room-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('1. three participants in one page (memory transport), one joining late', () => {
  test('session ids, participants() shape, joining/joined-meeting, participant-joined/-left, left-meeting', async () => {
    const { out, ids } = await run(
      async ({ room }) => {
        const { record, waitFor, plain, thrown } = window.lr;
        const make = window.lr.memoryRoom(room);
        const view = (call) => Object.fromEntries(Object.entries(call.participants()).map(([k, p]) => [k, plain(p)]));
        const a = make('alice', { userId: 'user-a', owner: true });
        const b = make('bob');
        const c = make('carol');
        const ev = { a: record(a), b: record(b), c: record(c) };
        const out = {};

        out.beforeJoin = {
          state: a.meetingState(),
          participants: a.participants(),
          sessionState: thrown(() => a.meetingSessionState()),
        };
        const joining = a.join();
        out.whileJoining = a.meetingState();
        const resolved = await joining;
        out.resolved = Object.fromEntries(Object.entries(resolved).map(([k, p]) => [k, plain(p)]));
        out.afterJoin = a.meetingState();
        const aId = a.participants().local.session_id;

        await b.join();
        const bId = b.participants().local.session_id;
        await waitFor(() => ev.a.of('participant-joined').length >= 1, 3000, 'a sees b join');

        await c.join({ userName: 'Carol' }); // join's userName overrides the option
        const cId = c.participants().local.session_id;
        const sawC = (log) => log.of('participant-joined').some((e) => e.participant.session_id === cId);
        await waitFor(() => sawC(ev.a) && sawC(ev.b), 3000, 'a and b see c join');
        await waitFor(() => ev.c.of('participant-joined').length === 2, 3000, 'c hears of a and b');

        out.views = { a: view(a), b: view(b), c: view(c) };
        out.joinedMeeting = Object.fromEntries(
          Object.entries(ev).map(([k, log]) => [k, log.of('joined-meeting').map((e) => Object.keys(e.participants).sort())]),
        );
        out.cJoinedMeetingLocal = plain(ev.c.of('joined-meeting')[0].participants.local);
        out.firstEvents = Object.fromEntries(Object.entries(ev).map(([k, log]) => [k, log.all.slice(0, 2).map((e) => e.name)]));
        out.participantJoined = {
          a: ev.a.of('participant-joined').map((e) => plain(e.participant)),
          b: ev.b.of('participant-joined').map((e) => plain(e.participant)),
          c: ev.c.of('participant-joined').map((e) => plain(e.participant)),
        };

        // c leaves: left-meeting for c; participant-left for c at a and b.
        const leaving = c.leave();
        out.leaveResolvedWith = await leaving;
        out.cAfterLeave = {
          state: c.meetingState(),
          leftMeeting: ev.c.of('left-meeting'),
          participantLeft: ev.c.of('participant-left').length,
        };
        const leftIds = (log) => log.of('participant-left').map((e) => e.participant.session_id);
        await waitFor(() => leftIds(ev.a).length === 1 && leftIds(ev.b).length === 1, 3000, 'a and b see c leave');
        out.cLeft = { a: plain(ev.a.of('participant-left')[0].participant), b: plain(ev.b.of('participant-left')[0].participant) };
        out.afterCLeft = { a: Object.keys(a.participants()).sort(), b: Object.keys(b.participants()).sort() };

        await b.leave();
        await waitFor(() => leftIds(ev.a).length === 2, 3000, 'a sees b leave');
        out.aLeftIds = leftIds(ev.a);
        await a.leave();
        out.final = {
          states: [a.meetingState(), b.meetingState(), c.meetingState()],
          leftMeeting: [ev.a, ev.b, ev.c].map((log) => log.of('left-meeting').length),
          bLeftIds: leftIds(ev.b),
          aParticipants: a.participants(),
          sessionStateAfterLeave: thrown(() => a.meetingSessionState()),
          leaveAgain: await a.leave(),
        };
        out.badActions = window.lr.badActions([ev.a, ev.b, ev.c]);
        return { out, ids: { aId, bId, cId } };
      },
      { room: roomName('membership') },
    );
    const { aId, bId, cId } = ids;

    assert.deepEqual(out.beforeJoin, {
      state: 'new',
      participants: {},
      sessionState: dailyError('meetingSessionState only supported after join.'),
    });
    assert.equal(out.whileJoining, 'joining-meeting');
    assert.equal(out.afterJoin, 'joined-meeting');
    for (const id of [aId, bId, cId]) assert.match(id, UUID);
    assert.equal(new Set([aId, bId, cId]).size, 3, 'session ids are unique');

    // participants(): `local` for oneself, the others by session id, daily-js's fields.
    const { a, b, c } = out.views;
    assert.deepEqual(Object.keys(a).sort(), ['local', bId, cId].sort());
    assert.deepEqual(Object.keys(b).sort(), ['local', aId, cId].sort());
    assert.deepEqual(Object.keys(c).sort(), ['local', aId, bId].sort());
    const joinedAt = (p) => p.joined_at.ms;
    assert.deepEqual(a.local, {
      session_id: aId,
      user_id: 'user-a',
      user_name: 'alice',
      local: true,
      owner: true,
      joined_at: { isDate: true, ms: joinedAt(a.local) },
      ...noMedia({ owner: true }),
    });
    assert.deepEqual(b.local, {
      session_id: bId,
      user_id: bId, // no userId: the session id, as daily-js has it
      user_name: 'bob',
      local: true,
      owner: false,
      joined_at: { isDate: true, ms: joinedAt(b.local) },
      ...noMedia(),
    });
    assert.equal(c.local.user_name, 'Carol');
    assert.ok(Math.abs(joinedAt(a.local) - Date.now()) < 120_000, 'joined_at is a wall-clock time');
    assert.ok(joinedAt(a.local) <= joinedAt(b.local) && joinedAt(b.local) <= joinedAt(c.local), 'joined_at in join order');
    // Everyone sees the same participant, `local: false` but for itself.
    assert.deepEqual(b[aId], remote(a.local));
    assert.deepEqual(c[aId], remote(a.local));
    assert.deepEqual(a[bId], remote(b.local));
    assert.deepEqual(c[bId], remote(b.local));
    assert.deepEqual(a[cId], remote(c.local));
    assert.deepEqual(b[cId], remote(c.local));

    // As daily-js: join() resolves with the local participant, which joined-meeting carries alone;
    // joining-meeting comes first; each participant already there follows as participant-joined.
    assert.deepEqual(Object.keys(out.resolved), ['local']);
    assert.equal(out.resolved.local.session_id, aId);
    assert.deepEqual(out.joinedMeeting, { a: [['local']], b: [['local']], c: [['local']] });
    assert.deepEqual(out.participantJoined.c.map((p) => p.session_id), [aId, bId]);
    assert.deepEqual(out.participantJoined.c[0], remote(a.local));
    assert.deepEqual(out.cJoinedMeetingLocal, c.local);
    for (const k of ['a', 'b', 'c']) assert.deepEqual(out.firstEvents[k], ['joining-meeting', 'joined-meeting'], k);

    // participant-joined: the others see each newcomer, with its participant.
    assert.deepEqual(out.participantJoined.a.map((p) => p.session_id), [bId, cId]);
    assert.deepEqual(out.participantJoined.a[1], remote(c.local));
    assert.ok(out.participantJoined.b.some((p) => p.session_id === cId), 'b sees c join');
    assert.ok(!out.participantJoined.b.some((p) => p.session_id === bId), 'no participant-joined for oneself');

    // Leaving.
    assert.equal(out.leaveResolvedWith, undefined);
    assert.deepEqual(out.cAfterLeave, { state: 'left-meeting', leftMeeting: [{ action: 'left-meeting' }], participantLeft: 0 });
    assert.deepEqual(out.cLeft.a, remote(c.local));
    assert.deepEqual(out.cLeft.b, remote(c.local));
    assert.deepEqual(out.afterCLeft.a, ['local', bId].sort());
    assert.deepEqual(out.afterCLeft.b, ['local', aId].sort());
    assert.deepEqual(out.aLeftIds, [cId, bId]);
    assert.deepEqual(out.final, {
      states: ['left-meeting', 'left-meeting', 'left-meeting'],
      leftMeeting: [1, 1, 1],
      bLeftIds: [cId], // not a for b's own leave
      aParticipants: {},
      sessionStateAfterLeave: dailyError('meetingSessionState only supported after join.'),
      leaveAgain: undefined,
    });
    assert.deepEqual(out.badActions, [], 'every payload has its event name as action');
  });

  test('join() again while joined resolves (daily-js warns "already joined meeting" and resolves)', async () => {
    const out = await run(
      async ({ room }) => {
        const { createLocalCallObject } = window.lib;
        const { rejection } = window.lr;
        const a = createLocalCallObject({ room, transport: 'memory' });
        await a.join();
        const id = a.participants().local.session_id;
        const out = { again: await rejection(() => a.join()) };
        out.sameSession = a.participants().local.session_id === id;
        out.state = a.meetingState();
        await a.leave();
        return out;
      },
      { room: roomName('join-twice') },
    );
    assert.deepEqual(out, { again: null, sameSession: true, state: 'joined-meeting' });
  });

  test('leave() then join() again: a new session, and the last userData is carried (daily-js keeps it in properties)', async () => {
    const out = await run(
      async ({ room }) => {
        const { createLocalCallObject } = window.lib;
        const { record, waitFor } = window.lr;
        const a = createLocalCallObject({ room, transport: 'memory', userName: 'alice' });
        const b = createLocalCallObject({ room, transport: 'memory', userName: 'bob' });
        const ev = record(a);
        await a.join();
        await b.setUserData({ v: 'before the first join' });
        await b.join();
        const first = b.participants().local.session_id;
        await b.setUserData({ v: 'while joined' });
        await b.leave();
        await waitFor(() => ev.of('participant-left').length === 1, 3000, 'a sees b leave');
        await b.join();
        const second = b.participants().local.session_id;
        await waitFor(() => a.participants()[second], 3000, 'a sees b again');
        const out = {
          newSession: second !== first,
          state: b.meetingState(),
          joinedIds: ev.of('participant-joined').map((e) => (e.participant.session_id === first ? 'first' : 'second')),
          local: b.participants().local.userData ?? null,
          atA: a.participants()[second].userData ?? null,
        };
        await Promise.all([a.leave(), b.leave()]);
        return out;
      },
      { room: roomName('rejoin') },
    );
    assert.deepEqual(out, {
      newSession: true,
      state: 'joined-meeting',
      joinedIds: ['first', 'second'],
      local: { v: 'while joined' },
      atA: { v: 'while joined' },
    });
  });

  test('app messages: broadcast, targeted (one id, an array), none before join, 4096 limit', async () => {
    const { out, ids } = await run(
      async ({ room }) => {
        const { record, waitFor, thrown } = window.lr;
        const make = window.lr.memoryRoom(room);
        const a = make('alice');
        const b = make('bob');
        const c = make('carol');
        const ev = { a: record(a, ['app-message']), b: record(b, ['app-message']), c: record(c, ['app-message']) };
        const out = {};
        out.beforeJoin = thrown(() => a.sendAppMessage({ n: 0 }));
        await a.join();
        await b.join();
        const aId = a.participants().local.session_id;
        const bId = b.participants().local.session_id;

        // Sent before c joins: c must never get them.
        a.sendAppMessage({ n: 'before c, broadcast' });
        b.sendAppMessage({ n: 'before c, to a' }, aId);
        const cJoining = c.join();
        a.sendAppMessage({ n: 'before c joined, broadcast' }); // sent while c is joining
        await cJoining;
        const cId = c.participants().local.session_id;

        out.returned = a.sendAppMessage({ n: 1 }) === a; // daily-js returns the call object
        a.sendAppMessage({ n: 2 }, '*');
        b.sendAppMessage({ n: 3 }, aId);
        b.sendAppMessage({ n: 4 }, [aId, cId]);
        c.sendAppMessage({ n: 5 }, [bId]);
        a.sendAppMessage({ n: 6 }, cId);
        a.sendAppMessage('x'.repeat(4094), bId); // JSON.stringify length 4096: at the limit
        out.tooLarge = {
          string: thrown(() => a.sendAppMessage('x'.repeat(4095))), // 4097
          object: thrown(() => c.sendAppMessage({ big: 'y'.repeat(5000) }, aId)),
        };
        // A last broadcast from each: once everyone has all of them, everything sent earlier arrived.
        for (const [call, name] of [[a, 'a'], [b, 'b'], [c, 'c']]) call.sendAppMessage({ end: name });
        const ends = (log) => log.of('app-message').filter((e) => e.data?.end).length;
        await waitFor(() => ends(ev.a) === 2 && ends(ev.b) === 2 && ends(ev.c) === 2, 3000, 'the end markers');
        await new Promise((resolve) => setTimeout(resolve, 100)); // nothing else may follow

        const received = (log) => {
          const by = {};
          for (const e of log.of('app-message')) {
            const from = e.fromId === aId ? 'a' : e.fromId === bId ? 'b' : e.fromId === cId ? 'c' : e.fromId;
            const data = typeof e.data === 'string' ? `string of ${e.data.length}` : e.data;
            (by[from] ??= []).push(data);
          }
          return by;
        };
        out.received = { a: received(ev.a), b: received(ev.b), c: received(ev.c) };
        out.payloadKeys = Object.keys(ev.b.of('app-message')[0]).sort();
        await a.leave();
        out.afterLeave = thrown(() => a.sendAppMessage({ n: 7 }));
        await Promise.all([b.leave(), c.leave()]);
        return { out, ids: { aId, bId, cId } };
      },
      { room: roomName('app-messages') },
    );
    const notJoined = dailyError('sendAppMessage() only supported after join.');
    const tooLarge = dailyError('Message data too large. Max size is 4096');
    assert.deepEqual(out.beforeJoin, notJoined);
    assert.deepEqual(out.afterLeave, notJoined);
    assert.deepEqual(out.tooLarge, { string: tooLarge, object: tooLarge });
    assert.equal(out.returned, true, 'sendAppMessage returns the call object');
    assert.deepEqual(out.payloadKeys, ['action', 'data', 'fromId']);
    assert.deepEqual(out.received.a, {
      b: [{ n: 'before c, to a' }, { n: 3 }, { n: 4 }, { end: 'b' }],
      c: [{ end: 'c' }],
    });
    assert.deepEqual(out.received.b, {
      a: [
        { n: 'before c, broadcast' },
        { n: 'before c joined, broadcast' },
        { n: 1 },
        { n: 2 },
        'string of 4094',
        { end: 'a' },
      ],
      c: [{ n: 5 }, { end: 'c' }],
    });
    // The late joiner: nothing sent before its join() (a message sent while it was joining is
    // not asserted either way).
    const cFromA = out.received.c.a.filter((d) => d.n !== 'before c joined, broadcast');
    assert.deepEqual(cFromA, [{ n: 1 }, { n: 2 }, { n: 6 }, { end: 'a' }]);
    assert.deepEqual(out.received.c.b, [{ n: 4 }, { end: 'b' }]);
    assert.deepEqual(Object.keys(out.received.c).sort(), ['a', 'b'], 'never echoed to the sender');
    assert.ok(ids.aId && ids.bId && ids.cId);
  });

  test('userData: set before join, late joiner sees it, participant-updated (also local), size limit', async () => {
    const { out, ids } = await run(
      async ({ room }) => {
        const { record, waitFor, rejection, plain } = window.lr;
        const make = window.lr.memoryRoom(room);
        const a = make('alice');
        const b = make('bob');
        const c = make('carol');
        const ev = { a: record(a), b: record(b), c: record(c) };
        const out = {};
        const updates = (log) => log.of('participant-updated').map((e) => [e.participant.session_id, e.participant.local, e.participant.userData]);

        out.setBeforeJoin = await b.setUserData({ early: true });
        await a.join();
        const aId = a.participants().local.session_id;
        out.aSetResult = await a.setUserData({ color: 'red' });
        await b.join();
        const bId = b.participants().local.session_id;
        out.bLocal = b.participants().local.userData;
        out.bJoinedMeetingLocal = ev.b.of('joined-meeting')[0].participants.local.userData;
        out.bSeesA = b.participants()[aId].userData;
        await waitFor(() => ev.a.of('participant-joined').length === 1, 3000, 'a sees b join');
        out.aSawBJoin = ev.a.of('participant-joined')[0].participant.userData;
        out.aSeesB = a.participants()[bId].userData;

        // The late joiner, with userData in join(): sees both at once; the others see its own.
        await c.join({ userData: { role: 'late' } });
        const cId = c.participants().local.session_id;
        out.cSees = { a: c.participants()[aId].userData, b: c.participants()[bId].userData, local: c.participants().local.userData };
        await waitFor(() => a.participants()[cId] && b.participants()[cId], 3000, 'a and b see c');
        out.othersSeeC = [a.participants()[cId].userData, b.participants()[cId].userData];

        // A change: participant-updated at the others and, local: true, at oneself.
        const before = { a: updates(ev.a).length, b: updates(ev.b).length, c: updates(ev.c).length };
        await a.setUserData({ color: 'blue' });
        out.aLocalAtOnce = [a.participants().local.userData, updates(ev.a).slice(before.a)];
        const blue = (log, n) => updates(log).slice(n).some(([id, , data]) => id === aId && data?.color === 'blue');
        await waitFor(() => blue(ev.b, before.b) && blue(ev.c, before.c), 3000, 'b and c see blue');
        out.bUpdated = updates(ev.b).slice(before.b);
        out.cUpdated = updates(ev.c).slice(before.c);
        out.bUpdatedParticipant = plain(ev.b.of('participant-updated').at(-1).participant);
        out.aLocal = plain(a.participants().local);
        out.views = [b.participants()[aId].userData, c.participants()[aId].userData];

        // Too large: daily-js's exact message, with JSON.stringify's length (a string's own length).
        const big = { s: 'x'.repeat(4100) };
        out.tooLarge = {
          object: await rejection(() => a.setUserData(big)),
          objectLength: JSON.stringify(big).length,
          string: await rejection(() => a.setUserData('x'.repeat(4097))),
          beforeJoin: await rejection(() => make('dora').setUserData(big)),
        };
        out.atLimit = {
          object: await rejection(() => a.setUserData({ s: 'x'.repeat(4088) })), // 4096 as JSON
        };
        out.afterRefusals = a.participants().local.userData.s.length;
        await Promise.all([a.leave(), b.leave(), c.leave()]);
        return { out, ids: { aId, bId, cId } };
      },
      { room: roomName('user-data') },
    );
    const { aId } = ids;
    assert.deepEqual(out.setBeforeJoin, { userData: { early: true } });
    assert.deepEqual(out.aSetResult, { userData: { color: 'red' } });
    assert.deepEqual(out.bLocal, { early: true }, 'userData set before join is applied on join');
    assert.deepEqual(out.bJoinedMeetingLocal, { early: true });
    assert.deepEqual(out.bSeesA, { color: 'red' });
    assert.deepEqual(out.aSawBJoin, { early: true });
    assert.deepEqual(out.aSeesB, { early: true });
    assert.deepEqual(out.cSees, { a: { color: 'red' }, b: { early: true }, local: { role: 'late' } });
    assert.deepEqual(out.othersSeeC, [{ role: 'late' }, { role: 'late' }]);

    assert.deepEqual(out.aLocalAtOnce, [{ color: 'blue' }, [[aId, true, { color: 'blue' }]]]);
    assert.deepEqual(out.bUpdated, [[aId, false, { color: 'blue' }]]);
    assert.deepEqual(out.cUpdated, [[aId, false, { color: 'blue' }]]);
    assert.deepEqual(out.bUpdatedParticipant, remote(out.aLocal));
    assert.deepEqual(out.views, [{ color: 'blue' }, { color: 'blue' }]);

    // setUserData returns a promise that rejects, as daily-js's does.
    const tooLarge = (n) => ({ ...dailyError(`userData is too large (${n} characters). Maximum size suppported is 4096.`), synchronous: false });
    assert.deepEqual(out.tooLarge, {
      object: tooLarge(out.tooLarge.objectLength),
      objectLength: 4108,
      string: tooLarge(4097),
      beforeJoin: tooLarge(4108),
    });
    assert.deepEqual(out.atLimit, { object: null }, 'userData of exactly 4096 characters is accepted');
    assert.equal(out.afterRefusals, 4088);
  });

  test('userData: a string of up to 4096 characters is accepted, as daily-js measures it', async () => {
    // daily-js measures a string userData by its own length, not JSON.stringify's (2 more): a
    // 4096-character string is within the limit, before join and after.
    const out = await run(
      async ({ room }) => {
        const { createLocalCallObject } = window.lib;
        const { rejection, waitFor } = window.lr;
        const a = createLocalCallObject({ room, transport: 'memory' });
        const b = createLocalCallObject({ room, transport: 'memory' });
        await b.join();
        const out = { beforeJoin: await rejection(() => a.setUserData('x'.repeat(4096))) };
        await a.join();
        const aId = a.participants().local.session_id;
        out.appliedOnJoin = a.participants().local.userData?.length ?? null; // kept for the join?
        out.joined = await rejection(() => a.setUserData('y'.repeat(4096)));
        out.local = a.participants().local.userData?.length ?? null;
        await waitFor(() => b.participants()[aId], 3000, 'b sees a');
        await new Promise((resolve) => setTimeout(resolve, 200));
        out.atB = b.participants()[aId].userData?.length ?? null;
        await Promise.all([a.leave(), b.leave()]);
        return out;
      },
      { room: roomName('user-data-string') },
    );
    assert.deepEqual(out, { beforeJoin: null, appliedOnJoin: 4096, joined: null, local: 4096, atB: 4096 });
  });

  test('userDataDelayMs delays a change and converges on the last of several quick ones', async () => {
    const out = await run(
      async ({ room }) => {
        const { record, waitFor, sleep } = window.lr;
        const make = window.lr.memoryRoom(room, { userDataDelayMs: 300 });
        const a = make('alice');
        const b = make('bob');
        const ev = { a: record(a, ['participant-updated']), b: record(b, ['participant-updated']) };
        await a.join();
        await b.join();
        const aId = a.participants().local.session_id;
        const seen = () => b.participants()[aId]?.userData?.v;
        const out = {};

        // Five changes in one go.
        const t0 = Date.now();
        for (let v = 1; v <= 5; v++) await a.setUserData({ v });
        out.localAtOnce = [a.participants().local.userData, ev.a.of('participant-updated').map((e) => [e.participant.local, e.participant.userData.v])];
        out.seenAtOnce = seen() ?? null;
        await waitFor(() => seen() === 5, 5000, 'b sees v 5', () => b.participants()[aId]);
        const arrivals = ev.b.at('participant-updated');
        out.firstArrivalMs = arrivals[0] - t0;
        out.bUpdates = ev.b.of('participant-updated').map((e) => e.participant.userData.v);

        // Three more, spread over less than the delay: the last one arrives.
        for (let v = 6; v <= 8; v++) {
          await a.setUserData({ v });
          await sleep(60);
        }
        await waitFor(() => seen() === 8, 5000, 'b sees v 8', () => b.participants()[aId]);
        await sleep(400); // nothing older may arrive after the last
        out.final = seen();
        out.bUpdatesAll = ev.b.of('participant-updated').map((e) => e.participant.userData.v);
        await Promise.all([a.leave(), b.leave()]);
        return out;
      },
      { room: roomName('user-data-delay') },
    );
    assert.deepEqual(out.localAtOnce, [{ v: 5 }, [[true, 1], [true, 2], [true, 3], [true, 4], [true, 5]]], 'the local participant updates at once');
    assert.equal(out.seenAtOnce, null, 'the others do not see it at once');
    assert.ok(out.firstArrivalMs >= 250, `delayed by about 300 ms (first arrival after ${out.firstArrivalMs} ms)`);
    assert.deepEqual(out.bUpdates, [5], 'the quick changes arrive as one, the last');
    assert.equal(out.final, 8);
    assert.equal(out.bUpdatesAll.at(-1), 8);
    assert.ok(out.bUpdatesAll.length <= 4, `coalesced: ${JSON.stringify(out.bUpdatesAll)}`);
    const sorted = [...out.bUpdatesAll].sort((x, y) => x - y);
    assert.deepEqual(out.bUpdatesAll, sorted, 'never an older value after a newer one');
  });
});
