// A page with a strict Content-Security-Policy, as the README's CSP section describes it: Chromium
// compiles the entries' WebAssembly only when script-src allows 'wasm-unsafe-eval'; without it
// init() rejects (and an app that awaits it shows nothing).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { REPO_ROOT, launchBrowser, openPage, startServer } from './harness.mjs';
import { ensurePackage } from './dev-server.mjs';

ensurePackage();
const browser = await launchBrowser();
after(() => browser.close());

/** init() of every entry on a page served with `policy`: 'ok', or what it rejected with. */
async function initUnder(policy) {
  const server = await startServer({ root: REPO_ROOT, headers: { 'content-security-policy': policy } });
  try {
    const { context, page } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
    try {
      return await page.evaluate(async () => {
        const entries = ['/pkg/index.js', '/pkg/channels.js', '/pkg/rest.js'];
        const outcomes = [];
        for (const entry of entries) {
          try {
            await (await import(entry)).default();
            outcomes.push('ok');
          } catch (error) {
            outcomes.push(`${error?.name}: ${error?.message}`);
          }
        }
        return outcomes;
      });
    } finally {
      await context.close();
    }
  } finally {
    await server.close();
  }
}

test("script-src 'self' 'wasm-unsafe-eval': every entry's init() loads its wasm", async () => {
  assert.deepEqual(await initUnder("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'"), ['ok', 'ok', 'ok']);
});

test("script-src 'self' without 'wasm-unsafe-eval': init() rejects, as Chromium refuses to compile the wasm", async () => {
  const outcomes = await initUnder("default-src 'self'; script-src 'self'");
  assert.equal(outcomes.length, 3);
  for (const outcome of outcomes) assert.match(outcome, /^CompileError: .*WebAssembly/);
});
