// `npm run test:live`: the demo's two-page flow (raise a hand, chat, bring on stage) on a REAL
// Daily room, through the demo's own "advanced" join field (so daily-js's call object, not the
// local room). Opt-in: needs DAILY_ROOM_URL (an empty room: the first page must become host) and,
// for a private room, DAILY_TOKEN. Needs the built package (npm run build) and the network.
// Screenshots go to test-results/live-*.png. Ends with "N passed, M failed".
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser } from '../tests/page/harness.mjs';

const ROOM_URL = process.env.DAILY_ROOM_URL;
const TOKEN = process.env.DAILY_TOKEN ?? '';
if (!ROOM_URL) {
  console.log('test:live skipped: DAILY_ROOM_URL is not set');
  process.exit(0);
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${ROOT}pkg/daily_sync.js`)) {
  console.error('test:live: pkg/ is not built: run `npm run build` first');
  process.exit(1);
}
const SHOTS = `${ROOT}test-results/`;
const WAIT = { timeout: 60000 }; // a real room: network round trips
const CHAT = `Hello from Ana (${new Date().toISOString()})`;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`not ok - ${name}\n  ${String(error?.message ?? error).split('\n').join('\n  ')}`);
  }
}

/** Waits until `fn(arg)` is true in the page; says what was awaited if it never is. */
async function until(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, WAIT);
  } catch {
    throw new Error(`timed out waiting for: ${what}`);
  }
}

/** Opens the demo in a new tab and joins the Daily room as `name`. */
async function joinAs(context, baseUrl, name) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (error) => page.errors.push(error.stack || error.message));
  await page.goto(`${baseUrl}/`);
  await page.locator('#join-button:not([disabled])').waitFor(WAIT);
  await page.fill('#name', name);
  await page.click('#advanced summary');
  await page.fill('#daily-url', ROOM_URL);
  await page.fill('#daily-token', TOKEN);
  await page.click('#join-button');
  await Promise.race([
    page.locator('#conn-status[data-state="connected"]').waitFor(WAIT),
    page
      .locator('#join-status[data-state="error"]')
      .waitFor(WAIT)
      .then(async () => {
        throw new Error(`${name} could not join: ${await page.textContent('#join-status')}`);
      }),
  ]);
  return page;
}

const hasChat = ([name, text]) =>
  [...document.querySelectorAll('#chat-log .chat-msg')].some(
    (li) => li.querySelector('.chat-name').textContent === name && li.querySelector('.chat-text').textContent === text,
  );

const server = await startServer({ root: ROOT, site: `${ROOT}www` });
const browser = await launchBrowser();
const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
console.log(`test:live: ${new URL(ROOM_URL).origin}${new URL(ROOM_URL).pathname}${TOKEN ? ' (with a token)' : ''}`);
let ana;
let ben;
try {
  await check('Ana joins the Daily room and becomes host', async () => {
    ana = await joinAs(context, server.url, 'Ana');
    await until(ana, 'Ana is host', () => document.getElementById('host-label').textContent === 'You are the host');
  });
  await check('Ben joins and sees Ana as host', async () => {
    ben = await joinAs(context, server.url, 'Ben');
    await until(ben, 'Host: Ana on Ben', () => document.getElementById('host-label').textContent === 'Host: Ana');
    await until(ana, 'two people on Ana', () => document.querySelectorAll('#people-list .person').length === 2);
  });
  await check("Ben raises his hand; Ana sees it (userData)", async () => {
    await ben.click('#hand-button');
    await until(ana, "Ben's hand on Ana", () =>
      [...document.querySelectorAll('#people-list .person')].some(
        (li) => li.querySelector('.person-name').textContent === 'Ben' && li.dataset.hand === 'true',
      ),
    );
  });
  await check('Ana chats; Ben sees it once, Ana once (app message)', async () => {
    await ana.fill('#chat-input', CHAT);
    await ana.press('#chat-input', 'Enter');
    await until(ben, 'the chat on Ben', hasChat, ['Ana', CHAT]);
    const mine = await ana.$$eval('#chat-log .chat-msg.mine', (items) => items.length);
    if (mine !== 1) throw new Error(`Ana shows her message ${mine} times`);
  });
  await check('Ana brings Ben on stage; both see it, the cue reaches Ben (session data, targeted message)', async () => {
    await ana.getByRole('button', { name: 'Bring Ben on stage' }).click();
    await until(ana, 'stage: Ben on Ana', () => document.getElementById('stage-name').textContent === 'Ben');
    await until(ben, 'stage: Ben on Ben', () => document.getElementById('stage-name').textContent === 'Ben');
    await ben.locator('#toasts .toast.cue').waitFor(WAIT);
    const cues = await ana.$$eval('#toasts .toast.cue', (items) => items.length);
    if (cues !== 0) throw new Error('Ana got a cue too');
  });
  await check('no uncaught page errors', async () => {
    const errors = [...(ana?.errors ?? []), ...(ben?.errors ?? [])];
    if (errors.length) throw new Error(errors.join('\n'));
  });
  await mkdir(SHOTS, { recursive: true });
  await ana?.screenshot({ path: `${SHOTS}live-ana.png` });
  await ben?.screenshot({ path: `${SHOTS}live-ben.png` });
  for (const page of [ben, ana]) {
    if (!page) continue;
    await page.click('#leave-button');
    await page.locator('#join-screen:not([hidden])').waitFor(WAIT);
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
