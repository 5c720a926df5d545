// One truth for the rules both implementations hold (README, "Two implementations"): the shared
// constants (conformance/constants.json) against the JS modules' own, the chunk rule written one
// way, and the conformance tables (conformance/bad-inputs.json, conformance/errors.json) run on
// the JS API in a real browser with the real daily-js (tests/browser/conformance.rs runs the same
// tables on the Rust API). Run: node --test tests/page/conformance.test.mjs
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, serveRepository } from './harness.mjs';
import { usePage } from './fixtures/daily-sync-node.mjs';

const read = (path) => readFileSync(join(REPO_ROOT, path), 'utf8');
const table = (name) => JSON.parse(read(`conformance/${name}.json`));

describe('the shared constants', () => {
  const shared = table('constants');

  test('npm/constants.js holds the values of conformance/constants.json', async () => {
    const js = await import('../../npm/constants.js');
    assert.deepEqual(
      {
        appMessageLimit: js.APP_MESSAGE_LIMIT,
        userDataLimit: js.USER_DATA_LIMIT,
        sessionDataLimit: js.SESSION_DATA_LIMIT,
        streamBuffer: js.STREAM_BUFFER,
        minSessionDataIntervalMs: js.MIN_SESSION_DATA_INTERVAL_MS,
        defaultSessionDataIntervalMs: js.DEFAULT_SESSION_DATA_INTERVAL_MS,
        maxHeldBeforeJoin: js.MAX_HELD_BEFORE_JOIN,
        chunkMarker: js.CHUNK_MARKER,
        callObjectMethods: js.CALL_OBJECT_METHODS,
      },
      Object.fromEntries(Object.entries(shared).filter(([key]) => key !== 'about')),
    );
    assert.equal(js.isChunk({ [shared.chunkMarker]: 1 }), true, 'isChunk reads the marker');
    assert.equal(js.isChunk({ n: 1 }), false);
  });

  test('the modules that use them hold the same values', async () => {
    const [queue, hub, local] = await Promise.all([
      import('../../npm/join-queue.js'),
      import('../../npm/hub.js'),
      import('../../src/local/local_call.js'),
    ]);
    assert.equal(queue.MAX_QUEUED, shared.maxHeldBeforeJoin);
    assert.equal(hub.MAX_WAITING, shared.streamBuffer);
    assert.equal(local.SESSION_LIMIT, shared.sessionDataLimit, 'the local room imitates daily-js');
    assert.equal(local.USER_DATA_LIMIT, shared.userDataLimit);
  });

  test('no JS module writes a shared number or the chunk rule out again', () => {
    const files = [
      ...readdirSync(join(REPO_ROOT, 'npm')).filter((f) => f.endsWith('.js') && f !== 'constants.js').map((f) => `npm/${f}`),
    ];
    const code = (path) =>
      read(path)
        .split('\n')
        .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
        .join('\n');
    for (const path of files) {
      const text = code(path);
      for (const n of [shared.sessionDataLimit, shared.streamBuffer]) {
        assert.ok(!new RegExp(`\\b${n}\\b`).test(text), `${path} writes ${n}: import it from npm/constants.js`);
      }
      assert.ok(!/\b4096\b/.test(text), `${path} writes 4096: import it from npm/constants.js`);
    }
    // One chunk rule: the data is an object whose marker is not undefined ('$ds' in data differs
    // for a local emit of { $ds: undefined }).
    for (const path of [...files, 'npm/constants.js', 'src/sys.rs']) {
      assert.ok(!/['"]\$ds['"]\s+in\b/.test(read(path)), `${path} tests the chunk marker with 'in'`);
    }
  });
});

serveRepository();

describe('the conformance tables on the JS API and the real daily-js', () => {
  const page = usePage();
  const inputs = table('bad-inputs');
  const errors = table('errors');

  /** Checks a described error (or null) against an entry of a table. */
  const check = (entry, got, what) => {
    const label = `${what}: ${JSON.stringify(entry)}`;
    if (entry.kind === null) return assert.equal(got, null, `${label} must be accepted, got ${got?.message}`);
    assert.ok(got, `${label} must be refused`);
    assert.equal(got.isError, true, label);
    assert.equal(got.kind, entry.kind, `${label}: ${got.message}`);
    if (entry.message !== undefined) assert.equal(got.message, entry.message, label);
    if (entry.prefix !== undefined) assert.ok(got.message.startsWith(entry.prefix), `${label}: ${got.message}`);
    if (entry.size !== undefined) assert.deepEqual([got.size, got.limit], [entry.size, entry.limit], label);
  };

  test('bad recipients and payloads: the errors of the table, before join with queueUntilJoined', async () => {
    const results = await page.evaluate(async ({ recipients, payloads }) => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const valueOf = (entry) =>
        'string' in entry
          ? 'x'.repeat(entry.string - 2)
          : 'object' in entry
            ? { k: 'x'.repeat(entry.object - 8) }
            : 'js' in entry
              ? (0, eval)(`(${entry.js})`)
              : entry.data;
      const call = createStandInCallObject(Daily);
      // A fresh DailySync per entry: nothing of one entry stays for the next.
      const run = async (fn) => {
        const sync = new DailySync(call, { queueUntilJoined: true });
        try {
          return await window.h.rejection(async () => fn(sync));
        } finally {
          sync.dispose();
        }
      };
      const out = { recipients: [], channel: [], payloads: [] };
      for (const entry of recipients) {
        out.recipients.push(await run((sync) => sync.sendAppMessage({ n: 1 }, entry.to)));
        // The channels entry reads recipients in Rust (src/convert.rs).
        out.channel.push(await run((sync) => sync.channel('conformance').send({ n: 1 }, entry.to)));
      }
      for (const entry of payloads) {
        out.payloads.push(await run((sync) => sync[entry.method](valueOf(entry))));
      }
      await call.destroy();
      return out;
    }, inputs);
    inputs.recipients.forEach((entry, i) => {
      check(entry, results.recipients[i], 'sendAppMessage');
      if (entry.kind !== null) check(entry, results.channel[i], 'channel send');
      else assert.notEqual(results.channel[i]?.kind, 'invalid-recipient', `channel send: ${JSON.stringify(entry)}`);
    });
    inputs.payloads.forEach((entry, i) => check(entry, results.payloads[i], entry.method));
  });

  test('what is not a call object, and session-data intervals: the errors of the table', async () => {
    const { callObjectMethods } = table('constants');
    const results = await page.evaluate(
      ({ calls, intervals, methods }) => {
        const { DailySync, Daily, createStandInCallObject } = window.lib;
        const attempt = (fn) =>
          window.h.thrown(() => {
            fn().dispose();
          });
        const missing = methods.map((left) =>
          attempt(() => new DailySync(Object.fromEntries(methods.filter((m) => m !== left).map((m) => [m, () => {}])))),
        );
        const call = createStandInCallObject(Daily);
        const out = {
          calls: calls.map((entry) => attempt(() => new DailySync((0, eval)(`(${entry.js})`)))),
          missing,
          intervals: intervals.map((entry) => attempt(() => new DailySync(call, { sessionDataIntervalMs: entry.ms }))),
        };
        return call.destroy().then(() => out);
      },
      { calls: inputs.calls, intervals: inputs.intervals, methods: callObjectMethods },
    );
    inputs.calls.forEach((entry, i) => check(entry, results.calls[i], `new DailySync(${entry.js})`));
    callObjectMethods.forEach((left, i) => {
      const message = `not a call object: it has no ${left}() method; pass a call object from Daily.createCallObject() or a local one`;
      check({ kind: 'not-call-object', message }, results.missing[i], `a call object with no ${left}()`);
    });
    inputs.intervals.forEach((entry, i) => check(entry, results.intervals[i], `sessionDataIntervalMs ${entry.ms}`));
  });

  test("daily-js's error texts: the kinds of the table", async () => {
    const results = await page.evaluate((entries) => {
      const { DailySync } = window.lib;
      return entries.map(({ text, type = 'Error' }) => {
        const make = () => (type === 'string' ? text : type === 'number' ? 42 : new globalThis[type](text));
        const fail = () => {
          throw make();
        };
        const call = {
          on() {},
          off() {},
          participants: () => ({}),
          meetingState: () => 'joined-meeting',
          sendAppMessage: fail,
          setUserData: fail,
          setMeetingSessionData: fail,
        };
        const sync = new DailySync(call);
        try {
          return window.h.thrown(() => sync.sendAppMessage({ n: 1 }));
        } finally {
          sync.dispose();
        }
      });
    }, errors.errors);
    errors.errors.forEach((entry, i) => check(entry, results[i], 'sendAppMessage'));
  });

  test('the texts the real daily-js throws before join are in the table', async () => {
    const texts = await page.evaluate(async () => {
      const { Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const thrown = (fn) => {
        try {
          fn();
        } catch (error) {
          return error.message;
        }
        return null;
      };
      const out = [thrown(() => call.sendAppMessage({ n: 1 })), thrown(() => call.setMeetingSessionData({ n: 1 }))];
      await call.destroy();
      return out;
    });
    const known = errors.errors.map((entry) => entry.text);
    for (const text of texts) assert.ok(known.includes(text), `daily-js threw ${JSON.stringify(text)}, not in conformance/errors.json`);
  });
});
