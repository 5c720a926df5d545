// The JS API as apps use it, in a real browser on the local room: callbacks and participant events,
// sends held until join (queueUntilJoined), and peer data checked by Standard Schemas (zod and
// valibot from npm), which reaches onInvalid and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLibraryPage, serveRepository } from './harness.mjs';

serveRepository();

/** A blank page with daily-sync loaded and helpers on `window`; `errors` collects page errors. */
async function page() {
  const opened = await openLibraryPage();
  await opened.page.evaluate(() => {
    const { lib } = window;
    window.call = (room, userName) => lib.createLocalCallObject({ room, userName, transport: 'memory', sessionDataSyncMs: 50 });
    window.waitFor = async (predicate, what, ms = 10_000) => {
      const start = Date.now();
      while (!predicate()) {
        if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    window.warnings = [];
    const warn = console.warn.bind(console);
    console.warn = (...args) => {
      window.warnings.push(args.map(String).join(' '));
      warn(...args);
    };
  });
  return opened;
}

test('callbacks and participant events fire as named, and each on*() returns its unsubscribe', async () => {
  const { page: p } = await page();
  const r = await p.evaluate(async () => {
    const room = 'callbacks';
    const [a, b] = [call(room, 'Ada'), call(room, 'Bo')];
    const sa = new lib.DailySync(a, { sessionDataIntervalMs: 16 });
    const sb = new lib.DailySync(b, { sessionDataIntervalMs: 16 });
    const seen = { messages: [], updates: [], states: [], events: [], thrown: 0, second: [] };
    const offMessage = sb.onAppMessage((m) => seen.messages.push(m));
    // A callback that throws stops neither the callbacks after it nor the iterators.
    sb.onAppMessage(() => {
      seen.thrown++;
      throw new Error('an app bug');
    });
    sb.onAppMessage((m) => seen.second.push(m.data.n));
    const iterated = [];
    (async () => {
      for await (const m of sb.appMessages()) iterated.push(m.data.n);
    })();
    sb.onParticipantUpdate((participant) => seen.updates.push(participant));
    sb.onSessionState((state) => seen.states.push(state));
    sa.onParticipantEvent(({ action, participant }) => seen.events.push([action, participant.userName]));
    await a.join();
    await b.join();
    const bId = b.participants().local.session_id;
    await waitFor(() => seen.events.some(([action]) => action === 'joined'), 'Bo joined, at Ada');
    sa.sendAppMessage({ n: 1 });
    await waitFor(() => seen.messages.length === 1 && iterated.length === 1, 'the first message');
    offMessage();
    sa.sendAppMessage({ n: 2 });
    await waitFor(() => seen.second.length === 2 && iterated.length === 2, 'the second message');
    await sa.setUserData({ hand: true });
    await waitFor(() => seen.updates.some((u) => u.userData?.hand === true), 'the userData update');
    await sb.setUserData({ hand: false });
    await waitFor(() => seen.events.some(([action]) => action === 'updated'), "Bo's update, at Ada");
    sa.setSessionData({ stage: 'Ada' });
    await waitFor(() => seen.states.some((s) => s.data.stage === 'Ada'), 'the session state');
    await b.leave();
    await waitFor(() => seen.events.some(([action]) => action === 'left'), 'Bo left, at Ada');
    const listeners = () => Object.fromEntries(['app-message', 'participant-updated', 'meeting-session-state-updated'].map((e) => [e, b.listenerCount(e)]));
    const before = listeners();
    sb.dispose();
    const after = listeners();
    sa.dispose();
    await a.leave();
    return {
      messages: seen.messages.map((m) => [m.data.n, m.fromId === a.participants().local?.session_id || typeof m.fromId]),
      second: seen.second,
      iterated,
      thrown: seen.thrown,
      update: seen.updates.find((u) => u.userData?.hand === true),
      state: seen.states.find((s) => s.data.stage === 'Ada'),
      events: seen.events,
      bId,
      before,
      after,
    };
  });
  assert.deepEqual(r.messages.map(([n]) => n), [1], 'the unsubscribed callback got only the first message');
  assert.deepEqual(r.second, [1, 2]);
  assert.deepEqual(r.iterated, [1, 2], 'the iterator goes on past a throwing callback');
  assert.equal(r.thrown, 2);
  assert.deepEqual(Object.keys(r.update).sort(), ['local', 'owner', 'sessionId', 'userData', 'userId', 'userName']);
  assert.equal(r.update.userName, 'Ada');
  assert.deepEqual(r.state, { data: { stage: 'Ada' }, topology: 'none' });
  assert.deepEqual(
    r.events.filter(([, name]) => name === 'Bo').map(([action]) => action).filter((a, i, all) => all.indexOf(a) === i),
    ['joined', 'updated', 'left'],
  );
  assert.deepEqual(r.before, { 'app-message': 1, 'participant-updated': 1, 'meeting-session-state-updated': 1 }, 'one listener per event');
  assert.deepEqual(r.after, { 'app-message': 0, 'participant-updated': 0, 'meeting-session-state-updated': 0 });
});

test('queueUntilJoined: sends and session-data writes made before join are checked at once and sent on join', async () => {
  const { page: p } = await page();
  const r = await p.evaluate(async () => {
    const room = 'queue';
    const [a, b] = [call(room, 'Ada'), call(room, 'Bo')];
    const sb = new lib.DailySync(b);
    const got = [];
    sb.onAppMessage((m) => got.push(m.data));
    await b.join();
    const sa = new lib.DailySync(a, { queueUntilJoined: true, sessionDataIntervalMs: 16 });
    const refused = {};
    const attempt = (name, fn) => {
      try {
        fn();
      } catch (error) {
        refused[name] = error.kind;
      }
    };
    sa.sendAppMessage({ n: 1 });
    attempt('too large', () => sa.sendAppMessage({ big: 'x'.repeat(5000) }));
    attempt('no JSON form', () => sa.sendAppMessage(10n));
    attempt('bad recipient', () => sa.sendAppMessage({ n: 0 }, []));
    attempt('not a plain object', () => sa.setSessionData([1]));
    sa.sendAppMessage({ n: 2 });
    sa.mergeSessionData({ queued: true });
    // Without the option, daily-js's own behaviour: a send before join throws.
    const plain = new lib.DailySync(call(room, 'Cy'));
    attempt('without the option', () => plain.sendAppMessage({ n: 3 }));
    plain.dispose();
    await a.join();
    await waitFor(() => got.length === 2, 'the held messages at Bo');
    await waitFor(() => sb.sessionData().queued === true, 'the held session write at Bo');
    // Held sends are dropped, with a warning, when the DailySync goes before the join.
    const c = call(room, 'Di');
    const sc = new lib.DailySync(c, { queueUntilJoined: true });
    sc.sendAppMessage({ n: 4 });
    sc.dispose();
    await c.join();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = { got, refused, session: sb.sessionData(), warnings: window.warnings };
    for (const x of [sa, sb]) x.dispose();
    for (const x of [a, b, c]) await x.leave();
    return result;
  });
  assert.deepEqual(r.got, [{ n: 1 }, { n: 2 }], 'in order, once each, and nothing that was refused');
  assert.deepEqual(r.refused, {
    'too large': 'payload-too-large',
    'no JSON form': 'not-serializable',
    'bad recipient': 'invalid-recipient',
    'not a plain object': 'not-plain-object',
    'without the option': 'not-joined',
  });
  assert.deepEqual(r.session, { queued: true });
  assert.ok(r.warnings.some((w) => /disposed before join; 1 held send/.test(w)), r.warnings.join('\n'));
});

for (const library of ['zod', 'valibot']) {
  test(`schemas (${library}): peer data that fails reaches onInvalid and nothing else`, async () => {
    const { page: p } = await page();
    const r = await p.evaluate(async (library) => {
      const schemas =
        library === 'zod'
          ? await (async () => {
              const { z } = await import('/node_modules/zod/index.js');
              return {
                appMessage: z.object({ emoji: z.string() }),
                userData: z.object({ hand: z.boolean() }),
                sessionData: z.object({ stage: z.string().optional() }),
              };
            })()
          : await (async () => {
              const v = await import('/node_modules/valibot/dist/index.mjs');
              return {
                appMessage: v.object({ emoji: v.string() }),
                userData: v.object({ hand: v.boolean() }),
                sessionData: v.object({ stage: v.optional(v.string()) }),
              };
            })();
      const room = `schemas-${library}`;
      const [a, b] = [call(room, 'Ada'), call(room, 'Bo')];
      const sa = new lib.DailySync(a, { sessionDataIntervalMs: 16 });
      const sb = new lib.DailySync(b, { schemas, sessionDataIntervalMs: 16 });
      const seen = { messages: [], iterated: [], updates: [], states: [], invalid: [] };
      sb.onAppMessage((m) => seen.messages.push(m.data));
      (async () => {
        for await (const m of sb.appMessages()) seen.iterated.push(m.data);
      })();
      sb.onParticipantUpdate((u) => seen.updates.push(u.userData));
      sb.onSessionState((s) => seen.states.push(s.data));
      sb.onInvalid((item) => seen.invalid.push({ ...item, issues: item.issues.length }));
      await a.join();
      await b.join();
      const aId = a.participants().local.session_id;
      await waitFor(() => Object.keys(a.participants()).length === 2, 'both in the room');
      sa.sendAppMessage({ emoji: 42 }); // fails
      sa.sendAppMessage({ emoji: '🎉' }); // passes
      await waitFor(() => seen.messages.length === 1, 'the valid message');
      await sa.setUserData({ hand: 'yes' }); // fails
      await waitFor(() => seen.invalid.some((i) => i.source === 'user-data'), 'the invalid userData reported');
      const participantWhileInvalid = sb.participants().find((x) => x.sessionId === aId);
      await sa.setUserData({ hand: true }); // passes
      await waitFor(() => seen.updates.some((u) => u?.hand === true), 'the valid userData');
      sa.setSessionData({ stage: 'Ada' }); // passes
      await waitFor(() => seen.states.some((s) => s.stage === 'Ada'), 'the valid session state');
      sa.setSessionData({ stage: 7 }); // fails
      await waitFor(() => seen.invalid.some((i) => i.source === 'session-data'), 'the invalid session data reported');
      const viewWhileInvalid = sb.sessionData();
      const result = { ...seen, aId, participantWhileInvalid, viewWhileInvalid };
      sa.dispose();
      sb.dispose();
      await a.leave();
      await b.leave();
      return result;
    }, library);
    assert.deepEqual(r.messages, [{ emoji: '🎉' }]);
    assert.deepEqual(r.iterated, [{ emoji: '🎉' }]);
    assert.ok(!r.updates.some((u) => u?.hand === 'yes'), 'the failing userData reached no callback');
    assert.equal(r.participantWhileInvalid.userData, undefined, 'participants() hides failing userData');
    assert.ok(!r.states.some((s) => s.stage === 7), 'the failing state reached no callback');
    assert.deepEqual(r.viewWhileInvalid, { stage: 'Ada' }, 'sessionData() keeps the last valid view');
    const bySource = Object.fromEntries(r.invalid.map((i) => [i.source, i]));
    assert.deepEqual(bySource['app-message'], { source: 'app-message', fromId: r.aId, data: { emoji: 42 }, issues: 1 });
    assert.deepEqual(bySource['user-data'], { source: 'user-data', fromId: r.aId, data: { hand: 'yes' }, issues: 1 });
    assert.equal(bySource['session-data'].fromId, undefined);
    assert.deepEqual(bySource['session-data'].data, { stage: 7 });
    assert.equal(r.invalid.filter((i) => i.source === 'app-message').length, 1, 'reported once, however many subscribers');
  });
}

test('bad options are refused with invalid-argument', async () => {
  const { page: p } = await page();
  const kinds = await p.evaluate(() => {
    const kind = (options) => {
      try {
        new lib.DailySync(call('options', 'Ada'), options).dispose();
        return 'accepted';
      } catch (error) {
        return error.kind;
      }
    };
    return {
      queue: kind({ queueUntilJoined: 'yes' }),
      schemas: kind({ schemas: 42 }),
      schema: kind({ schemas: { appMessage: { parse() {} } } }),
      fine: kind({ queueUntilJoined: false, schemas: {} }),
    };
  });
  assert.deepEqual(kinds, { queue: 'invalid-argument', schemas: 'invalid-argument', schema: 'invalid-argument', fine: 'accepted' });
});
