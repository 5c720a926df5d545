// The soak, short: 8 participants of a local room in one page (transport 'memory'), each with a
// DailySync, exchanging app messages, userData and session data at 50 operations per second in
// total for 20 s; then everyone must converge (every app message addressed to each participant
// arrived once, in order; everyone sees everyone's last userData; everyone holds the same session
// state, with each participant's last merge in it) with flat memory: every sample within
// scripts/soak.mjs's MEMORY_BOUNDS of the first. scripts/soak.mjs runs the same
// for as long as asked (`node scripts/soak.mjs --minutes 5`); figures are in RELIABILITY.md.
// Run: node --test tests/page/soak.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { MEMORY_BOUNDS, memoryProblems, runSoak, withLeak } from '../../scripts/soak.mjs';
import { startServer, launchBrowser, openPage } from './harness.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('8 participants at 50 operations/s for 20 s converge, with flat memory', async () => {
  // A new seed each run, printed, so a failing run can be replayed: node scripts/soak.mjs --seconds 20 --seed N
  const seed = (Date.now() % 1000) + 1;
  const report = await runSoak({ seconds: 20, rate: 50, participants: 8, seed, sampleSeconds: 1 });
  const { run, check, memory } = report;
  console.log(
    `# soak (seed ${seed}): ${run.operations} operations in ${run.seconds.toFixed(1)} s (${run.ops.message} messages, ${run.ops.userData} userData, ` +
      `${run.ops.session} merges); ${check.delivered} deliveries; converged in ${check.settledInMs} ms; ` +
      `wasm ${memory.wasm.first} -> ${memory.wasm.last} (max ${memory.wasm.max}) B; ` +
      `heap after GC ${memory.cdpHeap.first} -> ${memory.cdpHeap.last} (max ${memory.cdpHeap.max}) B`,
  );
  assert.deepEqual(report.errors, [], 'the page saw an uncaught error, a wasm trap or a panic');
  assert.deepEqual(check.firstProblems, [], 'problems during the run');
  assert.equal(check.errors, 0, 'failed operations');
  assert.deepEqual(check.streamErrors, [], 'a stream threw');
  assert.equal(check.outOfOrder, 0, 'app messages out of order or lost on the way');
  assert.equal(check.strays, 0, 'app messages from nowhere');
  assert.deepEqual(check.mismatches, [], 'what the participants see after the settle period');
  assert.equal(check.converged, true);
  assert.ok(run.ops.message > 0 && run.ops.userData > 0 && run.ops.session > 0, 'every kind of operation ran');
  // Flat: every sample (one a second, after a full GC) within MEMORY_BOUNDS of the first, as in the
  // 5-minute soak; and those bounds would have caught a leak of 4 KB per operation on this run.
  assert.ok(report.samples.length >= 15, `${report.samples.length} memory samples`);
  assert.deepEqual(memoryProblems(report), [], `seed ${seed}`);
  assert.notDeepEqual(memoryProblems(withLeak(report, 4096)), [], `a 4 KB-per-operation leak within ${MEMORY_BOUNDS.cdpHeap} B`);
});

test('a participant that called flushSessionData() converges too, when a later write overwrote its own', async () => {
  // Found by the soak: with flushSessionData() (which the README recommends before leave()), an
  // update the room squashed under a later one stays applied in the writer's sessionData().
  const server = await startServer({ root: ROOT });
  const browser = await launchBrowser();
  try {
    const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
    const r = await page.evaluate(async () => {
      const x = await import('/tests/page/fixtures/hostile-page.js');
      const { DailySync, createLocalCallObject } = await x.setup();
      const room = `flush-${Math.random().toString(36).slice(2)}`;
      const calls = [];
      for (let i = 0; i < 3; i++) {
        const call = createLocalCallObject({ room, transport: 'memory' });
        await call.join();
        calls.push(call);
      }
      const [a, b, c] = calls.map((call) => new DailySync(call, { sessionDataIntervalMs: 100 }));
      await x.eventually(() => a.participants().length === 3 && c.participants().length === 3);
      a.mergeSessionData({ other: 1 }); // the room's authority (a) broadcasts now, then not for 1 s
      await x.sleep(50);
      b.mergeSessionData({ shared: 'b' });
      b.flushSessionData();
      await x.sleep(50);
      c.mergeSessionData({ shared: 'c' }); // same window at the authority: one state, shared 'c'
      const converged = await x.eventually(() => [a, b, c].every((s) => s.sessionData().shared === 'c'), 10_000);
      const result = { converged, views: [a, b, c].map((s) => s.sessionData().shared), room: calls[0].meetingSessionState().data.shared };
      for (const s of [a, b, c]) s.dispose();
      await Promise.all(calls.map((call) => call.leave()));
      return result;
    });
    assert.deepEqual(errors.filter((e) => e.startsWith('pageerror:')), []);
    assert.equal(r.room, 'c', "the room's state");
    assert.deepEqual(r.views, ['c', 'c', 'c'], `every sessionData() within 10 s (b still shows its own overwritten write: ${r.views[1] === 'b'})`);
  } finally {
    await browser.close();
    await server.close();
  }
});
