// Live Q&A: the daily-sync demo ("combining all three" from Daily's guide). Plain ES module, no build.
//
// What moves how:
// - raised hands: each participant's userData `{ handRaised }` (late joiners see it);
// - host, stage, poll: the room's session data, written through DailySync's throttle
//   (`host`, `currentSpeaker`, `poll`, `vote:<sessionId>`);
// - chat, reactions, the stage cue, notifications: ephemeral app messages
//   (`{type:'chat', text}`, `{type:'reaction', emoji}`, `{type:'cue', text}` to one session id,
//   `{type:'notification', text}` from anyone, e.g. a backend).
//
// The same code runs on a local room (createLocalCallObject: tabs of this browser, or the dev
// server's rooms with ?server=1) and on a real Daily room (daily-js's call object).
//
// Anything a participant typed is put on the page with textContent, never as HTML.

import initSync, { DailySync } from '/pkg/index.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';

const DAILY_JS = '/node_modules/@daily-co/daily-js/dist/daily-esm.js';
const SESSION_INTERVAL_MS = 1000;
const JOIN_TIMEOUT_MS = 30000;
/** How long to wait for a host that is not seen (yet) before electing one. */
const HOST_WAIT_MS = 1500;
const CHAT_KEEP = 200;
const CUE_MS = 15000;
const NAME_KEY = 'daily-sync-demo:name';

const params = new URLSearchParams(location.search);
/** ?server=1: rooms hosted by the dev server over WebSocket instead of BroadcastChannel. */
const useServer = params.get('server') === '1';

const $ = (id) => document.getElementById(id);

/** The current call, or null on the join screen. */
let current = null;

// ---------------------------------------------------------------------------------------------
// Small helpers

/** An error's message, whatever was thrown (daily-js rejects with objects too). */
function describe(error) {
  if (error instanceof Error) return error.message || error.name;
  if (error && typeof error === 'object') {
    const text = error.errorMsg ?? error.message ?? error.error;
    if (typeof text === 'string' && text) return text;
    try {
      return JSON.stringify(error);
    } catch {
      return 'unknown error';
    }
  }
  return String(error);
}

function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => Array.from(word)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

function hue(id) {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

function paintAvatar(node, name, id) {
  node.textContent = initials(name);
  node.style.setProperty('--hue', String(hue(id || name)));
}

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

function showInlineError(id, text) {
  const node = $(id);
  node.textContent = text;
  node.hidden = false;
}

function clearInlineError(id) {
  const node = $(id);
  node.textContent = '';
  node.hidden = true;
}

function roomSocketUrl(room) {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}/v1/rooms/${encodeURIComponent(room)}/ws`;
}

/** Resolves once a WebSocket to `url` opens; rejects with a readable error if it cannot. */
function probeSocket(url, ms = 5000) {
  return new Promise((resolve, reject) => {
    const failed = (why) => {
      clearTimeout(timer);
      socket.onopen = socket.onerror = null;
      socket.close();
      reject(new Error(`the dev server's room at ${url} ${why} (is \`npm start\` running?)`));
    };
    const socket = new WebSocket(url);
    const timer = setTimeout(() => failed('did not answer in time'), ms);
    socket.onopen = () => {
      clearTimeout(timer);
      socket.close();
      resolve();
    };
    socket.onerror = () => failed('could not be reached');
  });
}

// ---------------------------------------------------------------------------------------------
// The join screen

const joinForm = $('join-form');
const joinButton = $('join-button');
const joinStatus = $('join-status');

function setJoinStatus(state, text) {
  joinStatus.dataset.state = state;
  joinStatus.textContent = text;
}

$('name').value = params.get('name') ?? localStorage.getItem(NAME_KEY) ?? '';
if (params.get('room')) $('room').value = params.get('room');
if (useServer) {
  $('room-hint').textContent =
    'Rooms are hosted by this dev server (WebSocket): every browser that opens this page can join.';
}

// The local room's wasm is loaded with the rest: the demo runs on it unless given a Daily room URL.
const wasmReady = Promise.all([initSync(), initLocal()]).then(
  () => {
    joinButton.disabled = false;
    joinButton.textContent = 'Join';
    setJoinStatus('ready', '');
  },
  (error) => {
    joinButton.textContent = 'Unavailable';
    setJoinStatus('error', `The WebAssembly module did not load: ${describe(error)}`);
    throw error;
  },
);
wasmReady.catch(() => {}); // reported above; join attempts rethrow it

function joinFieldError(text, field) {
  setJoinStatus('error', text);
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', 'join-status');
    field.focus();
  }
}

for (const id of ['name', 'room', 'daily-url']) {
  $(id).addEventListener('input', (event) => event.target.removeAttribute('aria-invalid'));
}

joinForm.addEventListener('submit', async (event) => {
  event.preventDefault();
  if (current || joinButton.disabled) return;
  const name = $('name').value.trim();
  const room = $('room').value.trim();
  const url = $('daily-url').value.trim();
  const token = $('daily-token').value.trim();
  if (!name) return joinFieldError('Enter your name.', $('name'));
  if (url) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || parsed.protocol !== 'https:' || parsed.pathname.length < 2) {
      $('advanced').open = true;
      return joinFieldError('The Daily room URL should look like https://your-domain.daily.co/room.', $('daily-url'));
    }
  } else if (!room) {
    return joinFieldError('Enter a room name.', $('room'));
  }
  try {
    localStorage.setItem(NAME_KEY, name);
  } catch {
    // storage may be off: the name is just not remembered
  }
  joinButton.disabled = true;
  joinButton.textContent = 'Joining…';
  setJoinStatus('connecting', url ? 'Loading daily-js and joining the Daily room…' : `Connecting to room “${room}”…`);
  try {
    await joinCall({ name, room, url, token });
    setJoinStatus('ready', '');
  } catch (error) {
    setJoinStatus('error', `Could not join: ${describe(error)}`);
  } finally {
    joinButton.disabled = false;
    joinButton.textContent = 'Join';
  }
});

// ---------------------------------------------------------------------------------------------
// Joining and leaving

async function joinCall({ name, room, url, token }) {
  await wasmReady;
  let call;
  let kind;
  if (url) {
    const { default: Daily } = await import(DAILY_JS);
    // Data only: this demo shows no video, so it asks for no camera or microphone.
    call = Daily.createCallObject({ audioSource: false, videoSource: false });
    kind = 'daily';
  } else if (useServer) {
    const url = roomSocketUrl(room);
    // The local call object does not report a socket that fails to open (it would join alone),
    // so the page checks that the dev server answers first.
    await probeSocket(url);
    call = createLocalCallObject({ room, userName: name, transport: 'websocket', url });
    kind = 'server';
  } else {
    call = createLocalCallObject({ room, userName: name });
    kind = 'local';
  }
  const s = {
    call,
    kind,
    room: url ? decodeURIComponent(new URL(url).pathname.slice(1)) : room,
    name,
    sync: null,
    localId: null,
    participants: new Map(),
    data: {},
    myHand: false,
    joined: false,
    leaving: false,
    hostWait: null,
    listeners: [],
  };
  current = s;
  try {
    // Made before join(): held messages are delivered right after `joined-meeting`, before the
    // join promise settles, and an iterator made after the await would miss them.
    s.sync = new DailySync(call, { sessionDataIntervalMs: SESSION_INTERVAL_MS });
    wire(s);
    const options = { userName: name, userData: { handRaised: false } };
    if (url) {
      options.url = url;
      if (token) options.token = token;
    }
    await withTimeout(call.join(options), JOIN_TIMEOUT_MS, 'joining took too long (no answer in 30 s)');
  } catch (error) {
    current = null;
    await teardown(s);
    throw error;
  }
  s.joined = true;
  refreshParticipants(s);
  s.data = s.sync.sessionData();
  showCallScreen(s);
  decideHost(s);
}

/** Listens to the call object's call-level events, and to DailySync's callbacks for its data. */
function wire(s) {
  const on = (event, listener) => {
    s.call.on(event, listener);
    s.listeners.push([event, listener]);
  };
  on('joined-meeting', () => {
    s.joined = true;
    refreshParticipants(s);
  });
  on('left-meeting', () => {
    if (s.leaving) return;
    setConn('disconnected', 'Disconnected');
    showCallError('You are no longer in the call. Leave and join again to continue.');
  });
  on('error', (event) => {
    setConn('error', 'Error');
    showCallError(`Call error: ${describe(event)}`);
  });
  on('nonfatal-error', (event) => {
    const refused = event?.type === 'meeting-session-data-error';
    showCallError(`${refused ? 'The room refused a change' : 'Warning'}: ${describe(event)}`);
  });

  // DailySync's callbacks end with dispose(); a handler that throws is shown, and the rest go on.
  const guarded = (handler) => (item) => {
    if (s.leaving) return;
    try {
      handler(item);
    } catch (error) {
      showCallError(`Something went wrong: ${describe(error)}`);
    }
  };
  s.sync.onAppMessage(guarded((message) => onAppMessage(s, message)));
  s.sync.onParticipantEvent(
    guarded(({ action, participant }) =>
      action === 'left' ? onParticipantLeft(s, participant.sessionId) : refreshParticipants(s),
    ),
  );
  s.sync.onSessionState(guarded(({ data }) => onSessionData(s, data)));
}

async function teardown(s) {
  s.leaving = true;
  clearTimeout(s.hostWait);
  for (const [event, listener] of s.listeners) s.call.off(event, listener);
  try {
    s.sync?.dispose(); // sends pending session data first
  } catch {
    // already gone
  }
  try {
    await s.call.leave();
  } catch {
    // not joined
  }
  try {
    await s.call.destroy();
  } catch {
    // nothing to destroy
  }
}

$('leave-button').addEventListener('click', async () => {
  const s = current;
  if (!s) return;
  $('leave-button').disabled = true;
  current = null;
  await teardown(s);
  $('leave-button').disabled = false;
  resetCallScreen();
  $('call-screen').hidden = true;
  $('join-screen').hidden = false;
  document.title = 'Live Q&A · daily-sync demo';
  joinButton.focus();
});

addEventListener('pagehide', () => {
  try {
    current?.sync?.flushSessionData();
  } catch {
    // left already
  }
});

// ---------------------------------------------------------------------------------------------
// The call screen

function setConn(state, text) {
  const pill = $('conn-status');
  pill.dataset.state = state;
  pill.textContent = text;
}

function showCallScreen(s) {
  const where = { local: 'Local room: tabs of this browser', server: 'Dev server room', daily: 'Daily room' }[s.kind];
  $('room-label').textContent = s.room;
  $('room-label').parentElement.title = where;
  $('join-screen').hidden = true;
  $('call-screen').hidden = false;
  document.title = `${s.room} · Live Q&A`;
  setConn('connected', s.kind === 'daily' ? 'Connected to Daily' : 'Connected');
  renderAll(s);
  $('hand-button').focus();
}

function resetCallScreen() {
  for (const id of ['people-list', 'chat-log', 'banners', 'call-errors', 'poll-options', 'reaction-layer', 'toasts']) {
    $(id).replaceChildren();
  }
  delete $('poll-options').dataset.pollId;
  $('chat-empty').hidden = false;
  for (const id of ['action-error', 'chat-error', 'poll-error']) clearInlineError(id);
  $('chat-input').value = '';
  setConn('connecting', 'Connecting…');
}

function renderAll(s) {
  if (!s.joined || current !== s) return;
  renderPeople(s);
  renderStage(s);
  renderPoll(s);
  renderHand(s);
  $('me-label').textContent = isHost(s) ? `${s.name} · host` : s.name;
}

function showCallError(text) {
  addBanner($('call-errors'), text, 'error', '⚠️');
}

// ---------------------------------------------------------------------------------------------
// Participants and hands (userData)

function displayName(p) {
  return (p?.userName || '').trim() || 'Guest';
}

/** A sender's name: a participant's, or (for a backend that is not in the call) a fallback. */
function nameOf(s, id) {
  if (!s.participants.has(id)) refreshParticipants(s, false);
  const p = s.participants.get(id);
  return p ? displayName(p) : 'Someone outside the call';
}

function handUp(s, p) {
  if (p.sessionId === s.localId) return s.myHand;
  return p.userData !== null && typeof p.userData === 'object' && p.userData.handRaised === true;
}

function refreshParticipants(s, render = true) {
  let list;
  try {
    list = s.sync.participants();
  } catch {
    return; // disposed
  }
  s.participants = new Map(list.filter((p) => p.sessionId).map((p) => [p.sessionId, p]));
  const local = list.find((p) => p.local);
  if (local) s.localId = local.sessionId;
  if (render) renderAll(s);
}

function onParticipantLeft(s, id) {
  refreshParticipants(s, false);
  if (id) s.participants.delete(id);
  renderAll(s);
  if (id && id === s.data.currentSpeaker && isHost(s)) merge(s, { currentSpeaker: undefined }, 'action-error');
  if (id && id === s.data.host) decideHost(s);
}

function isHost(s) {
  return !!s.localId && s.data.host === s.localId;
}

/**
 * Host election, kept simple: a participant alone in a room with no host takes it. Otherwise, with
 * no host in the room (none yet, or it left, or it is not seen yet), everyone waits a moment (the
 * room's state or the host's presence may be on the way) and then the participant with the
 * smallest session id claims it, so all pages pick the same one. An owner (a Daily meeting token's
 * `is_owner`) takes it from a host that is not one.
 */
function decideHost(s, { waited = false } = {}) {
  if (!s.joined || !s.localId || s.leaving) return;
  const host = s.data.host;
  if (typeof host === 'string' && s.participants.has(host)) {
    clearTimeout(s.hostWait);
    s.hostWait = null;
    const owner = s.participants.get(s.localId)?.owner === true;
    if (host !== s.localId && owner && s.participants.get(host)?.owner !== true) {
      merge(s, { host: s.localId }, 'action-error');
    }
    return;
  }
  if (s.participants.size > 1 && !waited) {
    if (s.hostWait === null) {
      s.hostWait = setTimeout(() => {
        s.hostWait = null;
        decideHost(s, { waited: true });
      }, HOST_WAIT_MS);
    }
    return;
  }
  if ([...s.participants.keys()].sort()[0] === s.localId) merge(s, { host: s.localId }, 'action-error');
}

function renderHand(s) {
  const button = $('hand-button');
  button.setAttribute('aria-pressed', String(s.myHand));
  button.querySelector('.label').textContent = s.myHand ? 'Lower hand' : 'Raise hand';
}

$('hand-button').addEventListener('click', async () => {
  const s = current;
  if (!s) return;
  clearInlineError('action-error');
  const next = !s.myHand;
  s.myHand = next;
  renderAll(s);
  try {
    await s.sync.setUserData({ handRaised: next });
  } catch (error) {
    s.myHand = !next;
    renderAll(s);
    showInlineError('action-error', `Could not ${next ? 'raise' : 'lower'} your hand: ${describe(error)}`);
  }
});

function renderPeople(s) {
  const list = $('people-list');
  const host = s.data.host;
  const speaker = s.data.currentSpeaker;
  const people = [...s.participants.values()].sort(
    (a, b) =>
      handUp(s, b) - handUp(s, a) ||
      (b.sessionId === host) - (a.sessionId === host) ||
      displayName(a).localeCompare(displayName(b)) ||
      a.sessionId.localeCompare(b.sessionId),
  );
  const rows = new Map([...list.children].map((li) => [li.dataset.sessionId, li]));
  people.forEach((p, index) => {
    const li = rows.get(p.sessionId) ?? personRow(p.sessionId);
    rows.delete(p.sessionId);
    updatePersonRow(s, li, p, { host, speaker });
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const li of rows.values()) li.remove();
  $('people-count').textContent = String(people.length);

  const raised = people.filter((p) => handUp(s, p));
  const summary = $('hands-summary');
  summary.dataset.state = raised.length ? 'raised' : 'empty';
  summary.textContent = raised.length
    ? `✋ ${plural(raised.length, 'hand')} up: ${raised.map((p) => (p.sessionId === s.localId ? 'you' : displayName(p))).join(', ')}`
    : 'No one has a hand up';
}

function personRow(id) {
  const li = make('li', 'person');
  li.dataset.sessionId = id;
  const avatar = make('span', 'avatar');
  avatar.setAttribute('aria-hidden', 'true');
  const main = make('div', 'person-main');
  const name = make('span', 'person-name');
  const badges = make('span', 'badges');
  main.append(name, badges);
  const hand = make('span', 'hand-icon');
  hand.append(make('span', '', '✋'), make('span', 'sr-only', 'hand raised'));
  hand.firstChild.setAttribute('aria-hidden', 'true');
  hand.title = 'Hand raised';
  const stage = make('button', 'btn small stage-btn');
  stage.type = 'button';
  stage.addEventListener('click', () => toggleStage(current, id));
  li.append(avatar, main, hand, stage);
  return li;
}

function updatePersonRow(s, li, p, { host, speaker }) {
  const [avatar, main, hand, stage] = li.children;
  const name = displayName(p);
  paintAvatar(avatar, name, p.sessionId);
  main.firstChild.replaceChildren(name);
  if (p.sessionId === s.localId) main.firstChild.append(make('span', 'you', ' (you)'));
  const badges = [];
  if (p.sessionId === host) badges.push(['host', 'host']);
  if (p.sessionId === speaker) badges.push(['on stage', 'onstage']);
  main.lastChild.replaceChildren(...badges.map(([text, kind]) => make('span', `badge ${kind}`, text)));
  const up = handUp(s, p);
  li.dataset.hand = String(up);
  hand.classList.toggle('off', !up); // keeps its place, so the buttons line up
  stage.hidden = !isHost(s);
  const onStage = p.sessionId === speaker;
  stage.textContent = onStage ? 'Take down' : 'Bring on stage';
  stage.setAttribute('aria-label', onStage ? `Take ${name} off the stage` : `Bring ${name} on stage`);
  stage.classList.toggle('primary', !onStage && up);
}

// ---------------------------------------------------------------------------------------------
// The stage and the host (session data) and the cue (a targeted app message)

function renderStage(s) {
  const id = s.data.currentSpeaker;
  const p = typeof id === 'string' ? s.participants.get(id) : undefined;
  const mine = p?.sessionId === s.localId;
  const host = isHost(s);
  const stage = $('stage');
  stage.dataset.state = p ? (mine ? 'me' : 'someone') : 'empty';
  $('stage-kicker').textContent = p ? (mine ? 'You are on stage' : 'On stage') : 'The stage is empty';
  $('stage-name').textContent = p ? displayName(p) : '';
  $('stage-avatar').hidden = !p;
  if (p) paintAvatar($('stage-avatar'), displayName(p), p.sessionId);
  $('stage-hint').textContent = p
    ? mine
      ? 'Everyone sees you on stage. Unmute when ready.'
      : ''
    : host
      ? 'Bring someone up from the People list.'
      : 'The host brings people on stage.';
  const clear = $('stage-clear');
  clear.hidden = !(p && (host || mine));
  clear.textContent = host ? 'Clear stage' : 'Step down';

  const hostId = s.data.host;
  const hostP = typeof hostId === 'string' ? s.participants.get(hostId) : undefined;
  $('host-label').textContent = host ? 'You are the host' : hostP ? `Host: ${displayName(hostP)}` : 'Choosing a host…';
}

function toggleStage(s, id) {
  if (!s || !isHost(s)) return;
  clearInlineError('action-error');
  if (s.data.currentSpeaker === id) {
    merge(s, { currentSpeaker: undefined }, 'action-error');
    return;
  }
  if (!merge(s, { currentSpeaker: id }, 'action-error')) return;
  if (id !== s.localId) {
    // Only the person brought up hears this: a targeted app message.
    send(s, { type: 'cue', text: 'You are on stage: unmute when ready' }, id, 'action-error');
  }
}

$('stage-clear').addEventListener('click', () => {
  const s = current;
  if (!s) return;
  clearInlineError('action-error');
  merge(s, { currentSpeaker: undefined }, 'action-error');
});

/** A throttled session-data merge; the page shows the local view (pending changes included). */
function merge(s, patch, errorId) {
  try {
    s.sync.mergeSessionData(patch);
  } catch (error) {
    showInlineError(errorId, `Could not update the room: ${describe(error)}`);
    return false;
  }
  s.data = s.sync.sessionData();
  renderAll(s);
  return true;
}

function send(s, data, to, errorId) {
  try {
    s.sync.sendAppMessage(data, to);
    return true;
  } catch (error) {
    showInlineError(errorId, `Could not send: ${describe(error)}`);
    return false;
  }
}

function onSessionData(s, data) {
  s.data = data ?? {};
  renderAll(s);
  decideHost(s);
}

// ---------------------------------------------------------------------------------------------
// The poll (session data)
//
// The question lives in `poll: { id, question, options }`, written by the host. Each vote is its
// own key, `vote:<sessionId>: { poll, option }`, merged by the voter alone. A single `poll` object
// with a `votes` map would be read-modify-written by every voter: two votes in the same second
// would each write a `votes` without the other's, and the last write would erase the first vote.
// With one key per voter, concurrent shallow merges touch different keys and all survive; a
// participant re-voting overwrites only its own key (one vote each). Votes carry the poll's id, so
// a stale vote for an earlier poll is never counted.

function validPoll(poll) {
  if (!poll || typeof poll !== 'object') return null;
  const { id, question, options } = poll;
  if (typeof id !== 'string' || typeof question !== 'string' || !Array.isArray(options)) return null;
  if (options.length < 2 || options.length > 4 || !options.every((o) => typeof o === 'string')) return null;
  return { id, question, options };
}

function tally(s, poll) {
  const counts = poll.options.map(() => 0);
  let mine = null;
  for (const [key, vote] of Object.entries(s.data)) {
    if (!key.startsWith('vote:') || !vote || typeof vote !== 'object' || vote.poll !== poll.id) continue;
    if (!Number.isInteger(vote.option) || vote.option < 0 || vote.option >= counts.length) continue;
    counts[vote.option] += 1;
    if (key === `vote:${s.localId}`) mine = vote.option;
  }
  return { counts, mine };
}

function renderPoll(s) {
  const poll = validPoll(s.data.poll);
  const host = isHost(s);
  $('poll-active').hidden = !poll;
  $('poll-end').hidden = !(poll && host);
  $('poll-form').hidden = !!poll || !host;
  $('poll-empty').hidden = !!poll;
  $('poll-empty').textContent = host ? 'No poll running. Ask the room a question:' : 'No poll running. The host can start one.';
  if (!poll) return;

  $('poll-question').textContent = poll.question;
  const list = $('poll-options');
  if (list.dataset.pollId !== poll.id) {
    list.dataset.pollId = poll.id;
    list.replaceChildren(
      ...poll.options.map((option, index) => {
        const li = make('li', 'poll-option');
        const button = make('button', 'poll-choice');
        button.type = 'button';
        button.dataset.option = String(index);
        const bar = make('span', 'poll-bar');
        bar.setAttribute('aria-hidden', 'true');
        button.append(bar, make('span', 'poll-text', option), make('span', 'poll-count'));
        button.addEventListener('click', () => vote(current, poll.id, index));
        li.append(button);
        return li;
      }),
    );
  }
  const { counts, mine } = tally(s, poll);
  const total = counts.reduce((a, b) => a + b, 0);
  [...list.querySelectorAll('.poll-choice')].forEach((button, index) => {
    const count = counts[index] ?? 0;
    const share = total ? Math.round((count / total) * 100) : 0;
    button.setAttribute('aria-pressed', String(mine === index));
    button.querySelector('.poll-bar').style.width = `${share}%`;
    button.querySelector('.poll-count').textContent = `${count} · ${share}%`;
    button.setAttribute('aria-label', `${poll.options[index]}: ${plural(count, 'vote')}${mine === index ? ', your vote' : ''}`);
  });
  $('poll-total').textContent = total
    ? `${plural(total, 'vote')}${mine === null ? ' · tap an option to vote' : ' · you can change your vote'}`
    : 'No votes yet · tap an option to vote';
}

function vote(s, pollId, option) {
  if (!s) return;
  clearInlineError('poll-error');
  merge(s, { [`vote:${s.localId}`]: { poll: pollId, option } }, 'poll-error');
}

/** A patch deleting every vote key (for a new poll, or when it ends): keeps the state small. */
function clearedVotes(s) {
  const patch = {};
  for (const key of Object.keys(s.data)) if (key.startsWith('vote:')) patch[key] = undefined;
  return patch;
}

$('poll-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const s = current;
  if (!s || !isHost(s)) return;
  clearInlineError('poll-error');
  const question = $('poll-q').value.trim();
  const options = [...document.querySelectorAll('.poll-option-input')].map((i) => i.value.trim()).filter(Boolean);
  if (!question) {
    showInlineError('poll-error', 'Write a question first.');
    $('poll-q').focus();
    return;
  }
  if (options.length < 2) {
    showInlineError('poll-error', 'Give at least two options.');
    document.querySelectorAll('.poll-option-input')[options.length].focus();
    return;
  }
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  if (merge(s, { ...clearedVotes(s), poll: { id, question, options } }, 'poll-error')) {
    $('poll-form').reset();
    $('poll-options').querySelector('button')?.focus();
  }
});

$('poll-end').addEventListener('click', () => {
  const s = current;
  if (!s || !isHost(s)) return;
  clearInlineError('poll-error');
  if (merge(s, { ...clearedVotes(s), poll: undefined }, 'poll-error')) $('poll-q').focus();
});

// ---------------------------------------------------------------------------------------------
// Chat, reactions, cues and notifications (app messages)

function onAppMessage(s, { data, fromId }) {
  if (!data || typeof data !== 'object') return;
  switch (data.type) {
    case 'chat':
      if (typeof data.text === 'string' && data.text.trim()) addChat(nameOf(s, fromId), data.text, false, fromId);
      break;
    case 'reaction':
      if (typeof data.emoji === 'string' && data.emoji && data.emoji.length <= 16) {
        floatReaction(data.emoji, nameOf(s, fromId));
      }
      break;
    case 'cue':
      // Only the host puts people on stage, so only the host's cue is shown.
      if (typeof data.text === 'string' && fromId === s.data.host) showToast('From the host', data.text, 'cue');
      break;
    case 'notification':
      if (typeof data.text === 'string' && data.text.trim()) addBanner($('banners'), data.text, 'notification', '📣');
      break;
    default:
      break; // another app's message: not ours
  }
}

function addChat(name, text, mine, id = '') {
  const log = $('chat-log');
  const scroller = $('chat-scroll');
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const li = make('li', mine ? 'chat-msg mine' : 'chat-msg');
  const meta = make('div', 'chat-meta');
  const who = make('span', 'chat-name', name);
  if (id) who.style.setProperty('--hue', String(hue(id)));
  const time = make('time', 'chat-time', new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }));
  time.dateTime = new Date().toISOString();
  meta.append(who, time);
  li.append(meta, make('p', 'chat-text', text));
  log.append(li);
  while (log.children.length > CHAT_KEEP) log.firstElementChild.remove();
  $('chat-empty').hidden = true;
  if (atBottom || mine) scroller.scrollTop = scroller.scrollHeight;
}

$('chat-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const s = current;
  if (!s) return;
  const input = $('chat-input');
  const text = input.value.trim();
  if (!text) return;
  clearInlineError('chat-error');
  // Broadcasts are not echoed back: the sender shows its own message here, once.
  if (!send(s, { type: 'chat', text }, '*', 'chat-error')) return;
  addChat('You', text, true, s.localId ?? '');
  input.value = '';
});

$('chat-input').addEventListener('input', () => clearInlineError('chat-error'));

$('reactions').addEventListener('click', (event) => {
  const button = event.target.closest('button[data-emoji]');
  const s = current;
  if (!button || !s) return;
  clearInlineError('action-error');
  const emoji = button.dataset.emoji;
  if (send(s, { type: 'reaction', emoji }, '*', 'action-error')) floatReaction(emoji, 'You');
});

function floatReaction(emoji, name) {
  const layer = $('reaction-layer');
  const node = make('span', 'reaction-float');
  node.append(make('span', 'reaction-emoji', emoji), make('span', 'reaction-name', name));
  node.style.left = `${8 + Math.random() * 80}%`;
  node.style.setProperty('--drift', `${Math.round(Math.random() * 60 - 30)}px`);
  layer.append(node);
  while (layer.children.length > 30) layer.firstElementChild.remove();
  const remove = () => node.remove();
  node.addEventListener('animationend', remove, { once: true });
  setTimeout(remove, 4000); // with reduced motion there may be no animation to end
}

function addBanner(container, text, kind, icon) {
  const banner = make('div', `banner ${kind}`);
  const glyph = make('span', 'banner-icon', icon);
  glyph.setAttribute('aria-hidden', 'true');
  const close = make('button', 'btn ghost small banner-close', 'Dismiss');
  close.type = 'button';
  close.setAttribute('aria-label', kind === 'error' ? 'Dismiss error' : 'Dismiss notification');
  close.addEventListener('click', () => {
    banner.remove();
    $('chat-input').focus();
  });
  banner.append(glyph, make('p', 'banner-text', text), close);
  container.append(banner);
  while (container.children.length > 3) container.firstElementChild.remove();
}

function showToast(title, text, kind) {
  const toast = make('div', `toast ${kind}`);
  toast.setAttribute('role', 'alert');
  const body = make('div', 'toast-body');
  body.append(make('strong', 'toast-title', title), make('p', 'toast-text', text));
  const close = make('button', 'btn ghost small', 'OK');
  close.type = 'button';
  close.setAttribute('aria-label', 'Dismiss');
  close.addEventListener('click', () => toast.remove());
  toast.append(make('span', 'toast-icon', '🎤'), body, close);
  toast.firstChild.setAttribute('aria-hidden', 'true');
  $('toasts').append(toast);
  setTimeout(() => toast.remove(), CUE_MS);
}
