// The daily-sync JS API (pkg/, built by scripts/build.sh) in a real browser against the REAL
// daily-js: unjoined call objects driven with call.emit(), and call objects joined offline to the
// stand-in call machine (tests/js/daily-stand-in/). Run: node --test tests/page/daily-sync.test.mjs
//
// Each page loads tests/page/fixtures/daily-sync-page.js as `window.h` (error/iterator helpers) and
// its setup() as `window.lib` ({ DailySync, Daily, createStandInCallObject, ... }).
import { test, describe, before, after, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { browser, openPage, serveRepository, server } from './harness.mjs';

const PAGE = '/tests/page/fixtures/blank.html';
const HELPERS = '/tests/page/fixtures/daily-sync-page.js';

serveRepository();

/**
 * Registers hooks giving the enclosing describe() a page with daily-sync loaded: one for the whole
 * group, or a fresh one per test (`perTest`, for tests that need an empty stand-in room). After
 * each test, checks that nothing crashed in the page during it.
 * @returns {{ evaluate: (fn: Function, arg?: unknown) => Promise<any> }}
 */
function usePage({ perTest = false } = {}) {
  let opened;
  const open = async () => {
    opened = await openPage(browser, server.url + PAGE);
    await opened.page.evaluate(async (helpers) => {
      window.h = await import(helpers);
      window.lib = await window.h.setup();
    }, HELPERS);
  };
  const close = async () => {
    await opened?.context.close();
    opened = undefined;
  };
  let checked = 0; // errors before this index were checked after an earlier test
  const checkNoCrash = () => {
    const fresh = opened ? opened.errors.slice(checked) : [];
    checked = opened ? opened.errors.length : 0;
    assertNoCrash(fresh);
  };
  (perTest ? beforeEach : before)(open);
  afterEach(checkNoCrash); // registered before close: runs while the page is open
  (perTest ? afterEach : after)(async () => {
    await close();
    checked = 0;
  });
  return { evaluate: (fn, arg) => opened.page.evaluate(fn, arg) };
}

/** No uncaught error, no unhandled rejection, and no wasm trap or Rust panic ever reached the page. */
function assertNoCrash(errors) {
  const crashes = errors.filter((e) => e.startsWith('pageerror:') || /RuntimeError|unreachable|panicked/.test(e));
  assert.deepEqual(crashes, [], 'the page saw an uncaught error, a wasm trap or a panic');
}

/** `error` (from h.thrown / h.rejection) is an Error of `kind`, not a wasm RuntimeError. */
function assertKind(error, kind, what) {
  assert.ok(error, `${what}: expected an error of kind '${kind}', but nothing was thrown`);
  assert.equal(error.isRuntimeError, false, `${what}: threw a WebAssembly.RuntimeError: ${error.message}`);
  assert.equal(error.isError, true, `${what}: threw a non-Error: ${error.message}`);
  assert.equal(error.kind, kind, `${what}: kind (message: ${error.message})`);
}

/** Every entry of `errors` ({ label: described error }) is of `kind`. */
function assertAllKind(errors, kind) {
  for (const [label, error] of Object.entries(errors)) assertKind(error, kind, label);
}

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
          view: sync.sessionData(),
          nullPrototypeObject: window.h.thrown(() => sync.setSessionData(Object.create(null))),
        };
        await window.h.sleep(50);
        result.writes = writes.length;
        return result;
      }),
    );
    assertKind(r.set, 'not-joined', 'setSessionData before join');
    assertKind(r.merge, 'not-joined', 'mergeSessionData before join');
    assertKind(r.nullPrototypeObject, 'not-joined', 'setSessionData(Object.create(null)) is a plain object; not joined');
    assert.equal(r.flush, null, 'flushSessionData with nothing pending does not throw');
    assert.deepEqual(r.view, {}, 'sessionData() is unchanged');
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
    assert.equal(r.during, r.before + 1, 'the iterator added one listener');
    assert.equal(r.after, r.before, 'break removed it');
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
      await call.destroy();
      return { baseline, withIterators, closed };
    });
    for (const name of ['app-message', 'participant-updated', 'meeting-session-state-updated', 'joined-meeting']) {
      assert.equal(r.withIterators[name], r.baseline[name] + 1, `exactly one extra '${name}' listener`);
    }
    assert.equal(r.closed['app-message'], r.baseline['app-message'], 'the last app-message iterator removed its listener');
    assert.equal(r.closed['participant-updated'], r.baseline['participant-updated'], 'the last participant iterator removed its listener');
  });
});

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
