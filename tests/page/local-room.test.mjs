// The local room (`createLocalCallObject`, pkg/ built by scripts/build.sh) in a real browser: its
// acceptance criteria, each asserted on daily-js's call-object surface (events, payloads, exact
// error messages), and DailySync over it. Run: node --test tests/page/local-room.test.mjs
//
// Each test opens its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/local-room-page.js as `window.lr` and daily-sync as `window.lib`) and uses its
// own room name, so tests never hear each other, even on BroadcastChannel. Waits are bounded
// (`lr.waitFor(predicate, timeoutMs, label)`) and timing bounds are loose: these machines are shared.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { browser, openPage, serveRepository, server } from './harness.mjs';

const PAGE = '/tests/page/fixtures/blank.html';
const HELPERS = '/tests/page/fixtures/local-room-page.js';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

serveRepository();

/** A room name no other test (nor an earlier run in the same browser) uses. */
function roomName(label) {
  return `${label}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** Loads the helpers and daily-sync into `page`. */
async function load(page) {
  await page.evaluate(async (helpers) => {
    window.lr = await import(helpers);
    window.lib = await window.lr.setup();
  }, HELPERS);
}

/** Runs `fn(arg)` in a fresh page, checks the page logged no error, and returns what `fn` returned. */
async function run(fn, arg) {
  const { context, page, errors } = await openPage(browser, server.url + PAGE);
  try {
    await load(page);
    const result = await page.evaluate(fn, arg);
    assert.deepEqual(errors, [], 'the page logged no error and threw nothing uncaught');
    return result;
  } finally {
    await context.close();
  }
}

/** An error daily-js throws (a plain Error with no kind), as `lr.thrown` describes it. */
const dailyError = (message) => ({ isError: true, isRuntimeError: false, kind: undefined, size: undefined, limit: undefined, message });

/** A participant (as `lr.plain` made it) as the others see it. */
const remote = (p) => ({ ...p, local: false });

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

        out.views = { a: view(a), b: view(b), c: view(c) };
        out.joinedMeeting = Object.fromEntries(
          Object.entries(ev).map(([k, log]) => [k, log.of('joined-meeting').map((e) => Object.keys(e.participants).sort())]),
        );
        out.cJoinedMeetingLocal = plain(ev.c.of('joined-meeting')[0].participants.local);
        out.firstEvents = Object.fromEntries(Object.entries(ev).map(([k, log]) => [k, log.all.slice(0, 2).map((e) => e.name)]));
        out.participantJoined = {
          a: ev.a.of('participant-joined').map((e) => plain(e.participant)),
          b: ev.b.of('participant-joined').map((e) => plain(e.participant)),
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
      tracks: {},
    });
    assert.deepEqual(b.local, {
      session_id: bId,
      user_id: bId, // no userId: the session id, as daily-js has it
      user_name: 'bob',
      local: true,
      owner: false,
      joined_at: { isDate: true, ms: joinedAt(b.local) },
      tracks: {},
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

    // join() resolves with participants(); joined-meeting carries them; joining-meeting comes first.
    assert.deepEqual(Object.keys(out.resolved), ['local']);
    assert.equal(out.resolved.local.session_id, aId);
    assert.deepEqual(out.joinedMeeting.a, [['local']]);
    assert.deepEqual(out.joinedMeeting.b, [['local', aId].sort()]);
    assert.deepEqual(out.joinedMeeting.c, [['local', aId, bId].sort()]);
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

  test('session data: replace, shallow merge, late joiner state at join, errors', async () => {
    const { out } = await run(
      async ({ room }) => {
        const { record, waitFor, thrown, same } = window.lr;
        const make = window.lr.memoryRoom(room, { sessionDataSyncMs: 50 });
        const a = make('alice');
        const b = make('bob');
        const c = make('carol');
        const ev = { a: record(a), b: record(b), c: record(c) };
        const out = {};
        const data = (call) => call.meetingSessionState().data;
        const everywhere = (calls, expected, label) =>
          waitFor(() => calls.every((call) => same(data(call), expected)), 5000, label, () => calls.map(data));
        const lastEvent = (log) => log.of('meeting-session-state-updated').at(-1)?.meetingSessionState;

        out.beforeJoin = thrown(() => a.setMeetingSessionData({ x: 1 }));
        await a.join();
        await b.join();
        out.initial = [a.meetingSessionState(), b.meetingSessionState()];

        // replace
        a.setMeetingSessionData({ topic: 'x', nested: { a: 1, b: 2 }, count: 1 });
        await everywhere([a, b], { topic: 'x', nested: { a: 1, b: 2 }, count: 1 }, 'the first replace');
        out.replaceEvents = [lastEvent(ev.a), lastEvent(ev.b)];

        // shallow merge: undefined deletes, a nested object is replaced whole
        b.setMeetingSessionData({ count: 2, topic: undefined, nested: { c: 3 } }, 'shallow-merge');
        await everywhere([a, b], { count: 2, nested: { c: 3 } }, 'the merge');
        out.mergeEvents = [lastEvent(ev.a), lastEvent(ev.b)];
        out.mergeState = [a.meetingSessionState(), b.meetingSessionState()];

        // the late joiner has the state as join() resolves
        await c.join();
        out.lateJoiner = c.meetingSessionState();

        // replace from the late joiner; undefined values are left out
        c.setMeetingSessionData({ only: true, gone: undefined }, 'replace');
        await everywhere([a, b, c], { only: true }, 'the late joiner replace');
        out.afterReplace = [a, b, c].map((call) => call.meetingSessionState());
        out.replaceKeys = Object.keys(data(a));

        // a merge that changes nothing, and an empty merge: no event
        const counts = () => [ev.a, ev.b, ev.c].map((log) => log.of('meeting-session-state-updated').length);
        const before = counts();
        a.setMeetingSessionData({ only: true }, 'shallow-merge');
        b.setMeetingSessionData({}, 'shallow-merge');
        await new Promise((resolve) => setTimeout(resolve, 300));
        out.noChangeEvents = [before, counts()];

        // what daily-js refuses, word for word
        const big = { big: 'x'.repeat(102400) };
        class NotPlain {}
        out.refused = {
          map: thrown(() => a.setMeetingSessionData(new Map([['a', 1]]))),
          array: thrown(() => a.setMeetingSessionData([1, 2])),
          null: thrown(() => a.setMeetingSessionData(null)),
          string: thrown(() => a.setMeetingSessionData('text')),
          date: thrown(() => a.setMeetingSessionData(new Date())),
          instance: thrown(() => b.setMeetingSessionData(new NotPlain(), 'shallow-merge')),
          strategy: thrown(() => a.setMeetingSessionData({ a: 1 }, 'deep-merge')),
          tooLarge: thrown(() => a.setMeetingSessionData(big)),
          tooLargeMerge: thrown(() => c.setMeetingSessionData(big, 'shallow-merge')),
          tooLargeLength: JSON.stringify(big).length,
        };
        out.nullPrototype = thrown(() => a.setMeetingSessionData(Object.assign(Object.create(null), { proto: 'none' }), 'shallow-merge'));
        await everywhere([a, b, c], { only: true, proto: 'none' }, 'the null-prototype merge');
        out.errorsSeen = [ev.a, ev.b, ev.c].map((log) => log.of('nonfatal-error').length);

        await Promise.all([a.leave(), b.leave(), c.leave()]);
        out.afterLeave = thrown(() => a.setMeetingSessionData({ x: 1 }));
        return { out };
      },
      { room: roomName('session-data') },
    );
    const state = (data) => ({ data, topology: 'none' });
    const notJoined = dailyError('setMeetingSessionData only supported after join.');
    assert.deepEqual(out.beforeJoin, notJoined);
    assert.deepEqual(out.afterLeave, notJoined);
    assert.deepEqual(out.initial, [state({}), state({})]);
    const first = { topic: 'x', nested: { a: 1, b: 2 }, count: 1 };
    assert.deepEqual(out.replaceEvents, [state(first), state(first)], 'the writer hears its own update too');
    assert.deepEqual(out.mergeEvents, [state({ count: 2, nested: { c: 3 } }), state({ count: 2, nested: { c: 3 } })]);
    assert.deepEqual(out.mergeState, [state({ count: 2, nested: { c: 3 } }), state({ count: 2, nested: { c: 3 } })]);
    assert.deepEqual(out.lateJoiner, state({ count: 2, nested: { c: 3 } }), 'the late joiner has the state as join() resolves');
    assert.deepEqual(out.afterReplace, [state({ only: true }), state({ only: true }), state({ only: true })]);
    assert.deepEqual(out.replaceKeys, ['only']);
    assert.deepEqual(out.noChangeEvents[1], out.noChangeEvents[0], 'no event for a merge that changes nothing');
    const plainOnly = dailyError('Meeting session data must be a plain (map-like) object');
    const tooLarge = dailyError(
      `Meeting session data is too large (${out.refused.tooLargeLength} characters). Maximum size suppported is 102400.`,
    );
    assert.deepEqual(out.refused, {
      map: plainOnly,
      array: plainOnly,
      null: plainOnly,
      string: plainOnly,
      date: plainOnly,
      instance: plainOnly,
      strategy: dailyError('Unrecognized mergeStrategy provided. Options are: [replace,shallow-merge]'),
      tooLarge,
      tooLargeMerge: tooLarge,
      tooLargeLength: 102410,
    });
    assert.equal(out.nullPrototype, null, 'an object with a null prototype is plain');
    assert.deepEqual(out.errorsSeen, [0, 0, 0]);
  });

  test('session data: a merged state over 102400 gives the writer a nonfatal-error and the state stays', async () => {
    const out = await run(
      async ({ room }) => {
        const { record, waitFor, same } = window.lr;
        const make = window.lr.memoryRoom(room, { sessionDataSyncMs: 50 });
        const a = make('alice'); // joins first: the state's authority
        const b = make('bob');
        const c = make('carol');
        const ev = { a: record(a), b: record(b), c: record(c) };
        const data = (call) => call.meetingSessionState().data;
        const everywhere = (expected, label) =>
          waitFor(() => [a, b, c].every((call) => same(data(call), expected)), 5000, label, () => [a, b, c].map((x) => Object.keys(data(x))));
        const errors = (log) => log.of('nonfatal-error');
        await a.join();
        await b.join();
        await c.join();
        const out = {};

        const p1 = 'x'.repeat(60000);
        a.setMeetingSessionData({ p1 });
        await everywhere({ p1 }, 'p1 everywhere');

        // b (not the authority) merges what would make the state too large.
        const p2 = 'y'.repeat(60000);
        out.bThrew = (() => {
          try {
            b.setMeetingSessionData({ p2 }, 'shallow-merge'); // the update alone is within the limit
            return null;
          } catch (e) {
            return e.message;
          }
        })();
        out.expectedLength = JSON.stringify({ p1, p2 }).length;
        await waitFor(() => errors(ev.b).length === 1, 5000, 'b gets a nonfatal-error');
        out.bError = errors(ev.b)[0];
        b.setMeetingSessionData({ small: 1 }, 'shallow-merge'); // the next update goes through
        await everywhere({ p1, small: 1 }, 'the state stays, then takes the next update');

        // a (the authority) does the same.
        a.setMeetingSessionData({ p3: 'z'.repeat(60000) }, 'shallow-merge');
        await waitFor(() => errors(ev.a).length === 1, 5000, 'a gets a nonfatal-error');
        out.aError = errors(ev.a)[0];
        out.expectedLengthA = JSON.stringify({ p1, small: 1, p3: 'z'.repeat(60000) }).length;
        a.setMeetingSessionData({ small: 2 }, 'shallow-merge');
        await everywhere({ p1, small: 2 }, 'the state stays after a refused authority update');
        await new Promise((resolve) => setTimeout(resolve, 200));
        out.errorCounts = [ev.a, ev.b, ev.c].map((log) => errors(log).length);
        out.keys = [a, b, c].map((call) => Object.keys(data(call)).sort());
        await Promise.all([a.leave(), b.leave(), c.leave()]);
        return out;
      },
      { room: roomName('session-merged-too-large') },
    );
    const error = (n) => ({
      action: 'nonfatal-error',
      type: 'meeting-session-data-error',
      errorMsg: `Meeting session data is too large (${n} characters). Maximum size suppported is 102400.`,
    });
    assert.equal(out.bThrew, null, 'an update within the limit does not throw');
    assert.deepEqual(out.bError, error(out.expectedLength));
    assert.deepEqual(out.aError, error(out.expectedLengthA));
    assert.deepEqual(out.errorCounts, [1, 1, 0], 'only the writer hears of it');
    assert.deepEqual(out.keys, [['p1', 'small'], ['p1', 'small'], ['p1', 'small']]);
  });

  test('session data pacing: 20 quick updates with sessionDataSyncMs 300 give few events, the last state arrives', async () => {
    const out = await run(
      async ({ room }) => {
        const { record, waitFor, sleep } = window.lr;
        const make = window.lr.memoryRoom(room, { sessionDataSyncMs: 300 });
        const a = make('alice'); // the authority
        const b = make('bob'); // the writer
        const c = make('carol');
        await a.join();
        await b.join();
        await c.join();
        await sleep(400); // past any pacing window of the join
        const ev = { a: record(a, ['meeting-session-state-updated']), c: record(c, ['meeting-session-state-updated']) };
        const last = (call) => call.meetingSessionState().data.n;
        const t0 = Date.now();
        for (let n = 0; n < 20; n++) {
          b.setMeetingSessionData({ n, [`k${n % 3}`]: n }, 'shallow-merge');
          await sleep(15);
        }
        const writesMs = Date.now() - t0;
        await waitFor(() => last(a) === 19 && last(c) === 19, 5000, 'the last state at a and c', () => [last(a), last(c)]);
        const arrivedMs = Date.now() - t0;
        await sleep(700); // no event may trail after the last state
        const elapsedMs = Date.now() - t0;
        const counts = (log) => log.of('meeting-session-state-updated').length;
        const lastData = (log) => log.of('meeting-session-state-updated').at(-1).meetingSessionState.data;
        const out = {
          writesMs,
          arrivedMs,
          elapsedMs,
          counts: [counts(ev.a), counts(ev.c)],
          lastData: [lastData(ev.a), lastData(ev.c), b.meetingSessionState().data],
          ns: ev.c.of('meeting-session-state-updated').map((e) => e.meetingSessionState.data.n),
        };
        await Promise.all([a.leave(), b.leave(), c.leave()]);
        return out;
      },
      { room: roomName('session-pacing') },
    );
    const bound = Math.floor(out.elapsedMs / 300) + 2;
    for (const count of out.counts) {
      assert.ok(count >= 1 && count <= bound, `${count} events in ${out.elapsedMs} ms (writes took ${out.writesMs} ms): at most ${bound}`);
    }
    const final = { n: 19, k0: 18, k1: 19, k2: 17 };
    assert.deepEqual(out.lastData, [final, final, final]);
    assert.deepEqual(out.ns, [...out.ns].sort((x, y) => x - y), 'states arrive in order');
  });
});

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
      // b's joined-meeting lists a unless a's answer missed the join window (a loaded machine):
      // then a participant-joined follows. Either way, b has a soon.
      const bJoinedMeeting = Object.keys(ev.b.of('joined-meeting')[0].participants);
      await waitFor(() => a.participants()[bId] && b.participants()[aId], 3000, 'a and b see each other');
      out.bSeesA = {
        inJoinedMeeting: bJoinedMeeting.includes(aId),
        participantJoined: ev.b.of('participant-joined').filter((e) => e.participant.session_id === aId).length,
      };
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
  assert.equal(out.bSeesA.inJoinedMeeting + out.bSeesA.participantJoined, 1, JSON.stringify(out.bSeesA));
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
test('2. deterministic network mode: latency, jitter and 10% loss; userData and session data converge', async () => {
  const out = await run(
    async ({ room }) => {
      const { createLocalCallObject } = window.lib;
      const { record, waitFor, sleep, same } = window.lr;
      const options = {
        room,
        transport: 'memory',
        network: { latencyMs: 20, jitterMs: 40, dropRate: 0.1, seed: 7 },
        heartbeatMs: 200,
        peerTimeoutMs: 5000,
        sessionDataSyncMs: 100,
      };
      const names = ['a', 'b', 'c'];
      const calls = names.map((userName) => createLocalCallObject({ ...options, userName }));
      const logs = calls.map((call) => record(call));
      for (const call of calls) await call.join();
      const ids = calls.map((call) => call.participants().local.session_id);
      const everyoneSeesEveryone = () => calls.every((call) => Object.keys(call.participants()).length === 3);
      await waitFor(everyoneSeesEveryone, 10000, 'everyone sees everyone', () => calls.map((x) => Object.keys(x.participants()).length));

      // Several rounds of updates from everyone, interleaved.
      const rounds = 6;
      for (let round = 0; round < rounds; round++) {
        for (const [i, call] of calls.entries()) {
          await call.setUserData({ who: names[i], round });
          call.setMeetingSessionData({ [names[i]]: round, [`last-${round % 2}`]: names[i] }, 'shallow-merge');
        }
        await sleep(25);
      }
      const userDataConverged = () =>
        calls.every((call, i) =>
          calls.every((other) => same(other.participants()[other === call ? 'local' : ids[i]]?.userData, { who: names[i], round: rounds - 1 })),
        );
      const states = () => calls.map((call) => call.meetingSessionState().data);
      // Every writer's last merge is in the state (none lost to the 10% loss: writers resend
      // until the authority acknowledges), and every participant has the same state.
      const lastWrites = () => names.every((name) => states()[0][name] === rounds - 1);
      const sessionConverged = () => lastWrites() && states().every((s) => same(s, states()[0]));
      const describe = () => ({
        userData: calls.map((call) => Object.values(call.participants()).map((p) => p.userData)),
        states: states(),
      });
      const t0 = Date.now();
      await waitFor(() => userDataConverged() && sessionConverged(), 20000, 'convergence', describe);
      const convergedMs = Date.now() - t0;
      await sleep(1000); // a few heartbeats: it stays converged
      const out = {
        convergedMs,
        stillConverged: userDataConverged() && sessionConverged(),
        states: states(),
        left: logs.map((log) => log.of('participant-left').length),
        userData: calls.map((call) => Object.fromEntries(Object.entries(call.participants()).map(([k, p]) => [k === 'local' ? 'local' : ids.indexOf(k), p.userData]))),
      };
      await Promise.all(calls.map((call) => call.leave()));
      return out;
    },
    { room: roomName('network') },
  );
  assert.equal(out.stillConverged, true, JSON.stringify(out));
  assert.deepEqual(out.left, [0, 0, 0], 'no one timed out');
  const [state] = out.states;
  assert.deepEqual(out.states, [state, state, state]);
  // Everyone's last write is in the state: the authority's (a) applied by itself, b's and c's
  // despite the loss.
  for (const key of ['a', 'b', 'c']) assert.equal(state[key], 5, `${key}'s last write`);
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
