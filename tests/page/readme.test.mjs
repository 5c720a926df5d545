// Every JavaScript example of the README, run as written: in Chromium on the local room (daily-js's
// import resolves to local call objects), the React (JSX) one bundled by esbuild with React 19 and
// the real @daily-co/daily-react, the backend one in Node against a stand-in for Daily's REST API,
// and the node:test one with `node --test`. An example that throws, or that names something the
// page does not have, fails. Every TypeScript example is compiled with tsc against the package's
// declarations (tests/types/readme/tsconfig.json), as written.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { browser, openPage, serveRepository, server } from './harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const examples = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const inNode = (code) => code.includes("'daily-sync/rest'");
const isNodeTest = (code) => code.includes("from 'node:test'");
const tsExamples = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
const jsxExamples = [...readFileSync(join(root, 'README.md'), 'utf8').matchAll(/^```jsx\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

/** How a JSX example's imports resolve: React bundled with it, the package's entries as served. */
const asServed = {
  name: 'as-served',
  setup(esbuild) {
    const path = (file) => ({ path: join(root, file) });
    const served = (url) => ({ path: url, external: true });
    esbuild.onResolve({ filter: /^@daily-co\/daily-js$/ }, () => served('/tests/js/daily-local-shim.js'));
    esbuild.onResolve({ filter: /^daily-sync\/react$/ }, () => path('pkg/react.js'));
    esbuild.onResolve({ filter: /^daily-sync(\/(local|rest|channels|ordered))?$/ }, (args) =>
      served(`/pkg/${args.path === 'daily-sync' ? 'index' : args.path.slice('daily-sync/'.length)}.js`),
    );
    esbuild.onResolve({ filter: /^\.\/(index|hub|registry)\.js$/ }, (args) =>
      args.importer === join(root, 'pkg/react.js') ? served(`/pkg/${args.path.slice(2)}`) : undefined,
    );
  },
};

serveRepository();

test('the README has JavaScript examples for the page, for a backend and for a Node test', () => {
  assert.ok(examples.filter((code) => !inNode(code) && !isNodeTest(code)).length >= 5);
  assert.equal(examples.filter(inNode).length, 1);
  assert.equal(examples.filter(isNodeTest).length, 1);
  assert.ok(tsExamples.length >= 1);
});

for (const [index, code] of examples.entries()) {
  if (inNode(code) || isNodeTest(code)) continue;
  test(`README example ${index + 1} runs: ${code.split('\n')[0]}`, { timeout: 60_000 }, async () => {
    const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/readme.html`);
    try {
      const outcome = await page.evaluate(async (code) => {
        // What the examples take from the app around them: its call, its DailySync, its UI.
        const lib = await import('/tests/js/all-entries.js');
        await lib.default();
        const { default: Daily } = await import('/tests/js/daily-local-shim.js');
        const call = Daily.createCallObject();
        await call.join();
        const ui = [];
        Object.assign(window, {
          Daily,
          DailySync: lib.DailySync,
          call,
          sync: new lib.DailySync(call),
          id: call.participants().local.session_id,
          longText: 'x'.repeat(10_000),
          ...Object.fromEntries(
            ['showReaction', 'render', 'renderStage', 'addLine', 'warnLost', 'ask', 'showNoAnswer'].map((name) => [name, (...args) => ui.push(name)]),
          ),
        });
        const url = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
        try {
          await import(url);
          return { ran: true };
        } catch (error) {
          return { ran: false, error: `${error?.name}: ${error?.message} (kind ${error?.kind})` };
        }
      }, code);
      assert.deepEqual(outcome, { ran: true }, code);
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });
}

for (const [index, code] of jsxExamples.entries()) {
  test(`README React example ${index + 1} renders with React 19`, { timeout: 60_000 }, async () => {
    const dir = join(root, 'target', 'readme-examples');
    mkdirSync(dir, { recursive: true });
    await build({
      stdin: { contents: code, loader: 'jsx', resolveDir: root },
      bundle: true,
      format: 'esm',
      jsx: 'automatic',
      outfile: join(dir, `react-${index + 1}.js`),
      define: { 'process.env.NODE_ENV': '"development"' },
      plugins: [asServed],
      logLevel: 'error',
    });
    const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/readme.html`);
    try {
      const items = await page.evaluate(async (file) => {
        const lib = await import('/tests/js/all-entries.js');
        await lib.default();
        document.body.appendChild(document.createElement('div')).id = 'root';
        await import(file);
        const start = Date.now();
        while (document.querySelectorAll('#root li').length === 0 && Date.now() - start < 10_000) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        return [...document.querySelectorAll('#root li')].map((li) => li.textContent);
      }, `/target/readme-examples/react-${index + 1}.js`);
      assert.equal(items.length, 1, 'the local participant is listed');
      assert.deepEqual(errors, []);
    } finally {
      await page.context().close();
    }
  });
}

test('the README backend example runs in Node, against a stand-in for Daily’s API', { timeout: 60_000 }, () => {
  const code = examples.find(inNode);
  // Inside the repository, so that `daily-sync/rest` resolves to this package (its own exports).
  const dir = join(root, 'target', 'readme-examples');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'backend.mjs'), code);
  writeFileSync(
    join(dir, 'daily-api.mjs'),
    `// Daily's REST API, as far as the example needs it: every request recorded and answered.
globalThis.fetch = async (url, init) => {
  console.log(JSON.stringify({ url: String(url), authorization: init.headers.authorization, body: JSON.parse(init.body) }));
  return new Response('{"sent":"true"}', { status: 200, headers: { 'content-type': 'application/json' } });
};
`,
  );
  const out = execFileSync('node', ['--import', './daily-api.mjs', 'backend.mjs'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, DAILY_API_KEY: 'a-secret' },
  });
  const requests = out.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(requests, [
    {
      url: 'https://api.daily.co/v1/rooms/my-room/send-app-message',
      authorization: 'Bearer a-secret',
      body: { data: { type: 'notification', text: 'Recording started' }, recipient: '*' },
    },
  ]);
});

test('the README node:test example passes under node --test, on two local call objects in Node', { timeout: 60_000 }, () => {
  const code = examples.find(isNodeTest);
  // Inside the repository, so that `daily-sync` and `daily-sync/local` resolve to this package.
  const dir = join(root, 'target', 'readme-examples');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'readme.test.mjs'), code);
  // Its own test run: not a subtest of this file's (node --test marks its children with NODE_TEST_CONTEXT).
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', 'readme.test.mjs'], { cwd: dir, env, encoding: 'utf8', timeout: 50_000 });
  const output = `${run.stdout}\n${run.stderr}`;
  assert.equal(run.status, 0, output);
  assert.match(run.stdout, /^# pass [1-9]/m, output);
  assert.match(run.stdout, /^# fail 0$/m, output);
});

test('the README TypeScript examples compile as written (tsc --strict, against the declarations)', { timeout: 120_000 }, () => {
  const dir = join(root, 'target', 'readme-types');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // Each example is a module of its own (`export {}` in case it imports nothing).
  for (const [index, code] of tsExamples.entries()) writeFileSync(join(dir, `readme-${index + 1}.ts`), `${code}\nexport {};\n`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(root, 'tests', 'types', 'readme', 'tsconfig.json')], { cwd: root, encoding: 'utf8' });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
});
