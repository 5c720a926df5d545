// The stage and the host (session data `host`, `currentSpeaker`). Bringing someone else up asks
// them first ("come on stage?", a request: app/invite.js).

import { $, clearInlineError, paintAvatar } from './dom.js';
import { askOnStage } from './invite.js';
import { current, displayName, isHost, merge, renderAll } from './state.js';

/** How long to wait for a host that is not seen (yet) before electing one. */
const HOST_WAIT_MS = 1500;

/**
 * Host election, kept simple: a participant alone in a room with no host takes it. Otherwise, with
 * no host in the room (none yet, or it left, or it is not seen yet), everyone waits a moment (the
 * room's state or the host's presence may be on the way) and then the participant with the
 * smallest session id claims it, so all pages pick the same one. An owner (a Daily meeting token's
 * `is_owner`) takes it from a host that is not one.
 */
export function decideHost(s, { waited = false } = {}) {
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

export function onSessionData(s, data) {
  s.data = data ?? {};
  renderAll(s);
  decideHost(s);
}

export function renderStage(s) {
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

export function toggleStage(s, id) {
  if (!s || !isHost(s)) return;
  clearInlineError('action-error');
  if (s.data.currentSpeaker === id) {
    merge(s, { currentSpeaker: undefined }, 'action-error');
    return;
  }
  if (id === s.localId) {
    merge(s, { currentSpeaker: id }, 'action-error');
    return;
  }
  // Only the person asked sees the question; they go on stage if they accept.
  if (!s.asking.has(id)) askOnStage(s, id);
}

$('stage-clear').addEventListener('click', () => {
  const s = current;
  if (!s) return;
  clearInlineError('action-error');
  merge(s, { currentSpeaker: undefined }, 'action-error');
});
