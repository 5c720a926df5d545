// daily-sync/react with React 19 from npm, rendered in Chromium on the local room: two roots
// exchange data through the hooks (requests too, through useRpcHandler; ordered state, through useOrdered), StrictMode leaves one
// listener per event (none after unmount), and components render once per change that concerns them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePageApp, launchBrowser, openPage, startServer } from './harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
let server;
let browser;
let page;
let errors;

/** The package's other entries stay separate modules, loaded from /pkg/ (one instance each). */
const pkgAsServed = {
  name: 'pkg-as-served',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^daily-sync\/react$/ }, () => ({ path: join(root, 'pkg/react.js') }));
    esbuild.onResolve({ filter: /^\/pkg\// }, (args) => ({ path: args.path, external: true }));
    esbuild.onResolve({ filter: /^\.\/(index|hub|registry)\.js$/ }, (args) =>
      args.importer === join(root, 'pkg/react.js') ? { path: `/pkg/${args.path.slice(2)}`, external: true } : undefined,
    );
  },
};

before(async () => {
  await bundlePageApp(join(root, 'tests/js/react-app.js'), join(root, 'target/react-app'), [pkgAsServed]);
  server = await startServer({ root });
  browser = await launchBrowser();
  ({ page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`));
  await page.evaluate(async () => {
    window.app = await import('/target/react-app/app.js');
    await window.app.setup();
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('two roots exchange an app message, a channel message, userData and session data through the hooks', { timeout: 60_000 }, async () => {
  const r = await page.evaluate(() => window.app.exchange());
  assert.deepEqual(r.messages, ['hello bob']);
  assert.equal(r.chatLength, 6000, 'a channel message past 4096 characters, through useChannel');
  assert.deepEqual(r.bobSeesAnn, { hand: true });
  assert.deepEqual(r.bobStage, { speaker: 'Ann' });
  assert.deepEqual(r.annStageAfterSet, { speaker: 'Ann' }, 'the writer re-rendered with its local view at once');
  for (const [event, count] of Object.entries(r.listenersWhileMounted)) assert.ok(count <= 1, `${event}: ${count} listeners`);
  assert.deepEqual(Object.values(r.listenersAfterUnmount), [0, 0, 0, 0, 0, 0, 0]);
});

test('StrictMode: mount, unmount and mount again leaves one listener per event; unmounting removes them all', { timeout: 60_000 }, async () => {
  const r = await page.evaluate(() => window.app.strictModeListeners());
  assert.deepEqual(Object.values(r.before), [0, 0, 0, 0, 0, 0, 0]);
  assert.deepEqual(r.mounted, {
    'app-message': 1,
    'participant-joined': 1,
    'participant-updated': 1,
    'participant-left': 1,
    'meeting-session-state-updated': 1,
    'joined-meeting': 1,
    'left-meeting': 1,
  });
  assert.equal(r.disposedBefore, false);
  assert.deepEqual(Object.values(r.after), [0, 0, 0, 0, 0, 0, 0]);
  assert.equal(r.disposedAfter, true, 'the provider disposed its DailySync');
});

test('one render per change that concerns a component, none for the others', { timeout: 60_000 }, async () => {
  const counts = await page.evaluate(() => window.app.renderCounts());
  assert.deepEqual(counts, [
    { label: 'a userData update', people: 1, session: 0 },
    { label: 'a session-data change', people: 0, session: 1 },
    { label: 'an app message', people: 0, session: 0 },
    { label: 'the same userData again', people: 0, session: 0 },
  ]);
});

test('useRpcHandler: one root answers another root\'s requests with the latest fn; StrictMode leaves one registration, unmounting none', { timeout: 60_000 }, async () => {
  const before = errors.length;
  const r = await page.evaluate(() => window.app.rpcHandler());
  assert.deepEqual(r.first, { value: { accepted: true, slot: 1 } });
  assert.deepEqual(r.second, { value: { accepted: false, slot: 2 } }, 'the fn of the latest render');
  assert.equal(r.secondRegistration, "invalid-argument: invalid argument: a handler for 'stage.invite' is registered already");
  assert.equal(r.afterUnmount.code, 'unsupported-method', 'unmounting unregistered it');
  assert.deepEqual(r.byHand, { value: 'by hand' }, 'and the method is free again');
  assert.equal(r.runsFromAnn, 2, 'each request ran the handler once, with the asker\'s session id');
  assert.deepEqual(errors.slice(before), [], 'no second registration threw from an effect under StrictMode');
});

test('useParticipant re-renders only for its participant; usePresence shows the others and sets one\'s own', { timeout: 60_000 }, async () => {
  const r = await page.evaluate(() => window.app.participantAndPresence());
  assert.deepEqual(r.afterAnn, { ann: 1, bob: 0 }, "Ann's update renders Ann's component once, Bob's not at all");
  assert.deepEqual(r.annCursor, { x: 7 });
});

test('useOrdered: concurrent increments from two roots are all applied and rendered; a bad batch is refused whole', { timeout: 60_000 }, async () => {
  const before = errors.length;
  const r = await page.evaluate(() => window.app.orderedState());
  assert.deepEqual(r.scores, [20, 20], 'no increment lost, both render the result');
  assert.equal(r.refused, 'invalid-argument');
  assert.deepEqual(errors.slice(before), []);
});
