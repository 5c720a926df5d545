// The call's state and what every feature does with it: the participants snapshot, the session-data
// merge and the app-message send that show their errors inline, and one render of the whole screen.

import { $, describe, showInlineError } from './dom.js';

/** The current call, or null on the join screen. */
export let current = null;

export function setCurrent(s) {
  current = s;
}

/** Each feature's render, in the order they run (set once by app.js). */
let renderers = [];

export function setRenderers(list) {
  renderers = list;
}

export function renderAll(s) {
  if (!s.joined || current !== s) return;
  for (const render of renderers) render(s);
  $('me-label').textContent = isHost(s) ? `${s.name} · host` : s.name;
}

export function isHost(s) {
  return !!s.localId && s.data.host === s.localId;
}

export function displayName(p) {
  return (p?.userName || '').trim() || 'Guest';
}

/** A sender's name: a participant's, or (for a backend that is not in the call) a fallback. */
export function nameOf(s, id) {
  if (!s.participants.has(id)) refreshParticipants(s, false);
  const p = s.participants.get(id);
  return p ? displayName(p) : 'Someone outside the call';
}

export function refreshParticipants(s, render = true) {
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

/** A throttled session-data merge; the page shows the local view (pending changes included). */
export function merge(s, patch, errorId) {
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

export function send(s, data, to, errorId) {
  try {
    s.sync.sendAppMessage(data, to);
    return true;
  } catch (error) {
    showInlineError(errorId, `Could not send: ${describe(error)}`);
    return false;
  }
}

