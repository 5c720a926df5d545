// The Rust API on the real daily-js: the scenarios of tests/rust-api-on-daily/ (a Rust app's wasm,
// built by scripts/build-rust-api-on-daily.sh), each run in a fresh page on real daily-js call
// objects joined offline to the stand-in call machine (tests/js/daily-stand-in/). A scenario
// rejects with the expectation that failed; the test fails with that message.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, browser, openPage, serveRepository, server } from './harness.mjs';
import { assertNoCrash } from './fixtures/daily-sync-node.mjs';

const SCENARIOS = '/target/rust-api-on-daily/pkg/daily_sync_rust_api_on_daily.js';

serveRepository();
before(() => {
  assert.ok(existsSync(join(REPO_ROOT, SCENARIOS)), 'the scenarios are built (bash scripts/build-rust-api-on-daily.sh)');
});

/**
 * Runs the exported scenario `name` in a fresh page (its own stand-in room) on `userNames.length`
 * joined daily-js call objects; fails with the scenario's message. Returns each call's session id
 * and the `app-message` events daily-js gave it, as the page saw them.
 */
async function run(name, userNames) {
  const { page, errors, context } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
  try {
    const result = await page.evaluate(
      async ({ scenarios, name, userNames }) => {
        const rust = await import(scenarios);
        await rust.default();
        const Daily = await (await import('/tests/page/fixtures/daily-js.js')).loadDaily();
        const standIn = await import('/tests/js/daily-stand-in/joined.js');
        const calls = await standIn.createJoinedCallObjects(Daily, userNames.length, { userNames });
        const ids = calls.map((call) => call.participants().local.session_id);
        const events = calls.map((call) => standIn.recordEvents(call, ['app-message']));
        const made = [];
        const stage = {
          calls,
          roomUrl: standIn.STAND_IN_ROOM_URL,
          newCall() {
            const call = standIn.createStandInCallObject(Daily);
            made.push(call);
            return call;
          },
          sessionWrites: () => window.__dailyStandIn.log.filter((entry) => entry.action === 'set-session-data').length,
        };
        let failure = null;
        // A panic aborts the wasm and never settles the scenario's promise: the uncaught error
        // (or, failing that, the timeout) ends the wait.
        const crashed = new Promise((_, fail) => {
          window.addEventListener('error', (event) => fail(new Error(`crashed: ${event.message}`)));
          window.addEventListener('unhandledrejection', (event) => fail(new Error(`crashed: ${event.reason}`)));
          setTimeout(() => fail(new Error('did not settle in 30 s')), 30_000);
        });
        try {
          await Promise.race([rust[name](stage), crashed]);
        } catch (error) {
          failure = `${name}: ${error?.message ?? error}`;
        }
        await Promise.all([...calls, ...made].map((call) => call.destroy().catch(() => {})));
        const plain = (event) => ({ data: event.data, fromId: event.fromId });
        return { failure, ids, events: events.map((list) => list.map(plain)) };
      },
      { scenarios: SCENARIOS, name, userNames },
    );
    if (result.failure) assert.fail([result.failure, ...errors].join('\n'));
    assertNoCrash(errors);
    return result;
  } finally {
    await context.close();
  }
}

test('typed app messages: broadcast and targeted, the 4096 limit as daily-js measures it, bad recipients', async () => {
  const { ids, events } = await run('appMessages', ['ann', 'bo', 'cy']);
  const [ann, bo] = ids;
  // The typed message is daily-js's own app-message event, its data the struct's plain JSON.
  assert.deepEqual(events[0], [{ data: { emoji: 'end' }, fromId: bo }], "Ann's call object got Bo's message alone");
  const [hooray, both] = [{ data: { emoji: '🎉' }, fromId: ann }, { data: { emoji: 'to bo and cy' }, fromId: ann }];
  assert.deepEqual(events[1].slice(0, 2), [hooray, both], "Bo's call object: the broadcast and the message to two");
  assert.deepEqual(events[2].slice(0, 4), [hooray, { data: { emoji: 'to cy' }, fromId: ann }, both, events[0][0]]);
  for (const [who, list, from] of [['Bo', events[1], 2], ['Cy', events[2], 4]]) {
    const sizes = list.slice(from).map((event) => JSON.stringify(event.data).length);
    assert.deepEqual(sizes, [4096, 4096], `${who}'s call object: the two messages at the limit, none past it`);
  }
});

test('user data: seen by the others and a late joiner, cleared; joins and leaves as participant events', async () => {
  await run('userData', ['ann', 'bo']);
});

test('session data: two handles share one throttle and both merges arrive; set, merge, delete converge; the 102,400 limit', async () => {
  await run('sessionData', ['ann', 'bo']);
});

test('request and response: a 20,000-character payload and answer, every failure code, request_all', async () => {
  await run('requests', ['ann', 'bo', 'cy']);
});

test('ordered room state: twenty increments from two participants, applied one at a time', async () => {
  await run('orderedIncrements', ['ann', 'bo', 'cy']);
});

test('channels: a 20,000-character message through daily-js, and its history replayed to a member that opens it in the call', async () => {
  await run('channels', ['ann', 'bo']);
});

// On daily-js, `joined-meeting` comes before the participant-joined events of those already
// there: the history is asked of the first of them as it comes.
test('channels: the history of a channel opened before join', async () => {
  await run('channelHistoryOpenedBeforeJoin', ['ann', 'bo']);
});

test('presence: the latest value arrives, a late joiner gets it, a leaver is gone', async () => {
  await run('presence', ['ann', 'bo']);
});

test('before join and after leave: not-joined from daily-js, user data carried into join, queue_until_joined', async () => {
  await run('beforeJoinAndAfterLeave', ['bo']);
});
