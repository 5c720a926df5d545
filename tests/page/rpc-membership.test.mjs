// Who may be asked follows the call's membership as it changes (npm/rpc.js reads participants()
// again after each join or leave, not for every request): a participant who just joined can be
// asked at once, even from an app's own participant-joined listener that runs before the
// library's; one who left is recipient-not-found at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browser, openPage, serveRepository, server } from './harness.mjs';

serveRepository();

test('a newcomer is asked at once, from the first participant-joined listener too; one who left is not found', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
  try {
    const r = await page.evaluate(async () => {
      const lib = await import('/tests/js/all-entries.js');
      await lib.default();
      const room = `rpc-membership-${Math.random()}`;
      const make = (name) => lib.createLocalCallObject({ room, transport: 'memory', userName: name });
      const outcome = (promise) => promise.then((value) => ({ value }), (e) => ({ code: e.code }));
      const a = make('a');
      // The app's listener is on the call object before the DailySync's own.
      const asked = [];
      a.on('participant-joined', (e) => asked.push(outcome(sync.request(e.participant.session_id, 'hello', null))));
      const sync = new lib.DailySync(a);
      await a.join();
      // Requests made before anyone else is there fill what the library knows of the room.
      const alone = await outcome(sync.request('nobody-yet', 'hello', null));
      const joiners = [];
      for (const name of ['b', 'c']) {
        const call = make(name);
        const other = new lib.DailySync(call);
        other.handle('hello', () => `hi from ${name}`);
        await call.join();
        joiners.push({ call, id: call.participants().local.session_id });
      }
      const fromListener = await Promise.all(asked);
      const direct = await outcome(sync.request(joiners[1].id, 'hello', null));
      await joiners[0].call.leave();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const gone = await outcome(sync.request(joiners[0].id, 'hello', null));
      const still = await outcome(sync.request(joiners[1].id, 'hello', null));
      return { alone, fromListener, direct, gone, still };
    });
    assert.deepEqual(r.alone, { code: 'recipient-not-found' });
    assert.deepEqual(r.fromListener, [{ value: 'hi from b' }, { value: 'hi from c' }]);
    assert.deepEqual(r.direct, { value: 'hi from c' });
    assert.deepEqual(r.gone, { code: 'recipient-not-found' });
    assert.deepEqual(r.still, { value: 'hi from c' });
    assert.deepEqual(errors, []);
  } finally {
    await page.context().close();
  }
});
