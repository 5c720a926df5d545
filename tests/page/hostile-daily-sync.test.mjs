// Hostile input: the library inside other people's apps, in a real browser (pkg/, built by
// scripts/build.sh), against the REAL daily-js (joined offline to tests/js/daily-stand-in/) and the
// local room: every public function and constructor of DailySync
// (its methods, the iterators' next / return / throw, its channels) fed wrong types, missing
// arguments, cycles, BigInts, 10 MB strings, 10,000-deep values, throwing getters, Proxies whose
// traps throw, revoked Proxies and keys like __proto__: each gets an Error with a `kind`, nothing
// traps (WebAssembly.RuntimeError), nothing pollutes Object.prototype, and the object still works
// afterwards.
// Run: node --test tests/page/hostile-daily-sync.test.mjs
//
// Each test has its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/hostile-page.js as `window.x` and its setup() as `window.lib`), so that a
// trap in one cannot spoil the next. The node side's tables and checks are in
// tests/page/fixtures/hostile-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { MiB, NO_JSON, TOO_LARGE, RECIPIENTS, UNREADABLE, PRIMITIVES, FUNCTIONS, sessionOutcome, userDataOutcome, run, violations, logCalls, assertOutcomes, assertNoViolations, assertUnpolluted } from './fixtures/hostile-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('DailySync: every function and constructor, every bad argument', () => {
  test('new DailySync(bad call) and new DailySync(call, bad options) throw Errors with a kind; then a valid one works', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const { attempt, hostileValues, listenerCounts, prototypes } = window.x;
      const before = prototypes();
      const call = createStandInCallObject(Daily);
      const asCall = {};
      const asOptions = {};
      const asInterval = {};
      for (const [label, value] of Object.entries(hostileValues())) {
        asCall[label] = attempt(() => new DailySync(value).dispose());
        asOptions[label] = attempt(() => new DailySync(call, value).dispose());
        asInterval[label] = attempt(() => new DailySync(call, { sessionDataIntervalMs: value }).dispose());
      }
      asCall['no argument'] = attempt(() => new DailySync().dispose());
      // A call-object look-alike whose methods throw when DailySync subscribes.
      const throwingOn = { ...['on', 'off', 'sendAppMessage', 'setUserData', 'setMeetingSessionData', 'participants'].reduce((o, m) => ({ ...o, [m]: () => { throw new Error(`hostile ${m}`); } }), {}) };
      asCall['a look-alike whose on() throws'] = attempt(() => new DailySync(throwingOn).dispose());
      const listenersAfterFailures = listenerCounts(call);
      const sync = new DailySync(call, { sessionDataIntervalMs: 16 });
      const valid = { view: sync.sessionData(), disposed: sync.disposed };
      sync.dispose();
      const result = { asCall, asOptions, asInterval, listenersAfterFailures, valid, listenersAtEnd: listenerCounts(call), before, after: prototypes() };
      await call.destroy();
      return result;
    });
    logCalls('new DailySync', r.asCall, r.asOptions, r.asInterval);
    assertNoViolations([
      ...violations('new DailySync(x)', r.asCall),
      ...violations('new DailySync(call, x)', r.asOptions),
      ...violations('new DailySync(call, { sessionDataIntervalMs: x })', r.asInterval),
    ]);
    for (const [label, outcome] of Object.entries(r.asCall)) {
      if (label !== "a look-alike whose on() throws") assert.ok(outcome.threw, `new DailySync(${label}) must throw`);
    }
    assert.equal(r.asCall['a Date'].threw.kind, 'not-call-object');
    // Options: nothing, or any object whose options can be read; a primitive, or an object whose
    // reading throws, is refused.
    const unreadable = ['a Proxy whose traps throw', 'a function Proxy whose traps throw', 'a revoked Proxy', 'a revoked array Proxy', 'an array Proxy whose traps throw'];
    const primitive = ['42', 'NaN', '-0', 'Infinity', "''", "'str'", "'*'", 'true', 'Symbol', '10n', '10 MB string'];
    assertOutcomes('new DailySync(call, x)', r.asOptions, (label) =>
      primitive.includes(label) || unreadable.includes(label) ? 'invalid-argument' : 'accepted',
    );
    // The interval: a finite number of at least 16 ms, or nothing (1000).
    assertOutcomes('new DailySync(call, { sessionDataIntervalMs: x })', r.asInterval, (label) =>
      label === 'undefined' || label === '42' ? 'accepted' : 'invalid-argument',
    );
    for (const [name, count] of Object.entries(r.listenersAfterFailures)) assert.equal(count, 0, `${name} listeners after failed constructions`);
    assert.deepEqual(r.valid, { view: {}, disposed: false }, 'a valid DailySync works after the failures');
    for (const [name, count] of Object.entries(r.listenersAtEnd)) assert.equal(count, 0, `${name} listeners after dispose`);
    assertUnpolluted(r.before, r.after);
  });

  test('every method on an unjoined daily-js call object: Errors with a kind, never a trap; then valid calls work', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const { attempt, attemptAsync, battery, batteryAsync, hostileValues, prototypes, drain } = window.x;
      const before = prototypes();
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const values = Object.entries(hostileValues());
      const tables = battery({
        'sendAppMessage(x)': (v) => sync.sendAppMessage(v),
        'sendAppMessage({ ok: 1 }, x)': (v) => sync.sendAppMessage({ ok: 1 }, v),
        'setSessionData(x)': (v) => sync.setSessionData(v),
        'mergeSessionData(x)': (v) => sync.mergeSessionData(v),
        'mergeSessionData({ k: x })': (v) => sync.mergeSessionData({ k: v }),
        'flushSessionData(x)': (v) => sync.flushSessionData(v),
        'sessionData(x)': (v) => sync.sessionData(v),
        'participants(x)': (v) => sync.participants(v),
        'appMessages(x)': (v) => sync.appMessages(v).return(),
        'participantUpdates(x)': (v) => sync.participantUpdates(v).return(),
        'sessionStates(x)': (v) => sync.sessionStates(v).return(),
      }, values);
      const missing = {
        'sendAppMessage()': attempt(() => sync.sendAppMessage()),
        'setSessionData()': attempt(() => sync.setSessionData()),
        'mergeSessionData()': attempt(() => sync.mergeSessionData()),
      };
      const { 'setUserData(x)': userData } = await batteryAsync({ 'setUserData(x)': (v) => sync.setUserData(v) }, values);
      userData['no argument'] = await attemptAsync(() => sync.setUserData());
      // Specific kinds.
      const kinds = {
        bigint: attempt(() => sync.sendAppMessage(10n)).threw?.kind,
        cyclic: attempt(() => sync.sendAppMessage(values.find(([l]) => l === 'a cyclic object')[1])).threw?.kind,
        notPlain: attempt(() => sync.setSessionData(new Map())).threw?.kind,
        recipient: attempt(() => sync.sendAppMessage({ ok: 1 }, 42)).threw?.kind,
      };
      // Still usable.
      const messages = drain(sync.appMessages());
      call.emit('app-message', { action: 'app-message', data: { still: 'working' }, fromId: 'peer' });
      await window.x.eventually(() => messages.items.length === 1, 2000);
      const after = {
        messages: messages.items,
        setUserData: await attemptAsync(() => sync.setUserData({ ok: true })),
        view: sync.sessionData(),
        participants: attempt(() => sync.participants()),
      };
      sync.dispose();
      await call.destroy();
      return { tables, missing, userData, kinds, after, before, afterPrototypes: prototypes() };
    });
    const found = [];
    for (const [where, table] of Object.entries(r.tables)) found.push(...violations(where, table));
    found.push(...violations('a missing argument:', r.missing));
    found.push(...violations('setUserData(x)', r.userData, { rejects: true }));
    logCalls('DailySync on an unjoined call object', r.tables, r.missing, r.userData);
    assertNoViolations(found);
    assert.deepEqual(r.kinds, { bigint: 'not-serializable', cyclic: 'not-serializable', notPlain: 'not-plain-object', recipient: 'invalid-recipient' });
    // A recipient is '*' (or nothing), a non-empty session id, or a non-empty list of them: those
    // reach daily-js, which refuses before join; anything else is refused first.
    // Session data is a plain object whose values have a JSON form; then daily-js refuses it
    // before join. Anything else is refused first, for what it is.
    assertOutcomes('setSessionData(x)', r.tables['setSessionData(x)'], sessionOutcome);
    // A message with a JSON form reaches daily-js, which refuses it before join; one without is
    // refused first.
    assertOutcomes('sendAppMessage(x)', r.tables['sendAppMessage(x)'], (label) => (NO_JSON.includes(label) ? 'not-serializable' : 'not-joined'));
    // Methods that take no argument ignore one, as JS functions do.
    for (const where of ['flushSessionData(x)', 'sessionData(x)', 'participants(x)', 'appMessages(x)', 'participantUpdates(x)', 'sessionStates(x)']) {
      assertOutcomes(where, r.tables[where], () => 'accepted');
    }
    assertOutcomes('mergeSessionData(x)', r.tables['mergeSessionData(x)'], sessionOutcome);
    assertOutcomes('sendAppMessage({ ok: 1 }, x)', r.tables['sendAppMessage({ ok: 1 }, x)'], (label) =>
      RECIPIENTS.includes(label) ? 'not-joined' : 'invalid-recipient',
    );
    // userData is allowed before join: daily-js keeps it for the join.
    assertOutcomes('setUserData(x) before join', r.userData, userDataOutcome(false));
    assert.deepEqual(r.after.messages, [{ data: { still: 'working' }, fromId: 'peer' }], 'the stream still works');
    assert.deepEqual(r.after.setUserData, { resolved: true }, 'a valid setUserData still resolves');
    assert.deepEqual(r.after.participants, { returned: true });
    assertUnpolluted(r.before, r.afterPrototypes);
  });

  test('every method on a joined daily-js call object: Errors with a kind, never a trap; then valid calls reach the peer', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { attempt, attemptAsync, battery, batteryAsync, prototypes, drain, eventually, TEN_MB } = window.x;
      const before = prototypes();
      const [peerCall, call] = await createJoinedCallObjects(Daily, 2);
      const peer = new DailySync(peerCall, { sessionDataIntervalMs: 16 });
      const heard = drain(peer.appMessages());
      const sync = new DailySync(call, { sessionDataIntervalMs: 16 });
      const tables = battery({
        'sendAppMessage(x)': (v) => sync.sendAppMessage(v),
        'sendAppMessage({ ok: 1 }, x)': (v) => sync.sendAppMessage({ ok: 1 }, v),
        'sendAppMessage({ ok: 1 }, [x])': (v) => sync.sendAppMessage({ ok: 1 }, [v]),
        'setSessionData(x)': (v) => sync.setSessionData(v),
        'mergeSessionData(x)': (v) => sync.mergeSessionData(v),
        'mergeSessionData({ k: x })': (v) => sync.mergeSessionData({ k: v }),
        'setSessionData({ k: x })': (v) => sync.setSessionData({ k: v }),
        'flushSessionData()': () => sync.flushSessionData(),
        'sessionData()': () => sync.sessionData(),
        'participants()': () => sync.participants(),
      });
      const { 'setUserData(x)': userData } = await batteryAsync({ 'setUserData(x)': (v) => sync.setUserData(v) });
      const tooLarge = attempt(() => sync.sendAppMessage('x'.repeat(TEN_MB))).threw;
      // Still usable: a message, userData and session data reach the peer.
      const localId = call.participants().local.session_id;
      sync.sendAppMessage({ good: 1 });
      const userDataAfter = await attemptAsync(() => sync.setUserData({ good: 2 }));
      sync.setSessionData({ good: 3 });
      sync.flushSessionData();
      const reached = {
        message: await eventually(() => heard.items.some((m) => m.data?.good === 1 && m.fromId === localId)),
        userData: await eventually(() => peer.participants().some((p) => p.sessionId === localId && p.userData?.good === 2)),
        session: await eventually(() => peer.sessionData().good === 3 && Object.keys(peer.sessionData()).length === 1),
      };
      const result = { tables, userData, tooLarge, userDataAfter, reached, before, after: prototypes() };
      sync.dispose();
      peer.dispose();
      await Promise.all([call.destroy(), peerCall.destroy()]);
      return result;
    });
    const found = [];
    for (const [where, table] of Object.entries(r.tables)) found.push(...violations(where, table));
    found.push(...violations('setUserData(x)', r.userData, { rejects: true }));
    logCalls('DailySync on a joined call object', r.tables, r.userData);
    assertNoViolations(found);
    assertOutcomes('setUserData(x) once joined', r.userData, userDataOutcome(true));
    assert.equal(r.tooLarge?.kind, 'payload-too-large', 'a 10 MB message');
    assert.equal(r.tooLarge.size, 10 * MiB + 2, 'its size is JSON.stringify(data).length');
    assert.equal(r.tooLarge.limit, 4096);
    assert.deepEqual(r.userDataAfter, { resolved: true });
    assert.deepEqual(r.reached, { message: true, userData: true, session: true }, 'valid calls after the garbage reach the peer');
    assertUnpolluted(r.before, r.after);
  });

  test("the iterators' next / return / throw with bad arguments: they settle, end, and unsubscribe", async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const { attemptAsync, hostileValues, listenerCounts } = window.x;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const events = {
        appMessages: ['app-message', { action: 'app-message', data: { n: 1 }, fromId: 'peer' }],
        participantUpdates: ['participant-updated', { action: 'participant-updated', participant: { session_id: 'p', user_name: 'P' } }],
        sessionStates: ['meeting-session-state-updated', { action: 'meeting-session-state-updated', meetingSessionState: { data: { n: 1 }, topology: 'none' } }],
      };
      const baseline = listenerCounts(call);
      const results = {};
      for (const [stream, [name, payload]] of Object.entries(events)) {
        const values = Object.entries(hostileValues());
        const it = sync[stream]();
        const self = it[Symbol.asyncIterator]() === it;
        // next(x) for every x: all wait; one event settles the first; return(x) ends the rest.
        const pending = values.map(([, v]) => it.next(v));
        call.emit(name, payload);
        const first = await pending[0];
        const returned = await attemptAsync(() => it.return(values[1][1]));
        const rest = await Promise.race([Promise.all(pending.slice(1)), new Promise((ok) => setTimeout(() => ok('pending'), 2000))]);
        const afterReturn = await it.next();
        const returnAgain = await attemptAsync(() => it.return());
        // throw(x) rejects with x itself (the async iterator protocol), and ends the iterator.
        const thrown = {};
        for (const [label, v] of values) {
          const fresh = sync[stream]();
          let rejectedWith;
          try {
            await fresh.throw(v);
            rejectedWith = 'resolved';
          } catch (error) {
            rejectedWith = Object.is(error, v) || (Number.isNaN(error) && Number.isNaN(v)) ? 'the value given' : `something else: ${String(error)}`;
          }
          thrown[label] = { rejectedWith, next: (await fresh.next()).done };
        }
        results[stream] = {
          self,
          first: first.done === false,
          returned,
          rest: rest === 'pending' ? 'pending' : rest.every((item) => item.done === true),
          afterReturn: afterReturn.done,
          returnAgain,
          thrown,
          listeners: call.listenerCount(name),
          baseline: baseline[name],
        };
      }
      sync.dispose();
      const atEnd = listenerCounts(call);
      await call.destroy();
      return { results, atEnd };
    });
    for (const [stream, s] of Object.entries(r.results)) {
      assert.equal(s.self, true, `${stream}: [Symbol.asyncIterator]() is the iterator`);
      assert.equal(s.first, true, `${stream}: the first next() gets the event`);
      assert.deepEqual(s.returned, { resolved: true }, `${stream}: return(x) resolves`);
      assert.equal(s.rest, true, `${stream}: the other pending next() calls end (done) on return()`);
      assert.equal(s.afterReturn, true, `${stream}: next() after return() is done`);
      assert.deepEqual(s.returnAgain, { resolved: true }, `${stream}: return() twice`);
      for (const [label, t] of Object.entries(s.thrown)) {
        assert.deepEqual(t, { rejectedWith: 'the value given', next: true }, `${stream}: throw(${label})`);
      }
      assert.equal(s.listeners, s.baseline, `${stream}: ended iterators leave no listener`);
    }
    for (const [name, count] of Object.entries(r.atEnd)) assert.equal(count, 0, `${name} listeners after dispose`);
    // Per stream: next(x) and throw(x) for every value, and one return(x).
    const calls = Object.values(r.results).reduce((n, s) => n + 2 * Object.keys(s.thrown).length + 1, 0);
    console.log(`# the iterators' next / return / throw: ${calls} calls`);
  });

  test('after free() or [Symbol.dispose]() (what `using` calls), methods throw disposed and dispose() is a no-op', async () => {
    // README: "free() and [Symbol.dispose] dispose too", and dispose() "Calling it again does nothing".
    const r = await run(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const { attempt, attemptAsync, listenerCounts } = window.x;
      const call = createStandInCallObject(Daily);
      const results = {};
      for (const how of ['free', Symbol.dispose]) {
        const sync = new DailySync(call);
        sync[how]();
        results[String(how)] = {
          listeners: listenerCounts(call),
          disposed: attempt(() => sync.disposed),
          dispose: attempt(() => sync.dispose()),
          sendAppMessage: attempt(() => sync.sendAppMessage({ a: 1 })),
          sessionData: attempt(() => sync.sessionData()),
          appMessages: attempt(() => sync.appMessages()),
          setUserData: await attemptAsync(() => sync.setUserData({ a: 1 })),
        };
      }
      await call.destroy();
      return results;
    });
    const problems = [];
    for (const [how, s] of Object.entries(r)) {
      for (const [name, count] of Object.entries(s.listeners)) assert.equal(count, 0, `${how}: ${name} listeners`);
      if (!s.dispose.returned) problems.push(`${how}, then dispose(): threw ${s.dispose.threw?.message}`);
      if (!s.disposed.returned) problems.push(`${how}, then the disposed getter: threw ${s.disposed.threw?.message}`);
      for (const method of ['sendAppMessage', 'sessionData', 'appMessages']) {
        const kind = s[method].threw?.kind;
        if (kind !== 'disposed') problems.push(`${how}, then ${method}(): ${kind ? `kind ${kind}` : `no kind (${s[method].threw?.message})`}`);
      }
      if (s.setUserData.rejected?.kind !== 'disposed') problems.push(`${how}, then setUserData(): ${JSON.stringify(s.setUserData)}`);
    }
    assert.deepEqual(problems, [], `after free() / [Symbol.dispose]():\n  ${problems.join('\n  ')}`);
  });

  test('no prototype pollution: __proto__ and constructor keys sent, stored and received stay plain keys', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { prototypes, drain, eventually } = window.x;
      const before = prototypes();
      const [a, b] = await createJoinedCallObjects(Daily, 2);
      const syncA = new DailySync(a, { sessionDataIntervalMs: 16 });
      const syncB = new DailySync(b, { sessionDataIntervalMs: 16 });
      const heard = drain(syncB.appMessages());
      const evil = () => JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"prototype":{"polluted":1}}');
      syncA.sendAppMessage(evil());
      await syncA.setUserData(evil());
      syncA.setSessionData(evil());
      syncA.mergeSessionData(JSON.parse('{"__proto__":{"polluted":2},"toString":1}'));
      syncA.flushSessionData();
      const bId = b.participants().local.session_id;
      b.sendAppMessage(evil(), a.participants().local.session_id); // straight from daily-js too
      const aId = a.participants().local.session_id;
      const arrived = {
        message: await eventually(() => heard.items.length >= 1),
        userData: await eventually(() => syncB.participants().some((p) => p.sessionId === aId && p.userData && Object.keys(p.userData).length === 3)),
        session: await eventually(() => Object.keys(syncB.sessionData()).includes('toString')),
      };
      const view = syncA.sessionData();
      const viewB = syncB.sessionData();
      const result = {
        arrived,
        bId,
        viewKeys: Object.keys(view).sort(),
        viewProtoIsObject: Object.getPrototypeOf(view) === Object.prototype,
        viewOwnProto: Object.prototype.hasOwnProperty.call(view, '__proto__'),
        viewBKeys: Object.keys(viewB).sort(),
        messageOwnProto: heard.items[0] && Object.prototype.hasOwnProperty.call(heard.items[0].data, '__proto__'),
        before,
        after: prototypes(),
      };
      syncA.dispose();
      syncB.dispose();
      await Promise.all([a.destroy(), b.destroy()]);
      return result;
    });
    assert.deepEqual(r.arrived, { message: true, userData: true, session: true }, 'the data arrived');
    assert.deepEqual(r.viewKeys, ['__proto__', 'constructor', 'prototype', 'toString']);
    assert.equal(r.viewProtoIsObject, true, "sessionData()'s prototype is Object.prototype");
    assert.equal(r.viewOwnProto, true, '__proto__ is an own key of sessionData()');
    assert.deepEqual(r.viewBKeys, r.viewKeys, "the peer's view has the same keys");
    assert.equal(r.messageOwnProto, true, "__proto__ is an own key of the message's data");
    assertUnpolluted(r.before, r.after);
  });

  test("a session state whose value's toJSON calls back into the DailySync does not trap", async () => {
    // An app's own object in a meeting-session-state-updated payload (emitted by the app, or by a
    // wrapper around daily-js) whose toJSON reads sessionData(): DailySync measures the state's
    // values with JSON.stringify while it holds its throttle mutably borrowed. A state event is
    // taken in as it comes while something follows the room's states (here a callback); otherwise
    // the state is read from the call object when needed.
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { describeError } = window.x;
      const [call] = await createJoinedCallObjects(Daily, 1);
      const sync = new DailySync(call);
      sync.onSessionState(() => {});
      let inner = 'not called';
      const value = {
        toJSON() {
          try {
            inner = { view: sync.sessionData() };
          } catch (error) {
            inner = describeError(error);
          }
          return 1;
        },
      };
      call.emit('meeting-session-state-updated', { action: 'meeting-session-state-updated', meetingSessionState: { data: { a: value }, topology: 'none' } });
      const after = Object.keys(sync.sessionData());
      sync.dispose();
      await call.destroy();
      return { inner, after };
    });
    assert.notEqual(r.inner.isRuntimeError, true, `sessionData() inside toJSON trapped: ${r.inner.message}`);
    assert.deepEqual(r.after, ['a'], 'the state was taken');
  });
});

// ---------------------------------------------------------------------------------------------
describe('channels: sync.channel() and its Channel', () => {
  test('bad names, options, data and recipients get Errors with a kind; garbage chunks from peers never stop a channel', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects, channel } = window.lib;
      const { attempt, attemptAsync, battery, batteryAsync, hostileValues, prototypes, drain, eventually, deep } = window.x;
      const before = prototypes();
      const [a, b] = await createJoinedCallObjects(Daily, 2);
      const syncA = new DailySync(a);
      const syncB = new DailySync(b);
      const values = Object.entries(hostileValues());
      let fresh = 0;
      const open = battery({
        'sync.channel(x)': (v) => syncB.channel(v),
        // 'c' is open after the first call: the options of the later ones are checked all the same.
        "sync.channel('c', x)": (v) => syncB.channel('c', v),
        'sync.channel(new name, x)': (v) => syncB.channel(`new-${fresh++}`, v),
        'sync.channel(new name, { maxSize: x })': (v) => syncB.channel(`new-${fresh++}`, { maxSize: v }),
        "channel(x, 'c')": (v) => channel(v, 'c'),
      }, values);
      open['sync.channel(x)']['no argument'] = attempt(() => syncB.channel());
      const chA = syncA.channel('chat');
      const chB = syncB.channel('chat');
      // Recipients are tried on a channel of their own: a message to someone else leaves a hole in
      // the sender's numbering that holds up b's 'chat' (see the next test).
      const targets = syncA.channel('targets');
      const messages = drain(chB.messages());
      const gaps = drain(chB.gaps());
      const sends = await batteryAsync({ 'chat.send(x)': (v) => chA.send(v), 'targets.send({ ok: 1 }, x)': (v) => targets.send({ ok: 1 }, v) }, values);
      sends['chat.send(x)']['no argument'] = await attemptAsync(() => chA.send());
      // Garbage chunks, as a peer's app messages (from made-up ids: daily-js's fromId is the
      // server's word, which a peer cannot forge).
      const handler = {};
      for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf']) {
        handler[trap] = () => {
          throw new Error(`hostile ${trap}`);
        };
      }
      const P = () => new Proxy({}, handler);
      const numbers = [undefined, null, -1, 0.5, NaN, Infinity, 2 ** 53, 2 ** 64, 1e300, '1', P()];
      const garbage = [P(), { $ds: P() }, { $ds: 1, c: P() }, { $ds: 1, c: 'chat', s: 0, v: P() }, { $ds: 2, c: 'chat', s: 0, v: 1 }];
      for (const n of numbers) {
        garbage.push({ $ds: 1, c: 'chat', s: n, v: 1 }, { $ds: 1, c: 'chat', s: 0, i: n, n: 2, p: 'x' }, { $ds: 1, c: 'chat', s: 1, i: 0, n, p: 'x' }, { $ds: n, c: 'chat', s: 0, v: 1 });
      }
      garbage.push(
        { $ds: 1, c: 'chat', s: 0, i: 0, n: 1e9, p: 'x' },
        { $ds: 1, c: 'chat', s: 0, i: 0, n: 2, p: 'y'.repeat(5 * 1024 * 1024) },
        { $ds: 1, c: 'chat', s: 3, i: 0, n: 2, p: '{\'a' }, // reassembles to garbage JSON
        { $ds: 1, c: 'chat', s: 3, i: 1, n: 2, p: 'oops' },
        { $ds: 1, c: 'chat', s: 5, v: deep(10_000) },
        { $ds: 1, c: 'chat', s: 6, v: 1, i: 0, n: 2, p: 'both shapes' },
      );
      for (let i = 0; i < 100; i++) garbage.push({ $ds: 1, c: `chan-${i}`, s: 0, i: 0, n: 2, p: 'x' });
      for (const [k, data] of garbage.entries()) {
        for (const fromId of [`fake-${k % 7}`, 'fake-flood']) b.emit('app-message', { action: 'app-message', data, fromId });
      }
      // The channel still works: a large message (many chunks) and a small one, in order.
      const aId = a.participants().local.session_id;
      const big = 'z'.repeat(20_000);
      const first = await attemptAsync(() => chA.send({ big }));
      const second = await attemptAsync(() => chA.send({ small: 1 }));
      const fromA = () => messages.items.filter((m) => m.fromId === aId);
      const arrived = await eventually(() => fromA().some((m) => m.data?.small === 1));
      const mine = fromA();
      const result = {
        open,
        sends,
        first,
        second,
        arrived,
        ordered: mine.every((m, i) => i === 0 || m.seq > mine[i - 1].seq),
        bigArrived: mine.some((m) => m.data?.big === big),
        gapsFromA: gaps.items.filter((g) => g.fromId === aId),
        ended: [messages.done, gaps.done],
        before,
        after: prototypes(),
      };
      syncA.dispose();
      result.afterDispose = await attemptAsync(() => chA.send({ late: 1 }));
      syncB.dispose();
      await Promise.all([a.destroy(), b.destroy()]);
      return result;
    });
    logCalls('channels', r.open, r.sends);
    assertNoViolations([
      ...Object.entries(r.open).flatMap(([where, table]) => violations(where, table)),
      ...Object.entries(r.sends).flatMap(([where, table]) => violations(where, table, { rejects: true })),
    ]);
    // A name is a non-empty string of bounded length (src/channel/codec.rs); the 10 MB one is over it.
    assertOutcomes('sync.channel(x)', r.open['sync.channel(x)'], (label) => (["'str'", "'*'"].includes(label) ? 'accepted' : 'invalid-argument'));
    // Options: nothing, or any object whose maxSize can be read; a primitive, a function or an
    // object whose reading throws is refused.
    const channelOptions = (label) =>
      (PRIMITIVES.includes(label) && label !== 'undefined' && label !== 'null') || FUNCTIONS.includes(label) || UNREADABLE.includes(label) ? 'invalid-argument' : 'accepted';
    assertOutcomes("sync.channel('c', x)", r.open["sync.channel('c', x)"], channelOptions);
    assertOutcomes('sync.channel(new name, x)', r.open['sync.channel(new name, x)'], channelOptions);
    // maxSize: nothing (1 MiB) or a finite number of at least 1.
    assertOutcomes('sync.channel(new name, { maxSize: x })', r.open['sync.channel(new name, { maxSize: x })'], (label) =>
      label === 'undefined' || label === '42' ? 'accepted' : 'invalid-argument',
    );
    assertOutcomes("channel(x, 'c')", r.open["channel(x, 'c')"], () => 'invalid-argument');
    // Data: anything with a JSON form within maxSize (1 MiB), sent as its JSON text in chunks.
    assertOutcomes('chat.send(x)', r.sends['chat.send(x)'], (label) =>
      NO_JSON.includes(label) || label === 'no argument' ? 'not-serializable' : TOO_LARGE.includes(label) ? 'payload-too-large' : 'accepted',
    );
    assertOutcomes('targets.send({ ok: 1 }, x)', r.sends['targets.send({ ok: 1 }, x)'], (label) => (RECIPIENTS.includes(label) ? 'accepted' : 'invalid-recipient'));
    assert.deepEqual([r.first, r.second], [{ resolved: true }, { resolved: true }], 'valid sends after the garbage');
    assert.equal(r.arrived, true, "a's messages arrive after the garbage");
    assert.equal(r.bigArrived, true, 'the 20,000-character message arrived whole');
    assert.equal(r.ordered, true, "a's messages arrive in order");
    assert.deepEqual(r.gapsFromA, [], 'no gap reported for a');
    assert.deepEqual(r.ended, [false, false], 'no channel stream ended');
    assert.equal(r.afterDispose.rejected?.kind, 'disposed', 'send() after dispose() rejects disposed');
    assertUnpolluted(r.before, r.after);
  });

  test('a channel message sent to one participant does not hold up, nor show as lost to, the others', async () => {
    // Found by the battery above, when sequence numbers counted per sender and channel whoever the
    // message was for: a participant that was not a recipient saw a hole, waited for it (the
    // reassembler's timeout, 10 s), then reported a gap. Direct messages now count per receiver.
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { drain, eventually } = window.x;
      const [a, b, c] = await createJoinedCallObjects(Daily, 3);
      const [syncA, syncB, syncC] = [a, b, c].map((call) => new DailySync(call));
      const chA = syncA.channel('chat');
      const atB = drain(syncB.channel('chat').messages());
      const gapsAtB = drain(syncB.channel('chat').gaps());
      const atC = drain(syncC.channel('chat').messages());
      await chA.send({ n: 0 });
      await chA.send({ onlyFor: 'c' }, c.participants().local.session_id);
      await chA.send({ n: 2 });
      const cGotAll = await eventually(() => atC.items.length === 3, 5000);
      const bGotBoth = await eventually(() => atB.items.length === 2, 2000); // well within the 10 s timeout
      const result = {
        cGotAll,
        bGotBoth,
        atB: atB.items.map((m) => JSON.stringify(m.data)),
        gapsAtB: gapsAtB.items.map((g) => `${g.first}..${g.last}`),
      };
      for (const s of [syncA, syncB, syncC]) s.dispose();
      await Promise.all([a, b, c].map((call) => call.destroy()));
      return result;
    });
    assert.equal(r.cGotAll, true, 'c got its three messages');
    assert.deepEqual({ bGotBoth: r.bGotBoth, atB: r.atB, gapsAtB: r.gapsAtB }, { bGotBoth: true, atB: ['{"n":0}', '{"n":2}'], gapsAtB: [] }, 'b got both messages for everyone at once, and no gap');
  });
});
