// `npm start` serves the demo, in which the wasm loads (tarball.test.mjs installs the package
// itself into apps outside the repo).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { launchBrowser, openPage } from './harness.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

test('npm start serves a page in which the wasm loads', { timeout: 300_000 }, async () => {
  const port = await freePort();
  const child = spawn('npm', ['start'], { cwd: repo, env: { ...process.env, PORT: String(port) }, detached: true });
  let output = '';
  try {
    const url = await new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const found = output.match(/http:\/\/127\.0\.0\.1:\d+\/\S*/);
        if (found) resolve(found[0]);
      });
      child.stderr.on('data', (chunk) => (output += chunk));
      child.on('exit', (code) => reject(new Error(`npm start exited (${code}):\n${output}`)));
    });
    assert.equal(url, `http://127.0.0.1:${port}/`, 'it prints the URL it serves');
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser, url);
      // The demo's join screen says "ready" once the wasm has loaded.
      await page.waitForSelector('#join-status[data-state="ready"]', { state: 'attached', timeout: 30_000 });
      assert.equal(await page.isEnabled('#join-button'), true);
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
    }
  } finally {
    process.kill(-child.pid, 'SIGTERM');
  }
});
