// Hostile input: the library inside other people's apps, in a real browser (pkg/, built by
// scripts/build.sh), against the REAL daily-js (joined offline to tests/js/daily-stand-in/) and the
// local room: DailyRestClient, createLocalCallObject and the
// local call object's methods fed the same hostile values: each gets an Error with a `kind` (the
// local call object, which imitates daily-js, may throw daily-js's plain Errors), nothing traps,
// and the object still works afterwards.
// Run: node --test tests/page/hostile-local-call-and-rest.test.mjs
//
// Each test has its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/hostile-page.js as `window.x` and its setup() as `window.lib`), so that a
// trap in one cannot spoil the next. The node side's tables and checks are in
// tests/page/fixtures/hostile-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { REST_BASE, TOO_LARGE, RECIPIENTS, PLAIN_OBJECTS, NO_JSON_FORM, UNCLONABLE, UNREADABLE, PRIMITIVES, FUNCTIONS, sessionOutcome, run, assertNoCrash, violations, logCalls, assertOutcomes, assertNoViolations, assertUnpolluted } from './fixtures/hostile-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('DailyRestClient: bad options, bad rooms, bad data, bad recipients', () => {
  test('the constructor throws and sendAppMessage rejects Errors with a kind, always settling; then a valid send resolves', async () => {
    const r = await run(async (base) => {
      const { DailyRestClient } = window.lib;
      const { attempt, attemptAsync, battery, batteryAsync, hostileValues, prototypes } = window.x;
      const before = prototypes();
      // The hostile values, and for each option a few values of the right type at its edges.
      const values = Object.entries(hostileValues());
      const extra = {
        apiKey: [['a key with a trailing newline', 'sk_1\n'], ['a key with a newline inside', 'sk\n1'], ['a key with a space inside', 'sk 1'], ['a non-ASCII key', 'clé']],
        baseUrl: [['the test base', base], ['http://127.0.0.1:8080/v1', 'http://127.0.0.1:8080/v1'], ['ftp://host/v1', 'ftp://host/v1'], ['https://', 'https://'], ['api.daily.co/v1', 'api.daily.co/v1']],
        timeoutMs: [['0', 0], ['0.5', 0.5], ['1', 1], ['2 ** 31 - 1', 2 ** 31 - 1], ['2 ** 31', 2 ** 31]],
        retries: [['0', 0], ['10', 10], ['11', 11], ['-1', -1]],
        retryServerErrors: [['false', false]],
      };
      const option = (key, make) => [`{ ${key}: x }`, make];
      const ctor = battery({ 'new DailyRestClient(x)': (v) => new DailyRestClient(v) }, values);
      ctor['new DailyRestClient(x)']['no argument'] = attempt(() => new DailyRestClient());
      for (const [where, make] of [
        option('apiKey', (v) => new DailyRestClient({ apiKey: v })),
        option('baseUrl', (v) => new DailyRestClient({ apiKey: 'k', baseUrl: v })),
        option('timeoutMs', (v) => new DailyRestClient({ apiKey: 'k', timeoutMs: v })),
        option('retries', (v) => new DailyRestClient({ apiKey: 'k', retries: v })),
        option('retryServerErrors', (v) => new DailyRestClient({ apiKey: 'k', retryServerErrors: v })),
      ]) {
        Object.assign(ctor, battery({ [where]: make }, [...values, ...extra[where.slice(2, where.indexOf(':'))]]));
      }
      const client = new DailyRestClient({ apiKey: 'test-key', baseUrl: base, retries: 0, timeoutMs: 2000 });
      const sends = await batteryAsync({
        "sendAppMessage(x, { a: 1 })": (v) => client.sendAppMessage(v, { a: 1 }),
        "sendAppMessage('room', x)": (v) => client.sendAppMessage('room', v),
        "sendAppMessage('room', { a: 1 }, x)": (v) => client.sendAppMessage('room', { a: 1 }, v),
      }, values);
      sends['sendAppMessage(x, { a: 1 })']['no argument'] = await attemptAsync(() => client.sendAppMessage());
      const valid = await attemptAsync(() => client.sendAppMessage('room', { hello: 'world' }, '*'));
      const answer = await client.sendAppMessage('room', { hello: 'again' }).catch((e) => e.message);
      return { ctor, sends, valid, answer, before, after: prototypes() };
    }, REST_BASE, { returnCrashes: true });
    logCalls('DailyRestClient', r.ctor, r.sends);
    assertNoViolations([
      ...Object.entries(r.ctor).flatMap(([where, table]) => violations(`new DailyRestClient ${where}`, table)),
      ...Object.entries(r.sends).flatMap(([where, table]) => violations(where, table, { rejects: true })),
    ]);
    // Options: an object with an apiKey, so nothing else will do.
    assertOutcomes('new DailyRestClient(x)', r.ctor['new DailyRestClient(x)'], () => 'invalid-argument');
    // apiKey: a non-empty string an HTTP header can carry (surrounding whitespace dropped).
    const keys = ["'str'", "'*'", '10 MB string', 'a key with a trailing newline'];
    assertOutcomes('{ apiKey: x }', r.ctor['{ apiKey: x }'], (label) => (keys.includes(label) ? 'accepted' : 'invalid-argument'));
    // baseUrl: nothing (Daily's API) or an absolute http(s) URL.
    const urls = ['undefined', 'the test base', 'http://127.0.0.1:8080/v1'];
    assertOutcomes('{ baseUrl: x }', r.ctor['{ baseUrl: x }'], (label) => (urls.includes(label) ? 'accepted' : 'invalid-argument'));
    // timeoutMs: nothing (10 s) or 1 ms to 2^31 - 1 ms (what a JS timer can wait; a longer one fires at once).
    const timeouts = ['undefined', '42', '1', '2 ** 31 - 1'];
    assertOutcomes('{ timeoutMs: x }', r.ctor['{ timeoutMs: x }'], (label) => (timeouts.includes(label) ? 'accepted' : 'invalid-argument'));
    // retries: nothing (2) or 0 to 10; more is refused, not cut to 10.
    const retries = ['undefined', '-0', '0', '10'];
    assertOutcomes('{ retries: x }', r.ctor['{ retries: x }'], (label) => (retries.includes(label) ? 'accepted' : 'invalid-argument'));
    assertOutcomes('{ retryServerErrors: x }', r.ctor['{ retryServerErrors: x }'], (label) =>
      ['undefined', 'true', 'false'].includes(label) ? 'accepted' : 'invalid-argument',
    );
    // The room: a non-empty string, percent-encoded into the path. A 10 MB one makes a URL the
    // runtime's fetch refuses (Chromium's limit is 2 MB): network.
    assertOutcomes('sendAppMessage(x, { a: 1 })', r.sends['sendAppMessage(x, { a: 1 })'], (label) =>
      ["'str'", "'*'"].includes(label) ? 'accepted' : label === '10 MB string' ? 'network' : 'invalid-argument',
    );
    // The data: a plain object whose JSON text is within 4096 characters (the OpenAPI's `data: object`).
    assertOutcomes("sendAppMessage('room', x)", r.sends["sendAppMessage('room', x)"], (label) =>
      label === '{ text: 10 MB }' || label === '10,000-deep object'
        ? 'payload-too-large'
        : label === 'a throwing toJSON'
          ? 'not-serializable'
          : sessionOutcome(label) === 'not-joined'
            ? 'accepted'
            : sessionOutcome(label),
    );
    // The recipient: '*' (or nothing) or one session id; never a list.
    assertOutcomes("sendAppMessage('room', { a: 1 }, x)", r.sends["sendAppMessage('room', { a: 1 }, x)"], (label) =>
      RECIPIENTS.includes(label) ? 'accepted' : 'invalid-recipient',
    );
    assert.deepEqual(r.valid, { resolved: true }, 'a valid send still resolves');
    assert.deepEqual(r.answer, { sent: 'true' });
    assertUnpolluted(r.before, r.after);
    assertNoCrash(r.crashes.map((e) => e.split('\n')[0]));
  });
});

// ---------------------------------------------------------------------------------------------
describe('createLocalCallObject and the local call object', () => {
  test('createLocalCallObject(bad options) returns or throws an Error with a kind, never traps; then a valid room works', async () => {
    const r = await run(async () => {
      const { createLocalCallObject, DailySync } = window.lib;
      const { attempt, battery, hostileValues, drain, eventually } = window.x;
      const values = Object.entries(hostileValues());
      // The hostile values, and for some options a few values of the right type at their edges.
      const ms = [['2 ** 31 - 1', 2 ** 31 - 1], ['2 ** 31', 2 ** 31]];
      const extra = { owner: [['false', false]], url: [['a ws:// URL', 'ws://127.0.0.1:1/v1/rooms/r/ws'], ['an http:// URL', 'http://127.0.0.1:1/']], dropRate: [['0.5', 0.5], ['1.5', 1.5]] };
      const table = battery({ 'createLocalCallObject(x)': (v) => createLocalCallObject(v) }, values);
      table['createLocalCallObject(x)']['no argument'] = attempt(() => createLocalCallObject());
      const keys = ['room', 'userName', 'userId', 'owner', 'transport', 'url', 'sessionDataSyncMs', 'userDataDelayMs', 'joinWindowMs', 'heartbeatMs', 'peerTimeoutMs', 'appMessageLimit', 'network'];
      for (const key of keys) {
        Object.assign(table, battery({ [`{ ${key}: x }`]: (v) => createLocalCallObject({ transport: 'memory', [key]: v }) }, [...values, ...(extra[key] ?? (key.endsWith('Ms') || key === 'appMessageLimit' ? ms : []))]));
      }
      for (const key of ['latencyMs', 'jitterMs', 'dropRate', 'seed']) {
        Object.assign(table, battery({ [`{ network: { ${key}: x } }`]: (v) => createLocalCallObject({ transport: 'memory', network: { [key]: v } }) }, [...values, ...(extra[key] ?? ms)]));
      }
      const room = `valid-${Math.random()}`;
      const a = createLocalCallObject({ transport: 'memory', room });
      const b = createLocalCallObject({ transport: 'memory', room });
      await a.join();
      await b.join();
      const syncB = new DailySync(b);
      const heard = drain(syncB.appMessages());
      new DailySync(a).sendAppMessage({ works: true });
      const works = await eventually(() => heard.items.some((m) => m.data.works));
      await Promise.all([a.leave(), b.leave()]);
      return { table, works };
    });
    logCalls('createLocalCallObject', r.table);
    assertNoViolations(Object.entries(r.table).flatMap(([where, table]) => violations(where, table)));
    // An options object (or nothing) whose properties can be read; each option of its type, checked
    // whichever transport is chosen.
    const anObject = (label) => !PRIMITIVES.includes(label) && !FUNCTIONS.includes(label) && !UNREADABLE.includes(label);
    const strings = ["''", "'str'", "'*'", '10 MB string'];
    const right = {
      'createLocalCallObject(x)': (label) => label === 'undefined' || label === 'null' || label === 'no argument' || anObject(label),
      '{ room: x }': (label) => label === 'undefined' || (strings.includes(label) && label !== "''"),
      '{ userName: x }': (label) => label === 'undefined' || strings.includes(label),
      '{ userId: x }': (label) => label === 'undefined' || strings.includes(label),
      '{ owner: x }': (label) => ['undefined', 'true', 'false'].includes(label),
      '{ transport: x }': (label) => label === 'undefined',
      // The dev server's room socket (ws://, wss://), or a room URL as daily-js takes one (http://, https://).
      '{ url: x }': (label) => ['undefined', 'a ws:// URL', 'an http:// URL'].includes(label),
      '{ network: x }': (label) => label === 'undefined' || anObject(label),
      '{ network: { dropRate: x } }': (label) => ['undefined', '-0', '0.5'].includes(label),
    };
    // Times (and the app message limit, and the seed): a number from 0 to 2^31 - 1, what a JS timer can wait.
    const number = (label) => ['undefined', '42', '-0', '2 ** 31 - 1'].includes(label);
    for (const [where, table] of Object.entries(r.table)) {
      assertOutcomes(where, table, (label) => ((right[where] ?? number)(label) ? 'accepted' : 'invalid-argument'));
    }
    assert.equal(Object.keys(r.table).length, 18, 'every option has its table');
    assert.equal(r.works, true, 'a valid room works after the bad options');
  });

  test("the local call object's methods with bad arguments throw or reject Errors (daily-js's), never trap; the room still works", async () => {
    const r = await run(async () => {
      const { createLocalCallObject, DailySync, Daily, createStandInCallObject, createJoinedCallObjects, joinStandIn } = window.lib;
      const { attempt, attemptAsync, battery, batteryAsync, hostileValues, prototypes, drain, eventually } = window.x;
      const before = prototypes();
      const room = `methods-${Math.random()}`;
      const peer = createLocalCallObject({ transport: 'memory', room });
      const call = createLocalCallObject({ transport: 'memory', room });
      await peer.join({ userName: 'peer' });
      await call.join({ userName: 'me' });
      const peerSync = new DailySync(peer, { sessionDataIntervalMs: 16 });
      const heard = drain(peerSync.appMessages());
      const values = Object.entries(hostileValues());
      // The calls whose outcomes are compared with daily-js's, run on both.
      const compared = (target) => ({
        'sendAppMessage(x)': (v) => target.sendAppMessage(v),
        'setMeetingSessionData(x)': (v) => target.setMeetingSessionData(v),
        "setMeetingSessionData({ k: x }, 'shallow-merge')": (v) => target.setMeetingSessionData({ k: v }, 'shallow-merge'),
        'setMeetingSessionData({ k: 1 }, x)': (v) => target.setMeetingSessionData({ k: 1 }, v),
      });
      const tables = battery({
        ...compared(call),
        'sendAppMessage({ ok: 1 }, x)': (v) => call.sendAppMessage({ ok: 1 }, v),
        'meetingSessionState(x)': (v) => call.meetingSessionState(v),
        'participants(x)': (v) => call.participants(v),
        'meetingState(x)': (v) => call.meetingState(v),
        'listenerCount(x)': (v) => call.listenerCount(v),
        'off(x, x)': (v) => call.off(v, v),
        "emit('x-hostile', x)": (v) => call.emit('x-hostile', v),
        'emit(x, {})': (v) => call.emit(v, {}),
      }, values);
      const { 'setUserData(x)': userData } = await batteryAsync({ 'setUserData(x)': (v) => call.setUserData(v) }, values);
      // The same calls on daily-js, joined to the stand-in, and join({ userData }) on both.
      const [daily] = await createJoinedCallObjects(Daily, 1);
      const dailyTables = { ...battery(compared(daily), values), ...(await batteryAsync({ 'setUserData(x)': (v) => daily.setUserData(v) }, values)) };
      await daily.destroy();
      const joinUserData = { local: {}, daily: {} };
      for (const [label, v] of values) {
        const fresh = createLocalCallObject({ transport: 'memory', room: `join-${Math.random()}` });
        joinUserData.local[label] = await attemptAsync(() => fresh.join({ userData: v }));
        await fresh.leave();
        const real = createStandInCallObject(Daily);
        joinUserData.daily[label] = await attemptAsync(() => joinStandIn(real, { userData: v }));
        await real.destroy();
      }
      const joinAgain = {};
      for (const [label, v] of values) joinAgain[label] = await attemptAsync(() => call.join(v));
      // Still works.
      const myId = call.participants().local.session_id;
      call.sendAppMessage({ good: 1 }, '*');
      await call.setUserData({ good: 2 });
      call.setMeetingSessionData({ good: 3 }, 'replace');
      const works = {
        message: await eventually(() => heard.items.some((m) => m.data?.good === 1 && m.fromId === myId)),
        userData: await eventually(() => peerSync.participants().some((p) => p.sessionId === myId && p.userData?.good === 2)),
        session: await eventually(() => peerSync.sessionData().good === 3),
      };
      await Promise.all([call.leave(), peer.leave()]);
      return { tables, userData, dailyTables, joinUserData, joinAgain, works, before, after: prototypes() };
    });
    const found = [];
    for (const [where, table] of Object.entries(r.tables)) found.push(...violations(where, table, { kinded: false }));
    found.push(...violations('setUserData(x)', r.userData, { kinded: false }));
    found.push(...violations('join({ userData: x })', r.joinUserData.local, { kinded: false }));
    found.push(...violations('join(x) while joined', r.joinAgain, { kinded: false }));
    logCalls('the local call object', r.tables, r.userData, r.joinUserData.local, r.joinAgain);
    assertNoViolations(found);
    // The right outcome of each call: accepted, or daily-js's Error (its message, word for word
    // where daily-js words it; JSON.stringify's own Error where daily-js lets that through).
    const proxyTrap = /hostile get trap|Cannot perform 'get' on a proxy that has been revoked/;
    const proxies = [...UNREADABLE, 'a function Proxy whose traps throw'];
    const jsonError = (label) =>
      ['10n', '{ a: 1n }'].includes(label) ? /Do not know how to serialize a BigInt/
        : label.startsWith('a cyclic') ? /Converting circular structure to JSON/
          : label === 'a throwing getter' ? /hostile getter/
            : label === 'a throwing toJSON' ? /hostile toJSON/
              : proxies.includes(label) ? proxyTrap
                : undefined;
    const prefixed = (prefix, pattern) => new RegExp(prefix.source + '(' + pattern.source + ')');
    const sendTooLarge = [...TOO_LARGE, '10,000-deep object', '10,000-deep array'];
    // Values JSON.stringify writes nothing for: daily-js's JSON round trip of them throws.
    const NO_JSON_VALUE = ['Symbol', 'a function', 'a class'];
    const expected = {
      'sendAppMessage(x)': (label) =>
        ['undefined', 'Symbol', 'a function', 'a class'].includes(label) ? /^Cannot read properties of undefined \(reading 'length'\)$/
          : sendTooLarge.includes(label) ? /^Message data too large\. Max size is 4096$/
            : jsonError(label) ?? 'accepted',
      // The local call object checks recipients as DailySync does (daily-js takes any it can clone, and delivers to nobody).
      'sendAppMessage({ ok: 1 }, x)': (label) => (RECIPIENTS.includes(label) ? 'accepted' : 'invalid-recipient'),
      'setMeetingSessionData(x)': (label) =>
        label === '{ text: 10 MB }' ? /^Meeting session data is too large \(10485771 characters\)\. Maximum size suppported is 102400\.$/
          : UNREADABLE.includes(label) ? /^(hostile getPrototypeOf trap|Cannot perform 'getPrototypeOf' on a proxy that has been revoked)$/
            : PLAIN_OBJECTS.includes(label) || NO_JSON_FORM.includes(label)
              ? (jsonError(label) ? prefixed(/^Meeting session data must be serializable to JSON: (TypeError|Error): /, jsonError(label)) : 'accepted')
              : /^Meeting session data must be a plain \(map-like\) object$/,
      "setMeetingSessionData({ k: x }, 'shallow-merge')": (label) =>
        NO_JSON_VALUE.includes(label) ? /^Meeting session data must be serializable to JSON: SyntaxError: "undefined" is not valid JSON$/
          : TOO_LARGE.includes(label) ? /^Meeting session data is too large \(\d+ characters\)\. Maximum size suppported is 102400\.$/
          : jsonError(label) ? prefixed(/^Meeting session data must be serializable to JSON: (TypeError|Error): /, jsonError(label)) : 'accepted',
      'setMeetingSessionData({ k: 1 }, x)': (label) =>
        label === 'undefined' ? 'accepted' : /^Unrecognized mergeStrategy provided\. Options are: \[replace,shallow-merge\]$/,
      'setUserData(x)': (label) =>
        NO_JSON_VALUE.includes(label) ? /^userData must be serializable to JSON: SyntaxError: "undefined" is not valid JSON$/
          : label === '10 MB string' ? /^userData is too large \(10485760 characters\)\. Maximum size suppported is 4096\.$/
            : label === '{ text: 10 MB }' || label.startsWith('10,000-deep') ? /^userData is too large \(\d+ characters\)\. Maximum size suppported is 4096\.$/
              : jsonError(label) ? prefixed(/^userData must be serializable to JSON: (TypeError|Error): /, jsonError(label)) : 'accepted',
      'join({ userData: x })': (label) =>
        NO_JSON_VALUE.includes(label) ? /^userData must be serializable to JSON: SyntaxError: "undefined" is not valid JSON$/
          : TOO_LARGE.includes(label) || label.startsWith('10,000-deep') ? /^userData is too large \(\d+ characters\)/
          : jsonError(label) ? prefixed(/^userData must be serializable to JSON: (TypeError|Error): /, jsonError(label)) : 'accepted',
    };
    for (const [where, table] of Object.entries(r.tables)) {
      if (expected[where]) assertOutcomes(where, table, expected[where]);
      // The methods that take no argument ignore one; off() takes any name, and a function as listener (EventEmitter's check).
      else assertOutcomes(where, table, (label) => (where.startsWith('off') && !FUNCTIONS.includes(label) ? /^The "listener" argument must be of type function/ : 'accepted'));
    }
    assertOutcomes('setUserData(x)', r.userData, expected['setUserData(x)']);
    assertOutcomes('join({ userData: x })', r.joinUserData.local, expected['join({ userData: x })']);
    // Where the local call object and daily-js part: accepted by one, refused by the other. Each
    // difference is named; any other is a failure, and so is a named one that is gone.
    const cannotClone = 'daily-js cannot structured-clone it; the local room sends its JSON form';
    const deep = "daily-js's comparison of the value with its JSON round trip overflows the stack";
    const differences = {
      'sendAppMessage(x)': Object.fromEntries(UNCLONABLE.map((label) => [label, cannotClone])),
      'setMeetingSessionData(x)': { '10,000-deep object': deep, 'a throwing toString': cannotClone, 'a string-like object': cannotClone },
      "setMeetingSessionData({ k: x }, 'shallow-merge')": {
        ...Object.fromEntries(UNCLONABLE.map((label) => [label, cannotClone])),
        '10,000-deep object': deep, '10,000-deep array': deep,
        'a String object': "daily-js's check uses the 'in' operator on it, which throws",
      },
      'setMeetingSessionData({ k: 1 }, x)': {},
      'setUserData(x)': Object.fromEntries(UNCLONABLE.map((label) => [label, cannotClone])),
      'join({ userData: x })': Object.fromEntries(UNCLONABLE.map((label) => [label, cannotClone])),
    };
    const verdict = (o) => (o.returned || o.resolved ? 'accepted' : 'refused');
    const local = { ...r.tables, 'setUserData(x)': r.userData, 'join({ userData: x })': r.joinUserData.local };
    const daily = { ...r.dailyTables, 'join({ userData: x })': r.joinUserData.daily };
    const parted = {};
    for (const where of Object.keys(differences)) {
      parted[where] = {};
      for (const [label, outcome] of Object.entries(local[where])) {
        if (verdict(outcome) !== verdict(daily[where][label])) parted[where][label] = differences[where][label] ?? `unexplained: local ${verdict(outcome)}, daily-js ${verdict(daily[where][label])}`;
      }
    }
    assert.deepEqual(parted, differences, 'the local call object and daily-js differ only where named');
    assert.deepEqual(r.works, { message: true, userData: true, session: true }, 'the room still works');
    assertUnpolluted(r.before, r.after);
  });

  test('join() with bad options never traps, and a valid join works afterwards', async () => {
    const r = await run(async () => {
      const { createLocalCallObject } = window.lib;
      const { attemptAsync, hostileValues } = window.x;
      const table = {};
      for (const [label, v] of Object.entries(hostileValues())) {
        for (const [what, options] of [
          [`join(${label})`, v],
          [`join({ userName: ${label} })`, { userName: v }],
          [`join({ userData: ${label} })`, { userData: v }],
        ]) {
          const call = createLocalCallObject({ transport: 'memory', room: `join-${Math.random()}` });
          table[what] = await attemptAsync(() => call.join(options));
          await call.leave();
        }
      }
      const call = createLocalCallObject({ transport: 'memory', room: `join-${Math.random()}` });
      const valid = await attemptAsync(() => call.join({ userName: 'valid' }));
      const state = call.meetingState();
      await call.leave();
      return { table, valid, state };
    });
    logCalls('join() with bad options', r.table);
    assertNoViolations(violations('the local call object', r.table, { kinded: false }));
    // join(x): the local room needs no URL, and an argument that is not an object is no options;
    // options whose reading throws are refused. A userName that is not a string is not used.
    const joins = Object.entries(r.table).filter(([what]) => !what.startsWith('join({ userData'));
    assertOutcomes('join', Object.fromEntries(joins), (what) =>
      UNREADABLE.some((label) => what === `join(${label})`) ? /hostile get trap|Cannot perform 'get' on a proxy that has been revoked/ : 'accepted',
    );
    assert.deepEqual(r.valid, { resolved: true });
    assert.equal(r.state, 'joined-meeting');
  });

  test('join({ userData: too large }) is refused, and a later join() without userData works (as with daily-js)', async () => {
    const r = await run(async () => {
      const { createLocalCallObject, Daily, createStandInCallObject, joinStandIn } = window.lib;
      const { attemptAsync } = window.x;
      const call = createLocalCallObject({ transport: 'memory', room: `ud-${Math.random()}` });
      const refused = await attemptAsync(() => call.join({ userData: 'x'.repeat(5000) }));
      const later = await attemptAsync(() => call.join());
      const state = call.meetingState();
      await call.leave();
      const real = createStandInCallObject(Daily);
      const realRefused = await attemptAsync(() => joinStandIn(real, { userData: 'x'.repeat(5000) }));
      const realLater = await attemptAsync(() => joinStandIn(real));
      await real.destroy();
      return { refused, later, state, realRefused, realLater };
    });
    assert.ok(r.realRefused.rejected && r.realLater.resolved, 'daily-js: refused, then a plain join works');
    assert.ok(r.refused.rejected, 'the too-large userData is refused');
    assert.deepEqual(r.later, { resolved: true }, `a later join() must not be refused (got: ${JSON.stringify(r.later)})`);
    assert.equal(r.state, 'joined-meeting');
  });

  test("on(name, not a function) throws at once, as daily-js's does, instead of failing uncaught at every event", async () => {
    const r = await run(async () => {
      const { createLocalCallObject, Daily, createStandInCallObject } = window.lib;
      const { attempt } = window.x;
      const real = createStandInCallObject(Daily);
      const result = {};
      for (const [label, v] of [['42', 42], ['undefined', undefined], ['{}', {}], ["'str'", 'str']]) {
        // Never joined, so no event reaches whatever the local call object registered.
        const call = createLocalCallObject({ transport: 'memory', room: `on-${Math.random()}` });
        result[label] = { daily: attempt(() => real.on('app-message', v)).threw?.isError === true, local: attempt(() => call.on('app-message', v)) };
      }
      await real.destroy();
      return result;
    });
    for (const [label, { daily, local }] of Object.entries(r)) {
      assert.equal(daily, true, `daily-js refuses on('app-message', ${label})`);
      assert.equal(local.threw?.isError, true, `the local call object must refuse on('app-message', ${label}) too`);
    }
  });
});
