// Browser-side ES module for page tests: real daily-js call objects joined to
// the stand-in call machine in this folder (see call-machine-object-bundle.js),
// all sharing one offline room per page. Test helper, not part of the library.
//
//   import Daily from '/node_modules/@daily-co/daily-js/dist/daily-esm.js';
//   import { createJoinedCallObjects } from '/tests/js/daily-stand-in/joined.js';
//   const [alice, bob] = await createJoinedCallObjects(Daily, 2, { userNames: ['alice', 'bob'] });

/** URL of the folder holding the stand-in bundle (daily-js's bundlePathOverride). */
export const STAND_IN_BUNDLE_PATH = new URL('.', import.meta.url).href;

/** Any string URL passes daily-js's checks; the stand-in ignores it. */
export const STAND_IN_ROOM_URL = 'https://example.daily.co/stand-in-room';

/**
 * A fresh, unjoined call object wired to the stand-in (at `options.dailyConfig.bundlePathOverride`
 * when given, such as a data: URL of the bundle for a page served no folder of ours).
 * @param {typeof import('@daily-co/daily-js').default} Daily
 * @param {object} [options] extra createCallObject() properties
 */
export function createStandInCallObject(Daily, options = {}) {
  return Daily.createCallObject({
    allowMultipleCallInstances: true, // otherwise the 2nd call object throws
    ...options,
    dailyConfig: { bundlePathOverride: STAND_IN_BUNDLE_PATH, ...options.dailyConfig },
  });
}

/**
 * Join `call` (made by createStandInCallObject) to the page's stand-in room, and wait, as an app
 * on Daily does, until the participant-joined events of everyone already there have come (join()
 * resolves with the local participant alone, as Daily's does).
 * @param {{ userName?: string, userData?: unknown, url?: string }} [opts]
 * @returns {Promise<object>} join()'s participants object
 */
export async function joinStandIn(call, { userName, userData, url = STAND_IN_ROOM_URL } = {}) {
  const props = { url };
  if (userName !== undefined) props.userName = userName;
  if (userData !== undefined) props.userData = userData;
  const joined = await call.join(props);
  const inRoom = Object.keys(window.__dailyStandIn.participants).length;
  await waitUntil(() => Object.keys(call.participants()).length >= inRoom, 'the participants already there');
  return joined;
}

/**
 * Create `n` call objects and join them one after another (so participant
 * order is deterministic).
 * @param {{ userNames?: string[], userData?: unknown[], callObjectOptions?: object }} [options]
 * @returns {Promise<object[]>} the joined call objects
 */
export async function createJoinedCallObjects(Daily, n, options = {}) {
  const { userNames = [], userData = [], callObjectOptions } = options;
  const calls = [];
  for (let i = 0; i < n; i++) {
    const call = createStandInCallObject(Daily, callObjectOptions);
    await joinStandIn(call, { userName: userNames[i] ?? `user-${i}`, userData: userData[i] });
    calls.push(call);
  }
  return calls;
}

/**
 * Start recording `call`'s events of the given types (e.g. 'app-message').
 * @returns {object[]} live array of the event objects, in arrival order
 */
export function recordEvents(call, types) {
  const events = [];
  for (const type of types) call.on(type, (ev) => events.push(ev));
  return events;
}

/**
 * Resolve once `predicate()` is truthy (checked every 10 ms); reject after
 * `timeoutMs` with `label` in the message. The stand-in answers through
 * postMessage, so its effects always arrive a few tasks later.
 */
export async function waitUntil(predicate, label = 'condition', timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
