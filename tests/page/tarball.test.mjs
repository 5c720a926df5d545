// The package as its users get it: the tarball `npm pack` makes (its prepack builds it) installed
// into fresh apps outside the repo, built by the real bundlers (Vite under its dev server and as a
// production build, webpack 5) and run in Chromium, and a Node backend using `daily-sync/rest`
// with a bare init(). Each moves a message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launchBrowser, openPage } from './harness.mjs';
import { buildServer, startServer as startDevServer, KEY } from './dev-server.mjs';

const repo = fileURLToPath(new URL('../..', import.meta.url));
let work;
let tarball;
let browser;

/** An app's page: two local call objects in one room; B's onAppMessage gets what A sends. */
const APP = `
import init, { DailySync } from 'daily-sync';
import initLocal, { createLocalCallObject } from 'daily-sync/local';

await Promise.all([init(), initLocal()]);
const room = 'bundled-' + Math.random().toString(36).slice(2);
const a = createLocalCallObject({ room, transport: 'memory', userName: 'A' });
const b = createLocalCallObject({ room, transport: 'memory', userName: 'B' });
await Promise.all([a.join(), b.join()]);
const syncA = new DailySync(a);
const syncB = new DailySync(b);
const received = new Promise((resolve) => syncB.onAppMessage((m) => resolve(m.data.text)));
// A broadcast reaches those A already sees: send until B has it.
const timer = setInterval(() => syncA.sendAppMessage({ text: 'hello from a bundle' }), 50);
const text = await received;
clearInterval(timer);
document.title = 'received:' + text;
`;

const PAGE = `<!doctype html><link rel="icon" href="data:,"><title>loading</title>
<script type="module" src="./main.js"></script>`;

/** A React 19 app: two providers in StrictMode on two local call objects; B's hook gets A's message. */
const REACT_APP = `
import { StrictMode, createElement as h, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import init from 'daily-sync';
import initLocal, { createLocalCallObject } from 'daily-sync/local';
import { DailySyncProvider, useAppMessage, useDailySync, useParticipants } from 'daily-sync/react';

await Promise.all([init(), initLocal()]);
const room = 'react-' + Math.random().toString(36).slice(2);
const calls = ['A', 'B'].map((userName) => createLocalCallObject({ room, transport: 'memory', userName }));

// A broadcast reaches those in the room whose subscription is already up: send until B has it.
function Sender() {
  const sync = useDailySync();
  const people = useParticipants();
  useEffect(() => {
    if (people.length < 2) return undefined;
    const timer = setInterval(() => sync.sendAppMessage({ text: 'hello from a bundle' }), 100);
    return () => clearInterval(timer);
  }, [sync, people.length]);
  return null;
}
function Receiver() {
  useAppMessage((m) => (document.title = 'received:' + m.data.text));
  return null;
}
// A may see B before its own join completes: its sends wait for the join (queueUntilJoined).
for (const [call, child] of [[calls[0], Sender], [calls[1], Receiver]]) {
  const div = document.body.appendChild(document.createElement('div'));
  const options = { queueUntilJoined: true };
  createRoot(div).render(h(StrictMode, null, h(DailySyncProvider, { call, options }, h(child))));
}
await Promise.all(calls.map((call) => call.join()));
`;

/** A fresh app folder with the tarball (and `extra` packages) installed, and the given files. */
function app(name, files, extra = []) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball, ...extra], { cwd: dir });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

async function expectMessage(url) {
  const { page, errors } = await openPage(browser, url);
  await page.waitForFunction(() => document.title.startsWith('received:'), null, { timeout: 30_000 });
  assert.equal(await page.title(), 'received:hello from a bundle');
  assert.deepEqual(errors, []);
  await page.context().close();
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'daily-sync-apps-'));
  const packed = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: repo, encoding: 'utf8' });
  tarball = join(work, packed.trim().split('\n').pop());
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

test('the tarball holds each entry, its wasm, the types and the licenses', () => {
  const listing = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  for (const file of [
    'package/package.json',
    'package/LICENSE-MIT',
    'package/LICENSE-APACHE',
    ...['index', 'local', 'rest', 'channels', 'react'].flatMap((e) => [`package/pkg/${e}.js`, `package/pkg/${e}.d.ts`]),
    ...['core', 'local', 'rest', 'channels'].flatMap((e) => [
      `package/pkg/wasm/${e}/daily_sync.js`,
      `package/pkg/wasm/${e}/daily_sync_bg.wasm`,
    ]),
  ]) {
    assert.ok(listing.includes(file), `${file} is in the tarball`);
  }
  // The JS snippets wasm-bindgen copies beside an entry's glue (the local room's call object).
  assert.ok(listing.some((file) => /^package\/pkg\/wasm\/local\/snippets\/.*\/local_call\.js$/.test(file)));
  assert.ok(!listing.some((file) => file.startsWith('package/src/') || file.startsWith('package/tests/')));
});

test('a Vite app: under the dev server and as a production build', { timeout: 300_000 }, async () => {
  const { createServer, build } = await import('vite');
  const dir = app('vite-app', { 'index.html': PAGE, 'main.js': APP });
  const config = { root: dir, configFile: false, logLevel: 'silent', build: { target: 'es2022' } };
  const dev = await createServer({ ...config, server: { port: 0, host: '127.0.0.1' } });
  await dev.listen();
  try {
    const { port } = dev.httpServer.address();
    await expectMessage(`http://127.0.0.1:${port}/`);
  } finally {
    await dev.close();
  }
  await build({ ...config, build: { ...config.build, outDir: join(dir, 'dist') } });
  assert.ok(readdirSync(join(dir, 'dist/assets')).some((f) => f.endsWith('.wasm')), 'Vite emitted the wasm');
  const server = await startServer({ root: join(dir, 'dist') });
  try {
    await expectMessage(`${server.url}/`);
  } finally {
    await server.close();
  }
});

test('a React 19 app under Vite: two providers in StrictMode', { timeout: 300_000 }, async () => {
  const { createServer } = await import('vite');
  const react = ['react', 'react-dom'].map((name) => `${name}@${JSON.parse(readFileSync(join(repo, `node_modules/${name}/package.json`))).version}`);
  const dir = app('react-app', { 'index.html': PAGE, 'main.js': REACT_APP }, react);
  const dev = await createServer({ root: dir, configFile: false, logLevel: 'silent', server: { port: 0, host: '127.0.0.1' } });
  await dev.listen();
  try {
    await expectMessage(`http://127.0.0.1:${dev.httpServer.address().port}/`);
  } finally {
    await dev.close();
  }
});

test('a webpack 5 app, production build', { timeout: 300_000 }, async () => {
  const { default: webpack } = await import('webpack');
  const dir = app('webpack-app', { 'index.html': PAGE.replace('./main.js', './dist/main.js'), 'main.js': APP });
  const stats = await new Promise((resolve, reject) =>
    webpack(
      { mode: 'production', context: dir, entry: './main.js', output: { path: join(dir, 'dist'), publicPath: 'auto' } },
      (error, result) => (error ? reject(error) : resolve(result)),
    ),
  );
  assert.ok(!stats.hasErrors(), stats.toString('errors-only'));
  const server = await startServer({ root: dir });
  try {
    await expectMessage(`${server.url}/index.html`);
  } finally {
    await server.close();
  }
});

test('a Node backend sends through daily-sync/rest with a bare init(), and a page in the room gets it', { timeout: 300_000 }, async () => {
  const server = await startDevServer(buildServer());
  const room = 'tarball-room';
  try {
    // A listener in the dev server's room (Daily's endpoint answers 404 for a room nobody is in).
    const { page, errors } = await openPage(browser, `${server.url}/`);
    await page.evaluate(async ({ room, origin }) => {
      const { default: init, createLocalCallObject } = await import('/pkg/local.js');
      await init();
      const call = createLocalCallObject({ room, transport: 'websocket', url: `${origin.replace('http', 'ws')}/v1/rooms/${room}/ws` });
      window.received = [];
      call.on('app-message', (event) => window.received.push(event.data));
      await call.join({ userName: 'listener' });
    }, { room, origin: server.url });
    const dir = app('node-backend', {
      'send.js': `
import init, { DailyRestClient, isDailySyncError } from 'daily-sync/rest';
await init();
const rest = new DailyRestClient({ apiKey: process.env.KEY, baseUrl: process.env.BASE });
let answer;
// The page's join reaches the server a moment after join() resolves.
for (let attempt = 0; answer === undefined; attempt++) {
  try {
    answer = await rest.sendAppMessage(process.env.ROOM, { notice: 'from node' });
  } catch (error) {
    if (!isDailySyncError(error, 'http') || error.status !== 404 || attempt > 50) throw error;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
let kind = null;
try {
  await new DailyRestClient({ apiKey: 'wrong', baseUrl: process.env.BASE, retries: 0 }).sendAppMessage(process.env.ROOM, { a: 1 });
} catch (error) {
  kind = isDailySyncError(error) ? error.kind + ' ' + error.status : String(error);
}
console.log(JSON.stringify({ answer, kind }));
`,
    });
    const out = execFileSync('node', ['send.js'], {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, KEY, BASE: `${server.url}/v1`, ROOM: room },
    });
    assert.deepEqual(JSON.parse(out.trim()), { answer: { sent: 'true' }, kind: 'http 401' });
    await page.waitForFunction(() => window.received.length > 0, null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => window.received), [{ notice: 'from node' }]);
    assert.deepEqual(errors, []);
    await page.context().close();
  } finally {
    server.child.kill('SIGKILL');
    await server.exited;
  }
});
