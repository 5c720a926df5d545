// Joining and leaving: the join screen, the call object (a local room or daily-js), the wiring of
// its events to the features, and the call screen's lifecycle.

import initChannels from '/pkg/channels.js';
import initSync, { DailySync } from '/pkg/index.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';
import initOrdered from '/pkg/ordered.js';
import { CHAT_HISTORY, CHAT_MAX_SIZE, onAppMessage, onChatMessage } from './chat.js';
import { $, clearInlineError, describe, setConn, showCallError } from './dom.js';
import { answerInvites, clearInvites } from './invite.js';
import { onParticipantLeft } from './people.js';
import { clearQuestions } from './questions.js';
import { decideHost, onSessionData } from './stage.js';
import { current, refreshParticipants, renderAll, setCurrent } from './state.js';
import { clearTyping, watchTyping } from './typing.js';

const DAILY_JS = '/node_modules/@daily-co/daily-js/dist/daily-esm.js';
const SESSION_INTERVAL_MS = 1000;
const JOIN_TIMEOUT_MS = 30000;
const NAME_KEY = 'daily-sync-demo:name';

const params = new URLSearchParams(location.search);
/** ?server=1: rooms hosted by the dev server over WebSocket instead of BroadcastChannel. */
const useServer = params.get('server') === '1';

function withTimeout(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
// daily-sync/channels brings request and response (the stage invitation) and presence ("typing…");
// daily-sync/ordered, the question queue's ordered room state. Both are loaded before any DailySync
// is made: whoever has been in the call longest orders the queue's changes, whatever page it is on.
const wasmReady = Promise.all([initSync(), initLocal(), initChannels(), initOrdered()]).then(
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
    /** Session ids the host is asking on stage, and this page's open invitation (app/invite.js). */
    asking: new Set(),
    invitePrompt: null,
    /** The questions this page upvoted, and those the host is answering or removing (app/questions.js). */
    upvoted: new Set(),
    settling: new Set(),
    /** The chat's "typing…" presence (app/typing.js). */
    typing: null,
  };
  setCurrent(s);
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
    setCurrent(null);
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
  // The chat is a channel with history: a late joiner gets the last messages first.
  s.chat = s.sync.channel('chat', { history: CHAT_HISTORY, maxSize: CHAT_MAX_SIZE });
  s.chat.onMessage(guarded((message) => onChatMessage(s, message)));
  s.sync.onParticipantEvent(
    guarded(({ action, participant }) =>
      action === 'left' ? onParticipantLeft(s, participant.sessionId) : refreshParticipants(s),
    ),
  );
  s.sync.onSessionState(guarded(({ data }) => onSessionData(s, data)));
  answerInvites(s);
  watchTyping(s);
}

async function teardown(s) {
  s.leaving = true;
  clearTimeout(s.hostWait);
  s.invitePrompt?.drop();
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
  setCurrent(null);
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
  clearInvites();
  clearQuestions();
  clearTyping();
  $('chat-input').value = '';
  setConn('connecting', 'Connecting…');
}
