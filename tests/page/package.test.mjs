// The package as its users get it: `npm start` serves a page that loads the wasm, and the tarball
// `npm pack` makes installs into an app outside the repo and loads there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { startServer, launchBrowser, openPage } from './harness.mjs';

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

test('the packed tarball installs into an app outside the repo and init() works there', { timeout: 300_000 }, async () => {
  assert.ok(existsSync(join(repo, 'pkg/daily_sync_bg.wasm')), 'npm run build ran first');
  const dir = mkdtempSync(join(tmpdir(), 'daily-sync-app-'));
  try {
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: repo, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'an-app', private: true, type: 'module' }));
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', join(dir, tarball)], { cwd: dir });
    writeFileSync(
      join(dir, 'index.html'),
      `<!doctype html><link rel="icon" href="data:,">
<script type="importmap">{ "imports": { "daily-sync": "/node_modules/daily-sync/pkg/daily_sync.js" } }</script>
<script type="module">
  import init, { DailySync } from 'daily-sync';
  await init();
  let kind = null;
  try { new DailySync({}); } catch (error) { kind = error.kind; }
  document.title = 'loaded:' + kind;
</script>`,
    );
    const server = await startServer({ root: dir });
    const browser = await launchBrowser();
    try {
      const { page, errors } = await openPage(browser, `${server.url}/index.html`);
      await page.waitForFunction(() => document.title.startsWith('loaded:'), null, { timeout: 30_000 });
      assert.equal(await page.title(), 'loaded:not-call-object', 'the installed package runs and checks its input');
      assert.deepEqual(errors, []);
    } finally {
      await browser.close();
      await server.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
