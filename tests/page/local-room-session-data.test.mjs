// The local room (`createLocalCallObject`, pkg/ built by scripts/build.sh) in a real browser:
// session data, in one page (memory transport) and in deterministic network mode (latency,
// jitter and loss).
// Each is asserted on daily-js's call-object surface (events, payloads, exact error messages).
// Run: node --test tests/page/local-room-session-data.test.mjs
//
// Each test opens its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/local-room-page.js as `window.lr` and daily-sync as `window.lib`) and uses its
// own room name, so tests never hear each other, even on BroadcastChannel. Waits are bounded
// (`lr.waitFor(predicate, timeoutMs, label)`) and timing bounds are loose: these machines are shared.
// The node side's helpers are in tests/page/fixtures/local-room-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { roomName, run, dailyError } from './fixtures/local-room-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('1. three participants in one page (memory transport), one joining late', () => {
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
        // as daily-js's, meetingSessionState() is one object until the state changes
        const held = a.meetingSessionState();
        out.sameObject = [held === a.meetingSessionState()];

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
        out.sameObject.push(held === a.meetingSessionState());
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
    assert.deepEqual(out.sameObject, [true, false], 'the same state object until the state changes');
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
