// Code Daily wrote, on the local room: @daily-co/daily-react 0.26 (tests/js/daily-react-app.js)
// under StrictMode over two local call objects, and an app written for daily-js in the style of
// Daily's samples (tests/page/fixtures/sample-app.js) with only its factory line changed. Every
// case runs with no console error and no uncaught error. Also: the local call object has every
// DailyCall member daily-react calls, and the README lists every one it lacks.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePageApp, inBlankPage, serveRepository } from './harness.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
serveRepository();

before(() =>
  bundlePageApp(join(root, 'tests/js/daily-react-app.js'), join(root, 'target/daily-react-app'), [
    { name: 'pkg-as-served', setup: (b) => b.onResolve({ filter: /^\/pkg\// }, (a) => ({ path: a.path, external: true })) },
  ]),
);

test('daily-react 0.26: every data hook over two local call objects, under StrictMode, with no console error', { timeout: 60_000 }, async () => {
  const r = await inBlankPage(async (room) => {
    const { mount, seen } = await import('/target/daily-react-app/app.js');
    const until = async (check, label) => {
      for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      if (!check()) throw new Error(`timed out: ${label}: ${JSON.stringify(seen, (k, v) => (typeof v === 'function' ? undefined : v))}`);
    };
    const ann = mount('ann', room);
    await ann.call.join({ url: `https://example.daily.co/${room}` });
    ann.call.setMeetingSessionData({ stage: 'ann' });
    await ann.call.setUserData({ hand: true });
    const bob = mount('bob', room);
    await bob.call.join();
    // The late joiner: ann through participant-joined, her userData, the room's state.
    await until(() => seen.bob.ids.length === 2 && seen.bob.people[seen.ann.me]?.userData?.hand === true, 'bob sees ann');
    await until(() => seen.bob.data?.stage === 'ann', 'bob has the room state');
    await until(() => seen.ann.ids.length === 2, 'ann sees bob');
    seen.ann.send({ hello: 'bob' });
    seen.bob.send({ hello: 'ann' });
    await until(() => seen.ann.messages.length === 1 && seen.bob.messages.length === 1, 'messages both ways');
    await bob.call.setUserData({ hand: false });
    await until(() => seen.ann.people[seen.bob.me]?.userData?.hand === false, 'ann sees bob lower his hand');
    const out = {
      meetingStates: [seen.ann.meetingState, seen.bob.meetingState],
      sameIds: JSON.stringify(seen.ann.ids) === JSON.stringify(seen.bob.ids),
      messages: [seen.ann.messages, seen.bob.messages],
      bobSeesAnn: seen.bob.people[seen.ann.me],
      bobJoinedEvents: seen.bob.joinedEvents,
      room: ann.call.meetingSessionSummary(),
    };
    ann.unmount();
    bob.unmount();
    await Promise.all([ann.call.destroy(), bob.call.destroy()]);
    return out;
  }, `react-${Date.now()}`);
  assert.deepEqual(r.meetingStates, ['joined-meeting', 'joined-meeting']);
  assert.ok(r.sameIds);
  assert.deepEqual(r.messages, [[{ hello: 'ann' }], [{ hello: 'bob' }]]);
  assert.deepEqual(r.bobSeesAnn, { name: 'ann', userData: { hand: true }, videoState: 'off' });
  assert.ok(r.bobJoinedEvents >= 1, 'useDailyEvent heard participant-joined for ann');
  assert.match(r.room.id, /^react-/, 'the room is named by the URL');
});

test("an app in the style of Daily's samples runs on the local room with only its factory line changed", { timeout: 60_000 }, async () => {
  const r = await inBlankPage(async (room) => {
    const { startApp } = await import('/tests/page/fixtures/sample-app.js');
    const ann = await startApp('ann', `https://example.daily.co/${room}`);
    ann.setTopic('welcome');
    const bob = await startApp('bob', `https://example.daily.co/${room}`);
    const until = async (check, label) => {
      for (let i = 0; i < 300 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
      if (!check()) throw new Error(`timed out: ${label}`);
    };
    await until(() => bob.tiles().length === 2 && ann.tiles().length === 2, 'each shows both tiles');
    await until(() => bob.topic() === 'welcome', 'the late joiner shows the topic');
    ann.chat('hi');
    await until(() => bob.lines().includes('ann: hi'), 'chat');
    const out = { annTiles: ann.tiles(), bobTiles: bob.tiles(), controls: [ann.controlsEnabled(), bob.controlsEnabled()], lines: bob.lines() };
    await ann.leave();
    await until(() => bob.tiles().length === 1, 'ann leaves');
    out.afterLeave = bob.tiles();
    await bob.leave();
    return out;
  }, `sample-${Date.now()}`);
  assert.deepEqual(r.annTiles, ['ann (you)', 'bob']);
  assert.deepEqual(r.bobTiles, ['ann', 'bob (you)']);
  assert.deepEqual(r.controls, [true, true], 'controls enabled in joined-meeting, after reading the local tracks');
  assert.deepEqual(r.lines, ['ann: hi']);
  assert.deepEqual(r.afterLeave, ['bob (you)']);
});

test('the local call object has every DailyCall member daily-react 0.26 calls; the README lists every member it lacks', async () => {
  const reactSource = readFileSync(join(root, 'node_modules/@daily-co/daily-react/dist/index.esm.js'), 'utf8');
  const called = [...new Set([...reactSource.matchAll(/\bdaily\??\.([a-zA-Z]+)/g)].map((m) => m[1]))].filter((m) => m !== 'co');
  const typings = readFileSync(join(root, 'node_modules/@daily-co/daily-js/index.d.ts'), 'utf8');
  const body = typings.slice(typings.indexOf('export interface DailyCall {'));
  const members = [...new Set([...body.slice(0, body.indexOf('\n}')).matchAll(/^ {2}([a-zA-Z]+)\??[(:<]/gm)].map((m) => m[1]))];
  const present = await inBlankPage((names) => {
    return import('/pkg/local.js').then(({ createLocalCallObject }) => {
      const call = createLocalCallObject({ transport: 'memory' });
      return names.filter((name) => call[name] !== undefined);
    });
  }, members);
  assert.ok(called.length >= 40 && members.length >= 100, `read ${called.length} daily-react calls and ${members.length} DailyCall members`);
  assert.deepEqual(called.filter((name) => !present.includes(name)), [], 'daily-react calls only what the local call object has');
  const missing = members.filter((name) => !present.includes(name)).sort();
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const listed = readme.match(/<!-- missing DailyCall members -->\n([\s\S]*?)\n<!-- end -->/)?.[1] ?? '';
  assert.deepEqual([...listed.matchAll(/`([a-zA-Z]+)\(?\)?`/g)].map((m) => m[1]).sort(), missing, 'the README lists exactly the missing members');
});
