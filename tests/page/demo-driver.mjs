// The demo test's driver (tests/page/demo.test.mjs): the server and the shared browser context,
// pages that join like people do, waits with what they awaited, screenshots, and the page functions
// that read what the demo shows.
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, openPage } from './harness.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SITE = fileURLToPath(new URL('../../www', import.meta.url));
export const SHOTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
export const WAIT = { timeout: 30000 };
export const XSS = '<img src=x onerror=alert(1)>';
export const ROOM = `qa-${process.pid}-${Date.now().toString(36)}`;

export const DESKTOP = { width: 1280, height: 860 };
export const TABLET = { width: 820, height: 1000 };
export const PHONE = { width: 360, height: 780 };

export let server;
export let browser;
let context;
/** label -> page; and what went wrong anywhere. */
export const pages = {};
export const errors = [];
export const dialogs = [];

/** Collects dialogs, and records every invitation ("come on stage?") the page ever shows (they go). */
async function watch(label, page) {
  page.on('dialog', (dialog) => {
    dialogs.push(`${label}: ${dialog.type()} ${dialog.message()}`);
    dialog.dismiss().catch(() => {});
  });
  await page.evaluate(() => {
    window.invitesSeen = [];
    new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) if (node.classList?.contains('invite')) window.invitesSeen.push(node.querySelector('.toast-text').textContent);
      }
    }).observe(document.getElementById('toasts'), { childList: true });
  });
}

export const invitesSeen = (page) => page.evaluate(() => window.invitesSeen);

/** Waits for what came of the host's last invitation: `state` and `text` of #invite-status. */
export async function inviteOutcome(page, state, text) {
  await until(
    page,
    `the invitation's outcome: ${state}, "${text}"`,
    ([state, text]) => {
      const node = document.getElementById('invite-status');
      return !node.hidden && node.dataset.state === state && node.textContent === text;
    },
    [state, text],
  );
}

/** The invitation on `page`: waits for it, then clicks `button` ('Accept' or 'Decline'). */
export async function answerInvite(page, button) {
  const invite = page.getByRole('alertdialog', { name: 'The host invites you on stage' });
  await invite.waitFor(WAIT);
  assert.equal(await invite.locator('.toast-text').textContent(), 'Come on stage?');
  await invite.getByRole('button', { name: button }).click();
  await invite.waitFor({ ...WAIT, state: 'detached' });
}

/** A new page of the shared context, its errors collected like openPage() does. */
export async function addPage(label, viewport) {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${label} console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`${label} pageerror: ${err.stack || err.message}`));
  await page.goto(`${server.url}/`);
  await watch(label, page);
  pages[label] = page;
  return page;
}

/** Waits for the join form to be usable: the wasm package loaded (else says why it did not). */
export async function ready(page) {
  const loaded = page.locator('#join-button:not([disabled])').waitFor(WAIT);
  const failed = page.locator('#join-status[data-state="error"]').waitFor(WAIT);
  const which = await Promise.race([loaded.then(() => 'ok'), failed.then(() => 'error')]);
  loaded.catch(() => {});
  failed.catch(() => {});
  if (which === 'error') throw new Error(`the page did not load: ${await text(page, '#join-status')}`);
}

/** Fills the join form and joins with the keyboard (Enter), then waits for the call screen. */
export async function join(page, name) {
  await ready(page);
  await page.fill('#name', name);
  await page.fill('#room', ROOM);
  await page.press('#room', 'Enter');
  await page.locator('#conn-status[data-state="connected"]').waitFor(WAIT);
}

/** Waits until `fn(arg)` is true in the page; on time out, says what was awaited. */
export async function until(page, what, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, WAIT);
  } catch (error) {
    throw new Error(`timed out waiting for: ${what}\n${error.message}`);
  }
}

/** A screenshot of the whole page: the viewport grown to the page's height (a full-page capture
 *  would paint the sticky top bar in the middle). */
export async function shot(page, name) {
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  await page.setViewportSize({ width: viewport.width, height: Math.max(height, viewport.height) });
  await page.screenshot({ path: `${SHOTS}${name}.png` });
  await page.setViewportSize(viewport);
}

export const text = (page, selector) => page.$eval(selector, (node) => node.textContent);

export function personHasHand(name) {
  return [...document.querySelectorAll('#people-list .person')].some(
    (li) => li.querySelector('.person-name').textContent === name && li.dataset.hand === 'true',
  );
}

export function chatTexts() {
  return [...document.querySelectorAll('#chat-log .chat-msg')].map((li) => ({
    name: li.querySelector('.chat-name').textContent,
    text: li.querySelector('.chat-text').textContent,
  }));
}

export function hasChat([name, text]) {
  return [...document.querySelectorAll('#chat-log .chat-msg')].some(
    (li) => li.querySelector('.chat-name').textContent === name && li.querySelector('.chat-text').textContent === text,
  );
}

/** The poll's tallies on the page are `expected` (counts by option). */
export function pollIs(expected) {
  const counts = [...document.querySelectorAll('#poll-options .poll-count')].map((n) => Number.parseInt(n.textContent, 10));
  return JSON.stringify(counts) === JSON.stringify(expected);
}

/** The open questions as the page shows them, in order: `[text, votes]`. */
export function questionsShown() {
  return [...document.querySelectorAll('#questions-list .question')].map((li) => [
    li.querySelector('.question-text').textContent,
    Number(li.querySelector('.vote-count').textContent),
  ]);
}

/** The queue on the page is `expected` (`[text, votes]`, in order). Self-contained: it runs in the page. */
export function queueIs(expected) {
  const shown = [...document.querySelectorAll('#questions-list .question')].map((li) => [
    li.querySelector('.question-text').textContent,
    Number(li.querySelector('.vote-count').textContent),
  ]);
  return JSON.stringify(shown) === JSON.stringify(expected);
}

/** The answered questions on the page: `[text, "by · n votes"]`, newest first. */
export function answeredShown() {
  return [...document.querySelectorAll('#answered-list .answered-item')].map((li) => [
    li.querySelector('.answered-text').textContent,
    li.querySelector('.question-by').textContent,
  ]);
}

/** The answered questions on the page are `expected` (as answeredShown() gives them). */
export function answeredIs(expected) {
  const shown = [...document.querySelectorAll('#answered-list .answered-item')].map((li) => [
    li.querySelector('.answered-text').textContent,
    li.querySelector('.question-by').textContent,
  ]);
  return JSON.stringify(shown) === JSON.stringify(expected);
}

/** Asks `text` with the question form (Enter). */
export async function ask(page, text) {
  await page.fill('#question-input', text);
  await page.press('#question-input', 'Enter');
}

/** The upvote button of the question `text`. */
export const upvoteButton = (page, text) => page.getByRole('button', { name: `Upvote: ${text} (`, exact: false });

/** The chat's "typing…" line is `expected`: its text, or null while hidden. */
export function typingIs(expected) {
  const node = document.getElementById('typing');
  return (node.hidden ? null : node.querySelector('.typing-text').textContent) === expected;
}

/** Nobody shown typing, or only `name` (its line without anyone else). */
export function typingNotBy(name) {
  const node = document.getElementById('typing');
  return node.hidden || !node.textContent.includes(name);
}

/**
 * Serves the demo and opens Ana's page (desktop size) around the tests of the file that calls it:
 * the other pages join her browser context.
 */
export function openDemo() {
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    server = await startServer({ root: ROOT, site: SITE });
    browser = await launchBrowser();
    const opened = await openPage(browser, `${server.url}/`);
    context = opened.context;
    await opened.page.setViewportSize(DESKTOP);
    // openPage collects the first page's errors in its own list: read it with the others.
    pages.ana = opened.page;
    pages.ana.errors = opened.errors;
    await watch('ana', opened.page);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** Closes the page of `label` (gone from `pages`) and waits until the others list three people again. */
export async function dropPage(label) {
  await pages[label].close();
  delete pages[label];
  for (const page of [pages.ana, pages.ben, pages.cy]) {
    await until(page, 'three people again', () => document.querySelectorAll('#people-list .person').length === 3);
  }
}
