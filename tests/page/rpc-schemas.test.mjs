// Requests checked by Standard Schemas (`schemas: { rpc: { [method]: schema } }`), in Chromium on
// the local room: a request that fails its method's schema never reaches the handler, the caller
// gets an application-error with only the issues' messages, and the callee's onInvalid gets
// { source: 'rpc', method, fromId, data, issues }. zod from npm, and a hand-written async schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inBlankPage, serveRepository } from './harness.mjs';

serveRepository();

/** Runs `fn` in a fresh page with every entry loaded, zod as `window.z`, and `window.pair(schemas)`: two joined DailySyncs, the second's with `schemas`. */
const inPage = (fn) =>
  inBlankPage(fn, undefined, {
    setup: async () => {
      await (await import('/tests/js/local-room-page.js')).install('rpc-schemas');
      window.z = (await import('/node_modules/zod/index.js')).z;
      window.pair = (schemas) => window.room(2, (i) => (i === 1 ? { schemas } : undefined));
    },
  });

test('a request that fails its schema never reaches the handler; the caller gets an application-error, onInvalid the details', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { z, outcome } = window;
    const schemas = { rpc: { 'stage.invite': z.object({ slot: z.number().int() }) } };
    const { syncs: [a, b], ids } = await window.pair(schemas);
    const invalid = [];
    b.onInvalid((item) => invalid.push({ ...item, issues: item.issues.map((issue) => issue.message) }));
    const seen = [];
    b.handle('stage.invite', (payload) => {
      seen.push(payload);
      return { accepted: true };
    });
    b.handle('free', (payload) => payload);
    const good = await outcome(a.request(ids[1], 'stage.invite', { slot: 2, extra: 'dropped by the schema' }));
    const bad = await outcome(a.request(ids[1], 'stage.invite', { slot: 'two', secret: 'kept from the caller' }));
    const missing = await outcome(a.request(ids[1], 'stage.invite'));
    // A method without a schema is not checked, whatever its name.
    const free = await outcome(a.request(ids[1], 'free', { anything: 1 }));
    b.handle('toString', () => 'answered');
    const inherited = await outcome(a.request(ids[1], 'toString', 1));
    return { good, bad, missing, free, inherited, seen, invalid, aId: ids[0] };
  });
  assert.deepEqual(r.good, { value: { accepted: true } });
  assert.deepEqual(r.seen, [{ slot: 2 }], 'the handler ran once, with the schema\'s output');
  assert.equal(r.bad.kind, 'rpc');
  assert.equal(r.bad.code, 'application-error');
  assert.match(r.bad.message, /^the request was invalid: /);
  assert.ok(!r.bad.message.includes('kept from the caller'), r.bad.message);
  assert.equal(r.bad.data, undefined);
  assert.equal(r.missing.code, 'application-error');
  assert.deepEqual(r.free, { value: { anything: 1 } });
  assert.deepEqual(r.inherited, { value: 'answered' });
  assert.equal(r.invalid.length, 2);
  assert.deepEqual(
    { ...r.invalid[0], issues: r.invalid[0].issues.length > 0 },
    { source: 'rpc', method: 'stage.invite', fromId: r.aId, data: { slot: 'two', secret: 'kept from the caller' }, issues: true },
  );
  assert.ok(r.bad.message.endsWith(r.invalid[0].issues.join('; ')), 'the caller gets the issues\' messages');
  assert.equal(r.invalid[1].data, undefined);
});

test('an asynchronous schema is awaited; requestAll reports each callee\'s check; handle() refuses a schema option that is not one', { timeout: 60_000 }, async () => {
  const r = await inPage(async () => {
    const { outcome } = window;
    const later = (result) => new Promise((resolve) => setTimeout(() => resolve(result), 20));
    const positive = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => later(typeof value === 'number' && value > 0 ? { value: value * 10 } : { issues: [{ message: 'must be positive' }] }),
      },
    };
    const { syncs: [a, b], ids } = await window.pair({ rpc: { times: positive } });
    const runs = [];
    b.handle('times', (n) => {
      runs.push(n);
      return n + 1;
    });
    const good = await outcome(a.request(ids[1], 'times', 4));
    const bad = await outcome(a.request(ids[1], 'times', -1));
    const all = await a.requestAll('times', -2);
    // A schema option that is not one is refused where it would be used: by handle().
    const thrown = (options) => {
      try {
        new window.lib.DailySync(window.lib.createLocalCallObject({ room: 'x', transport: 'memory' }), options).handle('times', () => 1);
        return null;
      } catch (e) {
        return `${e.kind}: ${e.message}`;
      }
    };
    return {
      good,
      bad,
      all: [...all.values()].map((o) => (o.ok ? o.value : `${o.error.code}: ${o.error.message}`)),
      runs,
      notSchema: thrown({ schemas: { rpc: { times: { validate() {} } } } }),
      notObject: thrown({ schemas: { rpc: 'times' } }),
    };
  });
  assert.deepEqual(r.good, { value: 41 }, 'the handler got the schema\'s output, 40');
  assert.deepEqual(r.bad, { kind: 'rpc', code: 'application-error', message: 'the request was invalid: must be positive', data: undefined });
  assert.deepEqual(r.all, ['application-error: the request was invalid: must be positive']);
  assert.deepEqual(r.runs, [40]);
  assert.equal(r.notSchema, "invalid-argument: invalid argument: options.schemas.rpc['times'] must be a Standard Schema (zod, valibot, arktype...)");
  assert.equal(r.notObject, 'invalid-argument: invalid argument: options.schemas.rpc must map methods to schemas');
});
