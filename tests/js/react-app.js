// A React 19 app on daily-sync/react, for tests/page/react.test.mjs: esbuild bundles it (React in
// development mode, so StrictMode mounts, unmounts and mounts again), with the package's other
// entries loaded from /pkg/ as they are. Each export runs one scenario in the page and returns
// plain data. Test helper, not part of the library.
import { StrictMode, createElement as h } from 'react';
import { createRoot } from 'react-dom/client';
import init from '/pkg/index.js';
import initChannels from '/pkg/channels.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';
import initOrdered from '/pkg/ordered.js';
import {
  DailySyncProvider,
  useAppMessage,
  useChannel,
  useDailySync,
  useOrdered,
  useParticipant,
  useParticipants,
  usePresence,
  useRpcHandler,
  useSessionData,
} from 'daily-sync/react';

const EVENTS = [
  'app-message',
  'participant-joined',
  'participant-updated',
  'participant-left',
  'meeting-session-state-updated',
  'joined-meeting',
  'left-meeting',
];

export async function setup() {
  await Promise.all([init(), initLocal(), initChannels(), initOrdered()]);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(predicate, what, ms = 10_000) {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const localCall = (room, userName) => createLocalCallObject({ room, userName, transport: 'memory', sessionDataSyncMs: 50 });
const listeners = (call) => Object.fromEntries(EVENTS.map((event) => [event, call.listenerCount(event)]));

/** What one participant's component saw, and its DailySync and session writes, by name. */
function Probe({ name, seen }) {
  const sync = useDailySync();
  const people = useParticipants();
  const [stage, { set, merge }] = useSessionData();
  const channel = useChannel('chat', (message) => seen[name].chat.push(message.data.text));
  useAppMessage((message) => seen[name].messages.push(message.data.text));
  Object.assign(seen[name], { sync, people, stage, set, merge, channel });
  return h('p', null, `${name}: ${people.length} people, stage ${JSON.stringify(stage)}`);
}

function mount(call, name, seen, strict = true) {
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  const provider = h(DailySyncProvider, { call, options: { sessionDataIntervalMs: 16 } }, h(Probe, { name, seen }));
  root.render(strict ? h(StrictMode, null, provider) : provider);
  return root;
}

/** Two roots in StrictMode exchange an app message, a channel message, userData and session data. */
export async function exchange() {
  const room = `react-${Math.random()}`;
  const calls = { ann: localCall(room, 'Ann'), bob: localCall(room, 'Bob') };
  const seen = { ann: { messages: [], chat: [] }, bob: { messages: [], chat: [] } };
  const roots = Object.entries(calls).map(([name, call]) => mount(call, name, seen));
  await waitFor(() => seen.ann.sync && seen.bob.sync, 'both providers');
  await Promise.all(Object.values(calls).map((call) => call.join()));
  await waitFor(() => seen.ann.people.length === 2 && seen.bob.people.length === 2, 'each sees two people');
  seen.ann.sync.sendAppMessage({ text: 'hello bob' });
  await seen.ann.channel.send({ text: 'x'.repeat(6000) });
  await seen.ann.sync.setUserData({ hand: true });
  // The hook's own write re-renders its users within microtasks, with the local view.
  seen.ann.set({ speaker: 'Ann' });
  for (let i = 0; i < 5; i++) await Promise.resolve();
  const localView = seen.ann.stage;
  await waitFor(() => seen.bob.messages.length === 1, 'the app message at Bob');
  await waitFor(() => seen.bob.chat.length === 1, 'the channel message at Bob');
  await waitFor(() => seen.bob.people.some((p) => p.userData?.hand === true), "Ann's userData at Bob");
  await waitFor(() => seen.bob.stage.speaker === 'Ann', 'the session data at Bob');
  await sleep(50);
  const result = {
    messages: seen.bob.messages,
    chatLength: seen.bob.chat[0].length,
    bobSeesAnn: seen.bob.people.find((p) => p.userName === 'Ann')?.userData,
    bobStage: seen.bob.stage,
    annStageAfterSet: localView,
    listenersWhileMounted: listeners(calls.bob),
  };
  for (const root of roots) root.unmount();
  result.listenersAfterUnmount = listeners(calls.bob);
  await Promise.all(Object.values(calls).map((call) => call.leave()));
  return result;
}

/** StrictMode mounts, unmounts and mounts again: still one listener per event; none after unmount. */
export async function strictModeListeners() {
  const call = localCall(`strict-${Math.random()}`, 'Solo');
  const before = listeners(call);
  const seen = { solo: { messages: [], chat: [] } };
  const root = mount(call, 'solo', seen);
  await waitFor(() => seen.solo.sync, 'the provider');
  await call.join();
  await sleep(50);
  const mounted = listeners(call);
  const disposedBefore = seen.solo.sync.disposed;
  root.unmount();
  const after = listeners(call);
  await call.leave();
  return { before, mounted, after, disposedBefore, disposedAfter: seen.solo.sync.disposed };
}

/** How many times components render per update (no StrictMode, so React renders once per change). */
export async function renderCounts() {
  const room = `renders-${Math.random()}`;
  const [me, peer] = [localCall(room, 'Me'), localCall(room, 'Peer')];
  const renders = { people: 0, session: 0 };
  const state = {};
  function People() {
    renders.people++;
    state.people = useParticipants();
    return null;
  }
  function Session() {
    renders.session++;
    [state.session] = useSessionData();
    return null;
  }
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  root.render(h(DailySyncProvider, { call: me }, h(People), h(Session)));
  await Promise.all([me.join(), peer.join()]);
  await waitFor(() => state.people?.length === 2, 'two people');
  await sleep(100);
  const { DailySync } = await import('/pkg/index.js');
  const peerSync = new DailySync(peer, { sessionDataIntervalMs: 16 });
  const counts = [];
  const step = async (label, act, until) => {
    const start = { ...renders };
    await act();
    await waitFor(until, label);
    await sleep(150); // any further render would come now
    counts.push({ label, people: renders.people - start.people, session: renders.session - start.session });
  };
  await step('a userData update', () => peerSync.setUserData({ n: 1 }), () => state.people.some((p) => p.userData?.n === 1));
  await step('a session-data change', () => peerSync.setSessionData({ n: 2 }), () => state.session?.n === 2);
  await step('an app message', () => peerSync.sendAppMessage({ noise: true }), () => true);
  await step('the same userData again', () => peerSync.setUserData({ n: 1 }), () => true);
  peerSync.dispose();
  root.unmount();
  await Promise.all([me.leave(), peer.leave()]);
  return counts;
}

/** The DailySync of a root, for the scenario to use. */
function Grab({ into }) {
  into.sync = useDailySync();
  return null;
}

/** Answers 'stage.invite' with the `answer` prop of its latest render. */
function Invitee({ answer, runs }) {
  useRpcHandler('stage.invite', ({ slot }, { fromId }) => {
    runs.push(fromId);
    return { accepted: answer, slot };
  });
  return h('p', null, `answers ${answer}`);
}

/**
 * One root's useRpcHandler answers another root's requests, both in StrictMode: with the latest
 * `fn` after a re-render, one registration (a second would throw 'registered already' from the
 * effect), none once the component unmounts while its provider stays.
 */
export async function rpcHandler() {
  const room = `rpc-react-${Math.random()}`;
  const calls = { ann: localCall(room, 'Ann'), bob: localCall(room, 'Bob') };
  const ann = {};
  const bob = {};
  const runs = [];
  const render = (root, call, into, child) =>
    root.render(h(StrictMode, null, h(DailySyncProvider, { call }, h(Grab, { into }), child)));
  const annRoot = createRoot(document.body.appendChild(document.createElement('div')));
  const bobRoot = createRoot(document.body.appendChild(document.createElement('div')));
  render(annRoot, calls.ann, ann, null);
  render(bobRoot, calls.bob, bob, h(Invitee, { answer: true, runs }));
  await waitFor(() => ann.sync && bob.sync, 'both providers');
  await Promise.all(Object.values(calls).map((call) => call.join()));
  const bobId = calls.bob.participants().local.session_id;
  const annId = calls.ann.participants().local.session_id;
  const outcome = (promise) => promise.then((value) => ({ value }), (e) => ({ kind: e.kind, code: e.code, message: e.message }));
  const result = {};
  result.first = await outcome(ann.sync.request(bobId, 'stage.invite', { slot: 1 }));
  // A re-render with another prop: the same registration calls the new `fn`.
  render(bobRoot, calls.bob, bob, h(Invitee, { answer: false, runs }));
  await sleep(20);
  result.second = await outcome(ann.sync.request(bobId, 'stage.invite', { slot: 2 }));
  // While mounted, the method is taken: another registration is refused.
  try {
    bob.sync.handle('stage.invite', () => null);
    result.secondRegistration = 'accepted';
  } catch (error) {
    result.secondRegistration = `${error.kind}: ${error.message}`;
  }
  // The component unmounts, its provider stays: nobody handles the method any more.
  render(bobRoot, calls.bob, bob, null);
  await sleep(20);
  result.afterUnmount = await outcome(ann.sync.request(bobId, 'stage.invite', { slot: 3 }));
  const off = bob.sync.handle('stage.invite', () => 'by hand');
  result.byHand = await outcome(ann.sync.request(bobId, 'stage.invite', { slot: 4 }));
  off();
  result.runsFromAnn = runs.every((id) => id === annId) ? runs.length : runs;
  annRoot.unmount();
  bobRoot.unmount();
  await Promise.all(Object.values(calls).map((call) => call.leave()));
  return result;
}

/**
 * useParticipant re-renders only for its own participant; usePresence shows the others' values
 * and sets one's own. Three participants: a component follows each of the two others.
 */
export async function participantAndPresence() {
  const room = `participant-${Math.random()}`;
  const [me, ann, bob] = [localCall(room, 'Me'), localCall(room, 'Ann'), localCall(room, 'Bob')];
  await Promise.all([me.join(), ann.join(), bob.join()]);
  const ids = { ann: ann.participants().local.session_id, bob: bob.participants().local.session_id };
  const renders = { ann: 0, bob: 0 };
  const seen = {};
  function Follow({ who }) {
    renders[who]++;
    seen[who] = useParticipant(ids[who]);
    return null;
  }
  function Cursors() {
    const [others, set] = usePresence('cursor', { intervalMs: 20 });
    Object.assign(seen, { others, set });
    return null;
  }
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  // No StrictMode here: in development it renders twice, and renders are what is counted.
  root.render(h(DailySyncProvider, { call: me }, h(Follow, { who: 'ann' }), h(Follow, { who: 'bob' }), h(Cursors)));
  await waitFor(() => seen.ann?.userName === 'Ann' && seen.bob?.userName === 'Bob', 'both followed');
  await sleep(100);
  const { DailySync } = await import('/pkg/index.js');
  const annSync = new DailySync(ann);
  const start = { ...renders };
  await annSync.setUserData({ hand: true });
  await waitFor(() => seen.ann?.userData?.hand === true, 'ann raised her hand');
  await sleep(150);
  const afterAnn = { ann: renders.ann - start.ann, bob: renders.bob - start.bob };
  annSync.presence('cursor', { intervalMs: 20 }).set({ x: 7 });
  await waitFor(() => seen.others?.get(ids.ann)?.value?.x === 7, "ann's cursor");
  const bobSync = new DailySync(bob);
  const bobSees = [];
  bobSync.presence('cursor', { intervalMs: 20 }).onChange((id, value) => bobSees.push(value));
  seen.set({ x: 1 });
  await waitFor(() => bobSees.some((v) => v?.x === 1), 'bob sees my cursor');
  const result = { afterAnn, annCursor: seen.others.get(ids.ann).value };
  annSync.dispose();
  bobSync.dispose();
  root.unmount();
  await Promise.all([me.leave(), ann.leave(), bob.leave()]);
  return result;
}

/**
 * useOrdered: two roots each apply 10 increments at once; both render 20 (no increment lost), and
 * a batch with a bad op rejects without applying its good one.
 */
export async function orderedState() {
  const room = `ordered-${Math.random()}`;
  const calls = [localCall(room, 'Ann'), localCall(room, 'Bob')];
  await calls[0].join();
  await calls[1].join();
  const seen = [{}, {}];
  function Score({ at }) {
    const [data, apply] = useOrdered();
    Object.assign(seen[at], { score: data.score, apply });
    return h('p', null, `score ${data.score}`);
  }
  const roots = calls.map((call, at) => {
    const root = createRoot(document.body.appendChild(document.createElement('div')));
    root.render(h(StrictMode, null, h(DailySyncProvider, { call }, h(Score, { at }))));
    return root;
  });
  await waitFor(() => seen.every((s) => s.apply), 'both rendered');
  const increments = seen.flatMap((s) => Array.from({ length: 10 }, () => s.apply([{ op: 'increment', key: 'score', by: 1 }])));
  await Promise.all(increments);
  await waitFor(() => seen.every((s) => s.score === 20), 'both render 20');
  const refused = await seen[0].apply([{ op: 'increment', key: 'score', by: 1 }, { op: 'explode', key: 'score' }]).then(
    () => 'applied',
    (error) => error.kind,
  );
  await sleep(200);
  const result = { scores: seen.map((s) => s.score), refused };
  roots.forEach((root) => root.unmount());
  await Promise.all(calls.map((call) => call.leave()));
  return result;
}
