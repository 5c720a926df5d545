// DailyRestClient, the npm package's REST client, in Node (as a backend uses it) against the dev
// server's send-app-message endpoint over loopback: success and each error kind, retries, and a
// page in a local room receiving what the client sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { launchBrowser, openPage } from './harness.mjs';
import { ensurePackage, buildServer, startServer, KEY, ROOT } from './dev-server.mjs';

let server;
let DailyRestClient;

before(async () => {
  ensurePackage();
  server = await startServer(buildServer());
  // As a backend uses it: `daily-sync/rest`, and init() with no argument (Node reads the wasm).
  const rest = await import(join(ROOT, 'pkg/rest.js'));
  await rest.default();
  DailyRestClient = rest.DailyRestClient;
});

after(async () => {
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('expected a rejection');
}

test('bad arguments are refused before anything is sent', async () => {
  assert.throws(() => new DailyRestClient({}), { kind: 'invalid-argument' });
  assert.throws(() => new DailyRestClient({ apiKey: '' }), { kind: 'invalid-argument' });
  const client = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  assert.equal((await rejection(client.sendAppMessage('', { a: 1 }))).kind, 'invalid-argument');
  const array = await rejection(client.sendAppMessage('r', [1, 2]));
  assert.equal(array.kind, 'not-plain-object');
  assert.match(array.message, /^app message data must be a plain object \(not an array, a Map or null\): /);
  assert.equal((await rejection(client.sendAppMessage('r', { a: 1 }, ''))).kind, 'invalid-recipient');
  const cyclic = {};
  cyclic.self = cyclic;
  assert.equal((await rejection(client.sendAppMessage('r', cyclic))).kind, 'not-serializable');
  const tooLarge = await rejection(client.sendAppMessage('r', { t: 'x'.repeat(4090) }));
  assert.deepEqual([tooLarge.kind, tooLarge.size, tooLarge.limit], ['payload-too-large', 4098, 4096]);
});

test('Daily’s error answers become http errors with status, error and info; the key never shows', async () => {
  const wrongKey = new DailyRestClient({ apiKey: 'not-the-key', baseUrl: `${server.url}/v1` });
  const unauthorized = await rejection(wrongKey.sendAppMessage('anywhere', { a: 1 }));
  assert.deepEqual([unauthorized.kind, unauthorized.status, unauthorized.error], ['http', 401, 'authentication-error']);
  assert.ok(!String(unauthorized.message).includes('not-the-key') && !JSON.stringify(unauthorized).includes('not-the-key'));
  const client = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  const empty = await rejection(client.sendAppMessage('nobody-here', { a: 1 }));
  assert.deepEqual([empty.kind, empty.status, empty.error], ['http', 404, 'not-found']);
  assert.equal(typeof empty.info, 'string');
});

test('network failures and timeouts are their own kinds; a network failure keeps what fetch threw as its cause', async () => {
  const closed = new DailyRestClient({ apiKey: KEY, baseUrl: 'http://127.0.0.1:9/v1', retries: 0 });
  const unreachable = await rejection(closed.sendAppMessage('r', { a: 1 }));
  assert.equal(unreachable.kind, 'network');
  assert.ok(unreachable.cause instanceof Error, 'the cause is the fetch error');
  assert.ok(unreachable.message.includes(unreachable.cause.message), unreachable.message);
  const refusing = createServer();
  await new Promise((resolve) => refusing.listen(0, '127.0.0.1', resolve));
  const port = refusing.address().port;
  await new Promise((resolve) => refusing.close(resolve)); // nothing listens on the port now
  const refused = await rejection(new DailyRestClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}/v1` }).sendAppMessage('r', { a: 1 }));
  assert.equal(refused.kind, 'network');
  assert.equal(refused.cause?.cause?.code, 'ECONNREFUSED', 'the cause says the connection was refused');
  assert.match(refused.message, /ECONNREFUSED/);
  const silent = createServer(() => {}); // accepts, never answers
  await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
  try {
    const slow = new DailyRestClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${silent.address().port}/v1`, timeoutMs: 200 });
    const timedOut = await rejection(slow.sendAppMessage('r', { a: 1 }));
    assert.equal(timedOut.kind, 'timeout');
    assert.equal(
      timedOut.message,
      "the request timed out: Daily's API did not answer in time, and the message may have been delivered, so it was not sent again",
    );
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

/** A server answering each request with the next of `statuses` (then 200), counting them. */
async function answering(statuses) {
  const server = createServer((request, response) => {
    const status = statuses[server.calls++] ?? 200;
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(status === 200 ? '{"sent":"true"}' : '{"error":"some-error","info":"try again"}');
  });
  server.calls = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.base = `http://127.0.0.1:${server.address().port}/v1`;
  return server;
}

test('a 429 is retried, a bounded number of times', async () => {
  const twice = await answering([429, 429]);
  const refusing = await answering([429, 429, 429, 429]);
  try {
    const client = new DailyRestClient({ apiKey: KEY, baseUrl: twice.base });
    assert.deepEqual(await client.sendAppMessage('r', { a: 1 }), { sent: 'true' });
    assert.equal(twice.calls, 3, 'two retries, then the answer');
    const once = new DailyRestClient({ apiKey: KEY, baseUrl: refusing.base, retries: 1 });
    const failed = await rejection(once.sendAppMessage('r', { a: 1 }));
    assert.deepEqual([failed.kind, failed.status], ['http', 429]);
    assert.equal(refusing.calls, 2, 'one retry, then the error');
  } finally {
    twice.close();
    refusing.close();
  }
});

/** A server that counts the requests it reads and does `onRequest(request, response)` with each. */
async function counting(onRequest) {
  const server = createServer((request, response) => {
    server.calls++;
    onRequest(request, response);
  });
  server.calls = 0;
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.base = `http://127.0.0.1:${server.address().port}/v1`;
  return server;
}

test('a network failure or a timeout is never retried, however many retries are allowed: the request may have arrived', async () => {
  // The request reaches the server, which then drops the connection without an answer (a
  // network failure after the send), or never answers (a timeout). Retries of every kind are on,
  // so only the rule "never retry what may have been delivered" keeps the count at one.
  const dropping = await counting((request) => request.socket.destroy());
  const silent = await counting(() => {});
  try {
    const retrying = { apiKey: KEY, retries: 3, retryServerErrors: true };
    const dropped = await rejection(new DailyRestClient({ ...retrying, baseUrl: dropping.base }).sendAppMessage('r', { a: 1 }));
    assert.equal(dropped.kind, 'network', dropped.message);
    const timedOut = await rejection(new DailyRestClient({ ...retrying, baseUrl: silent.base, timeoutMs: 200 }).sendAppMessage('r', { a: 1 }));
    assert.equal(timedOut.kind, 'timeout', timedOut.message);
    // Longer than the first retry's delay (500 ms): a retry sent after the rejection would show.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.equal(dropping.calls, 1, 'requests after a dropped connection');
    assert.equal(silent.calls, 1, 'requests after a timeout');
  } finally {
    silent.closeAllConnections();
    for (const s of [dropping, silent]) s.close();
  }
});

test('a 5xx is not retried (the message may have gone out), unless retryServerErrors', async () => {
  const failing = await answering([500, 503]);
  const flaky = await answering([503, 500]);
  try {
    const client = new DailyRestClient({ apiKey: KEY, baseUrl: failing.base });
    const failed = await rejection(client.sendAppMessage('r', { a: 1 }));
    assert.deepEqual([failed.kind, failed.status, failed.error], ['http', 500, 'some-error']);
    assert.equal(failing.calls, 1, 'exactly one request');
    const opted = new DailyRestClient({ apiKey: KEY, baseUrl: flaky.base, retryServerErrors: true });
    assert.deepEqual(await opted.sendAppMessage('r', { a: 1 }), { sent: 'true' });
    assert.equal(flaky.calls, 3, 'two retries, then the answer');
    assert.throws(() => new DailyRestClient({ apiKey: KEY, retryServerErrors: 'yes' }), (error) => error.kind === 'invalid-argument');
  } finally {
    failing.close();
    flaky.close();
  }
});

test('a success answer without JSON resolves { sent: true }, as one with Daily\'s JSON resolves its { sent }', async () => {
  const bare = createServer((request, response) => {
    response.writeHead(200);
    response.end();
  });
  await new Promise((resolve) => bare.listen(0, '127.0.0.1', resolve));
  try {
    const client = new DailyRestClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${bare.address().port}/v1` });
    assert.deepEqual(await client.sendAppMessage('r', { a: 1 }), { sent: true });
  } finally {
    bare.close();
  }
});

test('free() and dispose() may be called any number of times; a send after either rejects with kind disposed', async () => {
  const freed = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  freed.free();
  freed.free();
  freed.dispose();
  const afterFree = await rejection(freed.sendAppMessage('r', { a: 1 }));
  assert.deepEqual([afterFree instanceof Error, afterFree.kind], [true, 'disposed']);
  assert.equal(afterFree.message, 'this DailyRestClient was disposed: make a new one to send');
  const disposed = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
  disposed.dispose();
  disposed.free();
  assert.equal((await rejection(disposed.sendAppMessage('r', { a: 1 }))).kind, 'disposed');
  if (typeof Symbol.dispose === 'symbol') {
    const scoped = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
    scoped[Symbol.dispose]();
    scoped.free();
    assert.equal((await rejection(scoped.sendAppMessage('r', { a: 1 }))).kind, 'disposed');
  }
});

test('a page in a local room receives what the client sent, from the server’s fromId', async () => {
  const browser = await launchBrowser();
  try {
    const { page, errors } = await openPage(browser, `${server.url}/`);
    const room = 'rest-e2e';
    await page.evaluate(async ({ room, origin }) => {
      const { default: init, createLocalCallObject } = await import('/pkg/local.js');
      await init();
      const call = createLocalCallObject({ room, transport: 'websocket', url: `${origin.replace('http', 'ws')}/v1/rooms/${room}/ws` });
      window.received = [];
      call.on('app-message', (event) => window.received.push(event));
      await call.join({ userName: 'listener' });
    }, { room, origin: server.url });
    const client = new DailyRestClient({ apiKey: KEY, baseUrl: `${server.url}/v1` });
    // The page's join reaches the server a moment after join() resolves.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.sendAppMessage(room, { type: 'notification', text: 'Recording started' });
        break;
      } catch (error) {
        if (error.status !== 404 || attempt > 50) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await page.waitForFunction(() => window.received.length > 0, null, { timeout: 10_000 });
    const [message] = await page.evaluate(() => window.received);
    assert.deepEqual(message.data, { type: 'notification', text: 'Recording started' });
    assert.equal(message.fromId, 'API');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
  }
});
