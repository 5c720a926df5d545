// The Leptos example (examples/leptos-qa/, built by scripts/build-example.sh): a Rust app with no
// JavaScript of its own. Two pages of one browser join one local room; a chat line, a raised hand
// and a stage change made on one show on the other.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser } from './harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SITE = '/target/examples/leptos-qa/site/index.html';
let server;
let browser;

before(async () => {
  assert.ok(existsSync(join(root, SITE)), 'the example is built (bash scripts/build-example.sh)');
  server = await startServer({ root });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('two pages exchange a chat line, a raised hand and a stage change', { timeout: 60_000 }, async () => {
  // One browser context: its pages share the local room's BroadcastChannel, as tabs do.
  const context = await browser.newContext();
  const errors = [];
  try {
    const room = `leptos-${Date.now()}`;
    const ann = await context.newPage();
    const bob = await context.newPage();
    for (const [page, name] of [[ann, 'Ann'], [bob, 'Bob']]) {
      page.on('pageerror', (error) => errors.push(`${name}: ${error.message}`));
      page.on('console', (message) => message.type() === 'error' && errors.push(`${name}: ${message.text()}`));
      await page.goto(`${server.url}${SITE}?room=${room}&name=${name}`);
    }
    for (const page of [ann, bob]) {
      await page.waitForSelector('#status:text("joined")', { timeout: 20_000 });
      await page.waitForFunction(() => document.querySelectorAll('li.person').length === 2, null, { timeout: 20_000 });
    }

    await ann.fill('#draft', 'hello from Leptos');
    await ann.click('#send');
    await bob.waitForSelector('li.line:text("Ann: hello from Leptos")', { timeout: 10_000 });

    await ann.click('#hand');
    await bob.waitForSelector('li.person[data-name="Ann"][data-hand="true"]', { timeout: 10_000 });

    await bob.click('li.person[data-name="Ann"] button.to-stage');
    await ann.waitForSelector('#speaker:text("Ann")', { timeout: 10_000 });
    assert.equal(await bob.textContent('#speaker'), 'Ann');

    await ann.click('#leave');
    await bob.waitForFunction(() => document.querySelectorAll('li.person').length === 1, null, { timeout: 10_000 });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
