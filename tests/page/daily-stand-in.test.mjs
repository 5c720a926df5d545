// Proves the stand-in call machine (tests/js/daily-stand-in/) lets the REAL
// daily-js join offline: several call objects in one page exchange app
// messages, user data and meeting session data, as daily-sync's tests need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { browser, openPage, serveRepository, server, startServer } from './harness.mjs';

const PAGE = '/tests/page/fixtures/blank.html';

serveRepository();

test('harness serves with MIME types, 404s and refuses path escapes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'harness-'));
  await mkdir(join(dir, 'root'));
  await writeFile(join(dir, 'secret.txt'), 'outside root');
  for (const name of ['a.wasm', 'b.mjs', 'c.js', 'index.html']) await writeFile(join(dir, 'root', name), '');
  const local = await startServer({ root: join(dir, 'root') });
  try {
    const get = (path) => fetch(local.url + path);
    const type = async (path) => (await get(path)).headers.get('content-type');
    assert.equal(await type('/a.wasm'), 'application/wasm');
    assert.match(await type('/b.mjs'), /^text\/javascript/);
    assert.match(await type('/c.js'), /^text\/javascript/);
    assert.match(await type('/'), /^text\/html/);
    assert.equal((await get('/missing.js')).status, 404);
    // URL parsing collapses `..` and `%2e%2e` segments, but not `..%2f`.
    assert.equal((await get('/..%2fsecret.txt')).status, 403);
  } finally {
    await local.close();
    await rm(dir, { recursive: true });
  }
});

test('before join: sendAppMessage throws, setUserData resolves and is carried into join', async () => {
  const { context, page, errors } = await openPage(browser, server.url + PAGE);
  const result = await page.evaluate(async () => {
    const Daily = await (await import('/tests/page/fixtures/daily-js.js')).loadDaily();
    const { createStandInCallObject, joinStandIn } = await import('/tests/js/daily-stand-in/joined.js');
    const call = createStandInCallObject(Daily);
    let thrown = null;
    try {
      call.sendAppMessage({ hello: 1 }, '*');
    } catch (e) {
      thrown = e.message;
    }
    const setUserDataResult = await call.setUserData({ early: true });
    await joinStandIn(call, { userName: 'solo' });
    const local = call.participants().local;
    await call.destroy();
    return { thrown, setUserDataResult, userData: local.userData, userName: local.user_name };
  });
  assert.equal(result.thrown, 'sendAppMessage() only supported after join.');
  assert.equal(result.setUserDataResult, undefined); // not sent anywhere before load
  assert.deepEqual(result.userData, { early: true }); // ...but join() carries it
  assert.equal(result.userName, 'solo');
  // daily-js console.error()s before throwing; nothing else may go wrong.
  assert.deepEqual(errors, ['console: sendAppMessage() only supported after join.']);
  await context.close();
});

test('real daily-js call objects share app messages, user data and session data', async () => {
  const { context, page, errors } = await openPage(browser, server.url + PAGE);
  const r = await page.evaluate(async () => {
    const Daily = await (await import('/tests/page/fixtures/daily-js.js')).loadDaily();
    const helpers = await import('/tests/js/daily-stand-in/joined.js');
    const { createJoinedCallObjects, createStandInCallObject, joinStandIn, recordEvents, waitUntil } = helpers;
    const TYPES = ['app-message', 'participant-joined', 'participant-updated', 'participant-left', 'meeting-session-state-updated'];
    const of = (events, type) => events.filter((e) => e.action === type);
    const strip = ({ callClientId, ...rest }) => rest; // callClientId is random
    const out = {};

    // Two joined call objects in one line.
    const [a, b] = await createJoinedCallObjects(Daily, 2, { userNames: ['alice', 'bob'] });
    const ev = { a: recordEvents(a, TYPES), b: recordEvents(b, TYPES) };
    const aId = a.participants().local.session_id;
    const bId = b.participants().local.session_id;
    out.states = [a.meetingState(), b.meetingState()];
    out.aSeesB = a.participants()[bId].user_name;
    out.bSeesA = b.participants()[aId].user_name;
    out.localFlags = [a.participants().local.local, a.participants()[bId].local];

    // App message broadcast: delivered to b, not echoed to a (b's reply flushes a's queue).
    a.sendAppMessage({ n: 1 }, '*');
    await waitUntil(() => of(ev.b, 'app-message').length === 1, 'b gets broadcast');
    b.sendAppMessage({ n: 2 }, aId);
    await waitUntil(() => of(ev.a, 'app-message').length === 1, 'a gets targeted');
    out.bGot = of(ev.b, 'app-message').map(strip);
    out.aGot = of(ev.a, 'app-message').map(strip);

    // User data: the other sees participant-updated; the sender sees itself as local.
    out.setUserDataResult = strip(await a.setUserData({ color: 'red' })); // {userData, callClientId}
    await waitUntil(() => of(ev.b, 'participant-updated').length === 1, 'b sees user data');
    out.bUpdate = strip(of(ev.b, 'participant-updated')[0]);
    out.aSelfUpdate = of(ev.a, 'participant-updated').map((e) => [e.participant.local, e.participant.userData]);
    out.aLocalUserData = a.participants().local.userData;

    // Session data: replace, then shallow-merge deleting a key with undefined.
    a.setMeetingSessionData({ topic: 'x', count: 1 });
    await waitUntil(() => of(ev.b, 'meeting-session-state-updated').length === 1, 'b sees session data');
    b.setMeetingSessionData({ count: 2, topic: undefined }, 'shallow-merge');
    await waitUntil(() => of(ev.a, 'meeting-session-state-updated').length === 2, 'a sees merge');
    out.sessionEvents = of(ev.a, 'meeting-session-state-updated').map(strip);
    out.sessionStates = [a.meetingSessionState(), b.meetingSessionState()];

    // A late joiner gets the others' user data and the session state at join.
    const c = createStandInCallObject(Daily);
    ev.c = recordEvents(c, TYPES);
    await joinStandIn(c, { userName: 'carol', userData: { role: 'late' } });
    const cId = c.participants().local.session_id;
    out.cSeesA = c.participants()[aId].userData;
    out.cSessionState = c.meetingSessionState();
    out.cSessionEvents = of(ev.c, 'meeting-session-state-updated').map(strip);
    await waitUntil(() => of(ev.a, 'participant-joined').length === 1, 'a sees carol join');
    out.aSawCarol = of(ev.a, 'participant-joined')[0].participant;

    // Targeted to an array: only c; then a broadcast proves b got nothing before it.
    a.sendAppMessage({ n: 3 }, [cId]);
    await waitUntil(() => of(ev.c, 'app-message').length === 1, 'c gets targeted');
    a.sendAppMessage({ n: 4 });
    await waitUntil(() => of(ev.c, 'app-message').length === 2, 'c gets broadcast');
    await waitUntil(() => of(ev.b, 'app-message').length === 2, 'b gets broadcast');
    out.bData = of(ev.b, 'app-message').map((e) => e.data);
    out.cData = of(ev.c, 'app-message').map((e) => e.data);

    // Leaving: the others see participant-left and drop the participant.
    await b.leave();
    await waitUntil(() => of(ev.a, 'participant-left').length === 1 && of(ev.c, 'participant-left').length === 1, 'left');
    out.leftIds = [of(ev.a, 'participant-left')[0].participant.session_id, of(ev.c, 'participant-left')[0].participant.session_id];
    out.afterLeave = [b.meetingState(), bId in a.participants(), Object.keys(a.participants()).length];

    // Re-joining reuses the loaded machine (callMachine.reset()); user data still flows.
    await joinStandIn(b, { userName: 'bob again' });
    const b2Id = b.participants().local.session_id;
    await b.setUserData({ back: true });
    await waitUntil(() => a.participants()[b2Id]?.userData?.back === true, 'a sees rejoined bob');
    out.rejoin = [b2Id !== bId, b.participants()[aId].userData];

    await Promise.all([a.destroy(), b.destroy(), c.destroy()]);
    out.unhandled = [...new Set(window.__dailyStandIn.log.filter((l) => !l.handled).map((l) => l.action))];
    return { out, aId, bId, cId };
  });
  const { out, aId, bId, cId } = r;

  assert.deepEqual(out.states, ['joined-meeting', 'joined-meeting']);
  assert.deepEqual([out.aSeesB, out.bSeesA], ['bob', 'alice']);
  assert.deepEqual(out.localFlags, [true, false]);

  assert.deepEqual(out.bGot, [{ action: 'app-message', data: { n: 1 }, fromId: aId }]);
  assert.deepEqual(out.aGot, [{ action: 'app-message', data: { n: 2 }, fromId: bId }]);

  assert.deepEqual(out.setUserDataResult, { userData: { color: 'red' } });
  assert.equal(out.bUpdate.action, 'participant-updated');
  assert.equal(out.bUpdate.participant.session_id, aId);
  assert.equal(out.bUpdate.participant.local, false);
  assert.deepEqual(out.bUpdate.participant.userData, { color: 'red' });
  assert.deepEqual(out.aSelfUpdate, [[true, { color: 'red' }]]);
  assert.deepEqual(out.aLocalUserData, { color: 'red' });

  const state = (data) => ({ data, topology: 'none' });
  assert.deepEqual(out.sessionEvents, [
    { action: 'meeting-session-state-updated', meetingSessionState: state({ topic: 'x', count: 1 }) },
    { action: 'meeting-session-state-updated', meetingSessionState: state({ count: 2 }) },
  ]);
  assert.deepEqual(out.sessionStates, [state({ count: 2 }), state({ count: 2 })]);

  assert.deepEqual(out.cSeesA, { color: 'red' });
  assert.deepEqual(out.cSessionState, state({ count: 2 }));
  assert.deepEqual(out.cSessionEvents, [{ action: 'meeting-session-state-updated', meetingSessionState: state({ count: 2 }) }]);
  assert.equal(out.aSawCarol.session_id, cId);
  assert.equal(out.aSawCarol.user_name, 'carol');
  assert.deepEqual(out.aSawCarol.userData, { role: 'late' });

  assert.deepEqual(out.bData, [{ n: 1 }, { n: 4 }]);
  assert.deepEqual(out.cData, [{ n: 3 }, { n: 4 }]);

  assert.deepEqual(out.leftIds, [bId, bId]);
  assert.deepEqual(out.afterLeave, ['left-meeting', false, 2]);
  assert.deepEqual(out.rejoin, [true, { color: 'red' }]);

  assert.deepEqual(out.unhandled, ['transmit-log']); // daily-js's own logging only
  assert.deepEqual(errors, []);
  await context.close();
});
