// The dev server end to end: the real binary (cargo build -p daily-sync-dev-server) on a free port,
// with pages in headless Chromium joining one local room through its WebSocket relay, and Node
// calling its send-app-message REST endpoint as a backend would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage } from './harness.mjs';
import { ensurePackage, buildServer, startServer, KEY } from './dev-server.mjs';

const ROOM = 'e2e';
/** The documented fromId of REST messages (daily_sync_dev_server::SERVER_FROM_ID). */
const SERVER_FROM_ID = 'API';
/** Long enough that a participant-left seen sooner came from a leave, not from a timeout. */
const PEER_TIMEOUT_MS = 60_000;

let server; // { child, url, exited }
let browser;

before(async () => {
  ensurePackage();
  server = await startServer(buildServer());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server && server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});

/**
 * Opens the demo and joins the room from it, recording the call's events in `window.events`.
 * @returns {Promise<{ context, page, errors, id: string }>} id is the local session id
 */
async function joinFrom(userName) {
  const opened = await openPage(browser, `${server.url}/`);
  const id = await opened.page.evaluate(
    async ({ url, room, userName, peerTimeoutMs }) => {
      const { default: init, createLocalCallObject } = await import('/pkg/local.js');
      await init();
      const call = createLocalCallObject({ room, transport: 'websocket', url, userName, peerTimeoutMs });
      window.call = call;
      window.events = [];
      const names = ['participant-joined', 'participant-updated', 'participant-left', 'app-message',
        'meeting-session-state-updated', 'nonfatal-error'];
      for (const name of names) call.on(name, (event) => window.events.push({ name, event: JSON.parse(JSON.stringify(event)) }));
      const participants = await call.join({ userName });
      return participants.local.session_id;
    },
    { url: `${server.url.replace('http', 'ws')}/v1/rooms/${ROOM}/ws`, room: ROOM, userName, peerTimeoutMs: PEER_TIMEOUT_MS },
  );
  return { ...opened, id };
}

/** Waits until the page has recorded an event `name` whose payload passes `match` (a function source). */
async function waitForEvent(page, name, match = '() => true', timeout = 10_000) {
  const handle = await page.waitForFunction(
    ({ name, match }) => {
      const test = eval(`(${match})`);
      return window.events.find((e) => e.name === name && test(e.event)) ?? false;
    },
    { name, match },
    { timeout },
  );
  return (await handle.jsonValue()).event;
}

/** The REST call a backend makes. */
function sendAppMessage(body, key = KEY) {
  return fetch(`${server.url}/v1/rooms/${ROOM}/send-app-message`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

test('serves the demo, the package and daily-js', { timeout: 30_000 }, async () => {
  const index = await fetch(`${server.url}/`);
  assert.equal(index.status, 200);
  assert.match(index.headers.get('content-type'), /^text\/html/);
  const glue = await fetch(`${server.url}/pkg/index.js`);
  assert.equal(glue.status, 200);
  assert.match(glue.headers.get('content-type'), /javascript/);
  const wasm = await fetch(`${server.url}/pkg/wasm/core/daily_sync_bg.wasm`);
  assert.equal(wasm.headers.get('content-type'), 'application/wasm');
  assert.equal((await fetch(`${server.url}/node_modules/@daily-co/daily-js/dist/daily-esm.js`)).status, 200);
  assert.equal((await fetch(`${server.url}/Cargo.toml`)).status, 404);
});

test('pages in one room share app messages, userData and session data; REST messages reach them', { timeout: 60_000 }, async () => {
  const a = await joinFrom('Al');
  const b = await joinFrom('Bo');
  try {
    await waitForEvent(a.page, 'participant-joined', `(e) => e.participant.session_id === ${JSON.stringify(b.id)}`);
    const seenByB = await b.page.evaluate(() => Object.keys(window.call.participants()));
    assert.ok(seenByB.includes(a.id), `Bo sees Al: ${seenByB}`);

    // An app message, to everyone.
    await a.page.evaluate(() => window.call.sendAppMessage({ hi: 'from Al' }, '*'));
    const message = await waitForEvent(b.page, 'app-message', '(e) => e.data.hi === "from Al"');
    assert.deepEqual(message, { action: 'app-message', data: { hi: 'from Al' }, fromId: a.id });

    // userData.
    await a.page.evaluate(() => window.call.setUserData({ hand: 'raised' }));
    const updated = await waitForEvent(b.page, 'participant-updated', '(e) => e.participant.userData?.hand === "raised"');
    assert.equal(updated.participant.session_id, a.id);
    const userData = await b.page.evaluate((id) => window.call.participants()[id].userData, a.id);
    assert.deepEqual(userData, { hand: 'raised' });

    // Meeting session data.
    await b.page.evaluate(() => window.call.setMeetingSessionData({ topic: 'e2e' }, 'shallow-merge'));
    await waitForEvent(a.page, 'meeting-session-state-updated', '(e) => e.meetingSessionState.data.topic === "e2e"');
    assert.deepEqual(await a.page.evaluate(() => window.call.meetingSessionState().data), { topic: 'e2e' });

    // A backend's REST message: to everyone, then to Bo only.
    const everyone = await sendAppMessage({ data: { notice: 'to all' } });
    assert.equal(everyone.status, 200);
    assert.deepEqual(await everyone.json(), { sent: 'true' });
    for (const { page } of [a, b]) {
      const event = await waitForEvent(page, 'app-message', '(e) => e.data.notice === "to all"');
      assert.deepEqual(event, { action: 'app-message', data: { notice: 'to all' }, fromId: SERVER_FROM_ID });
    }
    const toBo = await sendAppMessage({ data: { notice: 'to Bo' }, recipient: b.id });
    assert.equal(toBo.status, 200);
    const event = await waitForEvent(b.page, 'app-message', '(e) => e.data.notice === "to Bo"');
    assert.equal(event.fromId, SERVER_FROM_ID);

    // The key is required, and a room with nobody is not found.
    assert.equal((await sendAppMessage({ data: {} }, 'wrong')).status, 401);
    const empty = await fetch(`${server.url}/v1/rooms/nobody-here/send-app-message`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: '{"data":{}}',
    });
    assert.equal(empty.status, 404);
    assert.equal((await empty.json()).error, 'not-found');

    // Al never got Bo's message, nor his own.
    const atAl = await a.page.evaluate(() => window.events.filter((e) => e.name === 'app-message').map((e) => e.event.data));
    assert.deepEqual(atAl, [{ notice: 'to all' }]);
    assert.deepEqual(a.errors, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await a.context.close();
    await b.context.close();
  }
});

test('a page that closes, or crashes, is seen to leave at once', { timeout: 60_000 }, async () => {
  const a = await joinFrom('Al');
  const b = await joinFrom('Bo');
  const c = await joinFrom('Cy');
  try {
    const joined = (id) => `(e) => e.participant.session_id === ${JSON.stringify(id)}`;
    await waitForEvent(a.page, 'participant-joined', joined(c.id));
    await waitForEvent(b.page, 'participant-joined', joined(c.id));

    // A crash sends no leave: the relay forges it for the dropped connection.
    const cdp = await c.context.newCDPSession(c.page);
    // The answer may never come from a dead page: do not wait for it.
    cdp.send('Page.crash').catch(() => {});
    for (const { page } of [a, b]) {
      const left = await waitForEvent(page, 'participant-left', joined(c.id), 5_000);
      assert.equal(left.participant.user_name, 'Cy');
    }

    // Closing the page: Bo leaves.
    await b.context.close();
    const left = await waitForEvent(a.page, 'participant-left', joined(b.id), 5_000);
    assert.equal(left.participant.user_name, 'Bo');
    assert.deepEqual(Object.keys(await a.page.evaluate(() => window.call.participants())), ['local']);
    assert.deepEqual(a.errors, []);
  } finally {
    await a.context.close();
    await b.context.close().catch(() => {});
    await c.context.close().catch(() => {});
  }
});

test('Ctrl-C stops the server cleanly', { timeout: 30_000 }, async () => {
  server.child.kill('SIGINT');
  const { code, signal } = await server.exited;
  assert.equal(signal, null);
  assert.equal(code, 0, server.output());
  assert.match(server.output(), /daily-sync dev server stopped/);
});
