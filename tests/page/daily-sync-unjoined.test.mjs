// The daily-sync JS API (pkg/, built by scripts/build.sh) in a real browser against the REAL
// daily-js: unjoined call objects driven with call.emit(): arguments and errors, and the
// event adapters. Run: node --test tests/page/daily-sync-unjoined.test.mjs
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
describe('arguments and errors on an unjoined daily-js call object', () => {
  const page = usePage();

  test('new DailySync refuses what is not a call object (not-call-object)', async () => {
    const errors = await page.evaluate(() => {
      const { DailySync } = window.lib;
      const candidates = {
        '{}': {},
        null: null,
        42: 42,
        undefined: undefined,
        "'call'": 'call',
        'an object with only on/off': { on() {}, off() {} },
      };
      return Object.fromEntries(Object.entries(candidates).map(([k, v]) => [k, window.h.thrown(() => new DailySync(v))]));
    });
    assertAllKind(errors, 'not-call-object');
    assert.equal(
      errors['{}'].message,
      'not a call object: it has no on() method; pass a call object from Daily.createCallObject() or a local one',
    );
    assert.equal(errors.null.message, 'not a call object: got a non-object; pass a call object from Daily.createCallObject() or a local one');
  });

  test('new DailySync refuses bad options (invalid-argument) and takes good ones', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const bad = { NaN: NaN, '-5': -5, "'fast'": 'fast', 10: 10, Infinity: Infinity, '15': 15 };
      const badErrors = Object.fromEntries(
        Object.entries(bad).map(([k, v]) => [k, window.h.thrown(() => new DailySync(call, { sessionDataIntervalMs: v }))]),
      );
      badErrors['options = 5'] = window.h.thrown(() => new DailySync(call, 5));
      const good = [undefined, null, {}, { sessionDataIntervalMs: 16 }, { sessionDataIntervalMs: 1000 }];
      const goodErrors = good.map((options) =>
        window.h.thrown(() => {
          new DailySync(call, options).dispose();
        }),
      );
      const leftListeners = window.h.listenerCounts(call);
      await call.destroy();
      return { badErrors, goodErrors, leftListeners };
    });
    assertAllKind(r.badErrors, 'invalid-argument');
    assert.deepEqual(r.goodErrors, [null, null, null, null, null], 'valid options must be accepted');
    for (const [name, count] of Object.entries(r.leftListeners)) assert.equal(count, 0, `${name} listeners after dispose`);
  });

  test('sendAppMessage before join throws not-joined', async () => {
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(({ sync }) => {
        const errors = {
          'no recipient': window.h.thrown(() => sync.sendAppMessage({ hello: 1 })),
          "'*'": window.h.thrown(() => sync.sendAppMessage({ hello: 1 }, '*')),
          'one id': window.h.thrown(() => sync.sendAppMessage('hi', 'some-session-id')),
        };
        return errors;
      }),
    );
    assertAllKind(errors, 'not-joined');
    assert.equal(
      errors["'*'"].message,
      'not joined: sendAppMessage() works once the call has joined; await call.join() first, or create the DailySync with { queueUntilJoined: true } to hold sends until the join',
    );
  });

  test('sendAppMessage refuses top-level values with no JSON form (not-serializable)', async () => {
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(({ sync }) => {
        const bad = { undefined: undefined, 'a function': () => 1, 'a Symbol': Symbol('s'), '10n': 10n };
        const errors = Object.fromEntries(Object.entries(bad).map(([k, v]) => [k, window.h.thrown(() => sync.sendAppMessage(v))]));
        return errors;
      }),
    );
    assertAllKind(errors, 'not-serializable');
  });

  test('sendAppMessage refuses a cyclic object and a nested BigInt (not-serializable), before join too', async () => {
    // The contract: bad data is 'not-serializable', as it is for 10n at the top level above (and
    // as setUserData reports it before join). Joined, the same values are checked further below.
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(({ sync }) => {
        const cyclic = { name: 'loop' };
        cyclic.self = cyclic;
        const bad = { 'a cyclic object': cyclic, '{a: 1n}': { a: 1n } };
        const errors = Object.fromEntries(Object.entries(bad).map(([k, v]) => [k, window.h.thrown(() => sync.sendAppMessage(v))]));
        return errors;
      }),
    );
    assertAllKind(errors, 'not-serializable');
  });

  test('setUserData rejects data with no JSON form (not-serializable)', async () => {
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ sync }) => {
        const cyclic = {};
        cyclic.self = cyclic;
        const bad = { 'a function': () => 1, 'a Symbol': Symbol('s'), '10n': 10n, 'a cyclic object': cyclic, '{a: 1n}': { a: 1n } };
        const errors = {};
        for (const [k, v] of Object.entries(bad)) errors[k] = await window.h.rejection(() => sync.setUserData(v));
        return errors;
      }),
    );
    assertAllKind(errors, 'not-serializable');
    for (const [label, error] of Object.entries(errors)) assert.equal(error.synchronous, false, `${label}: must reject, not throw`);
  });

  test('sendAppMessage refuses bad recipients (invalid-recipient)', async () => {
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(({ sync }) => {
        const bad = { 42: 42, "''": '', '[]': [], "['a', 3]": ['a', 3], '{}': {}, "['*']": ['*'], "['a', '']": ['a', ''] };
        const errors = Object.fromEntries(Object.entries(bad).map(([k, v]) => [k, window.h.thrown(() => sync.sendAppMessage({ ok: 1 }, v))]));
        return errors;
      }),
    );
    assertAllKind(errors, 'invalid-recipient');
  });

  test('setUserData before join resolves', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ sync }) => {
        const set = await window.h.rejection(() => sync.setUserData({ color: 'blue' }));
        const cleared = await window.h.rejection(() => sync.setUserData(undefined));
        const resolvedTo = await sync.setUserData('a string');
        return { set, cleared, resolvedTo: resolvedTo === undefined ? 'undefined' : resolvedTo };
      }),
    );
    assert.equal(r.set, null, 'setUserData({color}) must resolve before join');
    assert.equal(r.cleared, null, 'setUserData(undefined) must resolve before join');
    assert.equal(r.resolvedTo, 'undefined', 'setUserData resolves to undefined');
  });

  test('setUserData over 4096 characters rejects payload-too-large with size and limit', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ sync }) => {
        const object = { text: 'x'.repeat(5000) };
        const result = {
          object: await window.h.rejection(() => sync.setUserData(object)),
          objectJsonLength: JSON.stringify(object).length,
          string: await window.h.rejection(() => sync.setUserData('é'.repeat(5000))),
          afterwards: await window.h.rejection(() => sync.setUserData({ small: true })),
        };
        return result;
      }),
    );
    assertKind(r.object, 'payload-too-large', 'setUserData({text: 5000 chars})');
    assert.equal(r.object.synchronous, false, 'must reject, not throw');
    assert.equal(r.object.size, r.objectJsonLength, 'size is JSON.stringify(data).length');
    assert.equal(r.object.limit, 4096);
    assertKind(r.string, 'payload-too-large', "setUserData('é' x 5000)");
    assert.equal(typeof r.string.size, 'number');
    assert.ok(r.string.size >= 5000, `size of a 5000-char string is at least 5000, got ${r.string.size}`);
    assert.equal(r.string.limit, 4096);
    assert.equal(r.afterwards, null, 'a valid setUserData after the error resolves');
  });

  test('setSessionData and mergeSessionData refuse what is not a plain object (not-plain-object)', async () => {
    const errors = await page.evaluate(() =>
      window.h.withUnjoinedSync(({ sync }) => {
        class Point {
          constructor() {
            this.x = 1;
          }
        }
        const bad = { '[1, 2]': [1, 2], 'new Map()': new Map([['a', 1]]), null: null, 'new Point()': new Point(), "'str'": 'str', 'new Date()': new Date() };
        const errors = {};
        for (const [k, v] of Object.entries(bad)) {
          errors[`setSessionData(${k})`] = window.h.thrown(() => sync.setSessionData(v));
          errors[`mergeSessionData(${k})`] = window.h.thrown(() => sync.mergeSessionData(v));
        }
        return errors;
      }),
    );
    assertAllKind(errors, 'not-plain-object');
  });

  test('data whose getter throws gives an Error with a kind, from every method', async () => {
    // "Every error the JS API throws (or rejects with) is an Error with a string kind."
    const errors = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const { thrown, rejection } = window.h;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const hostile = () => ({
        get a() {
          throw new Error('a getter threw');
        },
      });
      const errors = {
        sendAppMessage: thrown(() => sync.sendAppMessage(hostile())),
        setUserData: await rejection(() => sync.setUserData(hostile())),
        setSessionData: thrown(() => sync.setSessionData(hostile())),
        mergeSessionData: thrown(() => sync.mergeSessionData(hostile())),
      };
      sync.dispose();
      await call.destroy();
      return errors;
    });
    for (const [method, error] of Object.entries(errors)) {
      assert.ok(error, `${method}: expected an error`);
      assert.equal(error.isError, true, `${method}: an Error`);
      assert.equal(error.isRuntimeError, false, `${method}: not a RuntimeError`);
    }
    const kindTypes = Object.fromEntries(Object.entries(errors).map(([method, e]) => [method, typeof e.kind]));
    assert.deepEqual(
      kindTypes,
      { sendAppMessage: 'string', setUserData: 'string', setSessionData: 'string', mergeSessionData: 'string' },
      'every method reports it with a string kind',
    );
  });

  test('session data before join throws not-joined and changes nothing', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const writes = window.h.recordSessionWrites(call);
        const result = {
          set: window.h.thrown(() => sync.setSessionData({ a: 1 })),
          merge: window.h.thrown(() => sync.mergeSessionData({ a: 1 })),
          flush: window.h.thrown(() => sync.flushSessionData()),
          nullPrototypeObject: window.h.thrown(() => sync.setSessionData(Object.create(null))),
        };
        // Reading the view must not ask daily-js for a state it has not got (it logs an error).
        const logged = [];
        const original = console.error;
        console.error = (...args) => logged.push(args.map(String).join(' '));
        try {
          result.view = sync.sessionData();
        } finally {
          console.error = original;
        }
        result.logged = logged;
        await window.h.sleep(50);
        result.writes = writes.length;
        return result;
      }),
    );
    assertKind(r.set, 'not-joined', 'setSessionData before join');
    assert.match(r.set.message, /^not joined: setSessionData\(\) works once the call has joined; .*queueUntilJoined/);
    assertKind(r.merge, 'not-joined', 'mergeSessionData before join');
    assertKind(r.nullPrototypeObject, 'not-joined', 'setSessionData(Object.create(null)) is a plain object; not joined');
    assert.equal(r.flush, null, 'flushSessionData with nothing pending does not throw');
    assert.deepEqual(r.view, {}, 'sessionData() is unchanged');
    assert.deepEqual(r.logged, [], 'sessionData() before join logs nothing');
    assert.equal(r.writes, 0, 'nothing reached setMeetingSessionData');
  });

  test('after dispose() every method throws or rejects disposed, and dispose() again is fine', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      sync.dispose();
      const { thrown, rejection } = window.h;
      const errors = {
        sendAppMessage: thrown(() => sync.sendAppMessage({ a: 1 })),
        appMessages: thrown(() => sync.appMessages()),
        participants: thrown(() => sync.participants()),
        participantUpdates: thrown(() => sync.participantUpdates()),
        setSessionData: thrown(() => sync.setSessionData({ a: 1 })),
        mergeSessionData: thrown(() => sync.mergeSessionData({ a: 1 })),
        flushSessionData: thrown(() => sync.flushSessionData()),
        sessionData: thrown(() => sync.sessionData()),
        sessionStates: thrown(() => sync.sessionStates()),
      };
      const setUserData = await rejection(() => sync.setUserData({ a: 1 }));
      const disposeAgain = thrown(() => sync.dispose());
      const result = { errors, setUserData, disposeAgain, disposed: sync.disposed };
      await call.destroy();
      return result;
    });
    assertAllKind(r.errors, 'disposed');
    assertKind(r.setUserData, 'disposed', 'setUserData after dispose');
    assert.equal(r.setUserData.synchronous, false, 'setUserData rejects, it does not throw');
    assert.equal(r.disposeAgain, null, 'dispose() twice does not throw');
    assert.equal(r.disposed, true, 'the disposed getter');
  });

  test('after errors of every kind the DailySync still works', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject, waitUntil } = window.lib;
      const { thrown, rejection, collect } = window.h;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const errors = [
        thrown(() => sync.sendAppMessage(10n)),
        thrown(() => sync.sendAppMessage({ a: 1 }, 42)),
        thrown(() => sync.sendAppMessage({ a: 1 })),
        thrown(() => sync.setSessionData([])),
        thrown(() => sync.mergeSessionData({ a: 1 })),
        await rejection(() => sync.setUserData({ text: 'x'.repeat(5000) })),
        await rejection(() => sync.setUserData(Symbol('s'))),
      ];
      const messages = collect(sync.appMessages());
      call.emit('app-message', { action: 'app-message', data: { still: 'working' }, fromId: 'peer' });
      await waitUntil(() => messages.items.length === 1, 'the message after the errors');
      const result = {
        kinds: errors.map((e) => e && e.kind),
        runtimeErrors: errors.filter((e) => e && e.isRuntimeError).length,
        setUserData: await rejection(() => sync.setUserData({ ok: true })),
        participants: thrown(() => sync.participants()),
        sessionData: sync.sessionData(),
        messages: messages.items,
      };
      sync.dispose();
      await call.destroy();
      return result;
    });
    assert.deepEqual(r.kinds, [
      'not-serializable',
      'invalid-recipient',
      'not-joined',
      'not-plain-object',
      'not-joined',
      'payload-too-large',
      'not-serializable',
    ]);
    assert.equal(r.runtimeErrors, 0, 'no WebAssembly.RuntimeError');
    assert.equal(r.setUserData, null, 'a valid setUserData resolves');
    assert.equal(r.participants, null, 'participants() works');
    assert.deepEqual(r.sessionData, {});
    assert.deepEqual(r.messages, [{ data: { still: 'working' }, fromId: 'peer' }]);
  });
});

// ---------------------------------------------------------------------------------------------
describe('event adapters on a daily-js call object driven with emit()', () => {
  const page = usePage();

  test('appMessages() yields { data, fromId } for an app-message event', async () => {
    const items = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const { waitUntil } = window.lib;
        const messages = window.h.collect(sync.appMessages());
        call.emit('app-message', { action: 'app-message', data: { x: 1 }, fromId: 'abc', callClientId: 'c1' });
        call.emit('app-message', { action: 'app-message', data: 'text', fromId: 'def' });
        await waitUntil(() => messages.items.length === 2, 'two messages');
        return messages.items;
      }),
    );
    assert.deepEqual(items, [
      { data: { x: 1 }, fromId: 'abc' },
      { data: 'text', fromId: 'def' },
    ]);
  });

  test('garbage app-message payloads do not stop appMessages()', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const { waitUntil } = window.lib;
        const messages = window.h.collect(sync.appMessages());
        const emitted = window.h.thrown(() => {
          for (const garbage of [undefined, 42, 'str', null, {}, { get data() { throw new Error('hostile'); }, fromId: 'x' }]) {
            call.emit('app-message', garbage);
          }
          call.emit('app-message', { action: 'app-message', data: { good: true }, fromId: 'abc' });
        });
        await waitUntil(() => messages.items.some((m) => m.data?.good), 'the good message', 2000).catch(() => {});
        return { emitted, items: messages.items };
      }),
    );
    assert.equal(r.emitted, null, 'emitting garbage must not throw out of the listener');
    assert.deepEqual(r.items.at(-1), { data: { good: true }, fromId: 'abc' }, 'the good message arrives after the garbage');
  });

  test('garbage app-message payloads are skipped, not yielded', async () => {
    // hub.js: "payloads that are not of the event's shape are skipped"; an app-message with
    // no fromId is not one (the Rust API refuses it: "the app-message event has no string fromId").
    const items = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const { waitUntil } = window.lib;
        const messages = window.h.collect(sync.appMessages());
        for (const garbage of [undefined, 42, 'str', null, {}, { action: 'app-message' }]) call.emit('app-message', garbage);
        call.emit('app-message', { action: 'app-message', data: { good: true }, fromId: 'abc' });
        await waitUntil(() => messages.items.some((m) => m.data?.good), 'the good message');
        return messages.items;
      }),
    );
    assert.deepEqual(items, [{ data: { good: true }, fromId: 'abc' }], 'only the well-formed message is yielded');
  });

  test('participantUpdates() yields only { sessionId, userId, userName, local, owner, userData }', async () => {
    const items = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const { waitUntil } = window.lib;
        const updates = window.h.collect(sync.participantUpdates());
        for (const garbage of [undefined, 42, null, {}]) call.emit('participant-updated', garbage);
        call.emit('participant-updated', {
          action: 'participant-updated',
          participant: {
            session_id: 's1',
            user_id: 'u1',
            user_name: 'Ann',
            local: false,
            owner: true,
            userData: { color: 'red' },
            joined_at: new Date(),
            audio: true,
            tracks: { audio: { state: 'playable', track: {} } },
          },
        });
        await waitUntil(() => updates.items.length >= 1, 'one update');
        return updates.items.map((p) => ({ keys: Object.keys(p).sort(), p }));
      }),
    );
    assert.equal(items.length, 1, 'garbage participant-updated payloads are skipped');
    assert.deepEqual(items[0].keys, ['local', 'owner', 'sessionId', 'userData', 'userId', 'userName']);
    assert.deepEqual(items[0].p, { sessionId: 's1', userId: 'u1', userName: 'Ann', local: false, owner: true, userData: { color: 'red' } });
  });

  test('sessionStates() yields { data, topology } and sessionData() follows the room', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const { waitUntil } = window.lib;
        const states = window.h.collect(sync.sessionStates());
        const event = (data, topology) => ({ action: 'meeting-session-state-updated', meetingSessionState: { data, topology } });
        call.emit('meeting-session-state-updated', event({ k: 1, list: [1, 2] }, 'sfu'));
        call.emit('meeting-session-state-updated', undefined); // garbage: skipped
        call.emit('meeting-session-state-updated', event('not an object', 'sfu')); // garbage: skipped
        call.emit('meeting-session-state-updated', event({ k: 2 }, 'peer'));
        await waitUntil(() => states.items.length >= 2, 'two states');
        await window.h.sleep(20);
        const result = { items: states.items, view: sync.sessionData() };
        return result;
      }),
    );
    assert.deepEqual(r.items, [
      { data: { k: 1, list: [1, 2] }, topology: 'sfu' },
      { data: { k: 2 }, topology: 'peer' },
    ]);
    assert.deepEqual(r.view, { k: 2 }, 'sessionData() is the last room state');
  });

  test('two iterators at once both get every item', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject, waitUntil } = window.lib;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const other = new DailySync(call); // a second DailySync on the same call object
      const first = window.h.collect(sync.appMessages());
      const second = window.h.collect(sync.appMessages());
      const third = window.h.collect(other.appMessages());
      for (let i = 0; i < 3; i++) call.emit('app-message', { action: 'app-message', data: i, fromId: 'p' });
      await waitUntil(() => [first, second, third].every((c) => c.items.length === 3), 'three items each');
      sync.dispose();
      other.dispose();
      await call.destroy();
      return [first, second, third].map((c) => c.items.map((m) => m.data));
    });
    assert.deepEqual(r, [[0, 1, 2], [0, 1, 2], [0, 1, 2]]);
  });

  test('break in a for await ends the iterator and removes its listener', async () => {
    const r = await page.evaluate(() =>
      window.h.withUnjoinedSync(async ({ call, sync }) => {
        const before = call.listenerCount('app-message');
        const iterator = sync.appMessages();
        const during = call.listenerCount('app-message');
        setTimeout(() => call.emit('app-message', { action: 'app-message', data: 'stop', fromId: 'p' }), 10);
        const seen = [];
        for await (const message of iterator) {
          seen.push(message.data);
          break;
        }
        const after = call.listenerCount('app-message');
        const next = await iterator.next();
        return { before, during, after, seen, next };
      }),
    );
    assert.deepEqual(r.seen, ['stop']);
    // With daily-sync/channels loaded (as here), the DailySync already listens for requests: the
    // iterator shares that listener, the call object's one for the event.
    assert.equal(r.before, 1, 'one listener: the requests\' (daily-sync/channels is loaded)');
    assert.equal(r.during, r.before, 'the iterator shares the one listener');
    assert.equal(r.after, r.before, 'break left the call object as it found it');
    assert.deepEqual(r.next, { value: undefined, done: true }, 'the iterator stays ended');
  });

  test('dispose() ends open iterators: a pending next() resolves done', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const baseline = window.h.listenerCounts(call);
      const sync = new DailySync(call);
      const pending = [sync.appMessages().next(), sync.participantUpdates().next(), sync.sessionStates().next()];
      sync.dispose();
      const ended = await Promise.race([Promise.all(pending), window.h.sleep(1000).then(() => 'still pending')]);
      const after = window.h.listenerCounts(call);
      await call.destroy();
      return { baseline, ended, after };
    });
    assert.deepEqual(r.ended, [
      { value: undefined, done: true },
      { value: undefined, done: true },
      { value: undefined, done: true },
    ]);
    assert.deepEqual(r.after, r.baseline, 'every listener removed');
  });

  test('1,000 subscribe/unsubscribe cycles per iterator and 200 DailySync lifetimes leak no listener', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject, waitUntil } = window.lib;
      const call = createStandInCallObject(Daily);
      const baseline = window.h.listenerCounts(call);
      const sync = new DailySync(call);
      const withSync = window.h.listenerCounts(call);
      for (const method of ['appMessages', 'participantUpdates', 'sessionStates']) {
        for (let i = 0; i < 1000; i++) {
          const it = sync[method]();
          await it.return();
        }
      }
      const afterCycles = window.h.listenerCounts(call);
      for (let i = 0; i < 200; i++) {
        const other = new DailySync(call);
        other.appMessages();
        other.participantUpdates();
        other.sessionStates();
        other.dispose();
      }
      const afterLifetimes = window.h.listenerCounts(call);
      // Still delivering after all that.
      const messages = window.h.collect(sync.appMessages());
      call.emit('app-message', { action: 'app-message', data: 'alive', fromId: 'p' });
      await waitUntil(() => messages.items.length === 1, 'a message after the cycles');
      sync.dispose();
      const afterDispose = window.h.listenerCounts(call);
      await call.destroy();
      return { baseline, withSync, afterCycles, afterLifetimes, afterDispose, delivered: messages.items };
    });
    assert.deepEqual(r.afterCycles, r.withSync, 'subscribe/unsubscribe cycles leave the listener counts as they were');
    assert.deepEqual(r.afterLifetimes, r.withSync, 'DailySync lifetimes leave the listener counts as they were');
    assert.deepEqual(r.afterDispose, r.baseline, 'dispose() removes every listener');
    assert.deepEqual(r.delivered, [{ data: 'alive', fromId: 'p' }]);
  });

  test('one JS listener per event name per call object, however many iterators and DailySyncs', async () => {
    const r = await page.evaluate(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const events = { appMessages: 'app-message', participantUpdates: 'participant-updated', sessionStates: 'meeting-session-state-updated' };
      const baseline = window.h.listenerCounts(call);
      const syncs = [new DailySync(call), new DailySync(call)];
      const open = [];
      for (const sync of syncs) for (const method of Object.keys(events)) for (let i = 0; i < 5; i++) open.push(sync[method]());
      const withIterators = window.h.listenerCounts(call);
      for (const it of open) await it.return();
      const closed = window.h.listenerCounts(call);
      for (const sync of syncs) sync.dispose();
      const disposed = window.h.listenerCounts(call);
      await call.destroy();
      return { baseline, withIterators, closed, disposed };
    });
    for (const name of ['app-message', 'participant-updated', 'meeting-session-state-updated', 'joined-meeting']) {
      assert.equal(r.withIterators[name], r.baseline[name] + 1, `exactly one extra '${name}' listener`);
    }
    // daily-sync/channels is loaded: each DailySync listens for requests (app-message) until disposed.
    assert.equal(r.closed['app-message'], r.baseline['app-message'] + 1, 'the requests\' listener is left, one for both DailySyncs');
    assert.equal(r.closed['participant-updated'], r.baseline['participant-updated'], 'the last participant iterator removed its listener');
    assert.deepEqual(r.disposed, r.baseline, 'dispose() removed every listener');
  });
});
