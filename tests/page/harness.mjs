// Page-test harness for `node --test tests/page/`: a tiny static file server,
// a headless Chromium launcher (playwright-core + the system Chromium) and a
// page opener that collects console errors and uncaught page errors.
//
//   const server = await startServer({ root: REPO_ROOT });
//   const browser = await launchBrowser();
//   const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
//   ... assert.deepEqual(errors, []);
//   await browser.close(); await server.close();

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { before, after } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

/** The repository, which page tests serve. */
export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The server and the browser of the test file that called serveRepository() (live bindings). */
export let server = null;
export let browser = null;

/**
 * Serves the repository and launches Chromium around the tests of the file that calls it
 * (node:test's before and after); `server` and `browser` above are theirs once the tests run.
 */
export function serveRepository() {
  before(async () => {
    server = await startServer({ root: REPO_ROOT });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });
}

/** Where pages import daily-js from; DAILY_JS_DIR replaces the folder behind it. */
const DAILY_JS_PATH = '/node_modules/@daily-co/daily-js/';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serve the files under `root` on 127.0.0.1 (GET/HEAD only, no caching).
 * A directory serves its index.html; missing files and paths escaping `root`
 * get 404 / 403.
 * With `site`, a folder whose files are served at `/` first (the demo's www/), `root`'s after.
 * With `isolated`, the pages are cross-origin isolated (COOP and COEP headers), which gives
 * `performance.now()` a 5 µs resolution instead of 100 µs: the benchmarks need it.
 * With the environment variable DAILY_JS_DIR (a folder holding a daily-js package), paths under
 * /node_modules/@daily-co/daily-js/ are served from it: the compatibility matrix
 * (scripts/compat.mjs) runs the page tests on other daily-js versions so.
 * With `headers`, every answer carries them too (a Content-Security-Policy, say).
 * @param {{ root: string, site?: string, port?: number, isolated?: boolean, headers?: Record<string, string> }} options  port 0 = any free port
 * @returns {Promise<{ url: string, close(): Promise<void> }>} url has no trailing slash
 */
export async function startServer({ root, site, port = 0, isolated = false, headers = {} }) {
  const isolation = isolated
    ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' }
    : {};
  const bases = [site, root].filter(Boolean).map((dir) => resolve(dir));
  const server = createServer(async (req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...isolation, ...headers });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      return send(400, 'bad request');
    }
    let folders = bases;
    const dailyJs = process.env.DAILY_JS_DIR;
    if (dailyJs && pathname.startsWith(DAILY_JS_PATH)) {
      folders = [resolve(dailyJs)];
      pathname = pathname.slice(DAILY_JS_PATH.length - 1);
    }
    for (const base of folders) {
      let file = resolve(join(base, pathname));
      // `join` + `resolve` collapse any `..`; whatever lands outside the folder is refused.
      if (file !== base && !file.startsWith(base + sep)) return send(403, 'forbidden');
      try {
        if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
        const body = await readFile(file);
        return send(200, body, MIME[extname(file).toLowerCase()] ?? 'application/octet-stream');
      } catch {
        // not in this folder: try the next
      }
    }
    send(404, 'not found');
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close() {
      server.closeAllConnections(); // drop the browser's keep-alive sockets
      return new Promise((ok) => server.close(() => ok()));
    },
  };
}

/**
 * Launch headless Chromium ($CHROMIUM or /usr/bin/chromium; never downloads one), with this
 * machine's flags (no sandbox as root, no network of its own) and `extraArgs`.
 */
export function launchBrowser({ extraArgs = [] } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
}

/**
 * Open `url` in a fresh browser context. `errors` collects, as strings, every
 * `console.error(...)` ("console: ...") and uncaught exception or unhandled
 * rejection ("pageerror: ...") from the page, so a test can assert it stays empty.
 * Close with `context.close()` (or just close the browser).
 * @returns {Promise<{ context: import('playwright-core').BrowserContext,
 *   page: import('playwright-core').Page, errors: string[] }>}
 */
export async function openPage(browser, url) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack || err.message}`));
  await page.goto(url);
  return { context, page, errors };
}

/**
 * A blank page (fixtures/blank.html) from the served repository, with every daily-sync entry
 * loaded and initialized as `window.lib`; `openPage`'s `{ context, page, errors }`.
 */
export async function openLibraryPage() {
  const opened = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
  await opened.page.evaluate(async () => {
    const lib = await import('/tests/js/all-entries.js');
    await lib.default();
    window.lib = lib;
  });
  return opened;
}

/**
 * Runs the page function `fn(arg)` in a fresh blank page of the served repository (see
 * serveRepository), after `setup(setupArg)` ran there; fails on any console error or uncaught
 * error. The page's context is closed after.
 */
export async function inBlankPage(fn, arg, { setup, setupArg } = {}) {
  const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
  try {
    if (setup) await page.evaluate(setup, setupArg);
    const result = await page.evaluate(fn, arg);
    assert.deepEqual(errors, [], 'no console error, nothing uncaught');
    return result;
  } finally {
    await page.context().close();
  }
}

/** Bundles the page app `entry` into `outDir`/app.js with esbuild (React in development mode). */
export async function bundlePageApp(entry, outDir, plugins) {
  const { build } = await import('esbuild');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    outfile: join(outDir, 'app.js'),
    define: { 'process.env.NODE_ENV': '"development"' },
    plugins,
    logLevel: 'error',
  });
}
