// "Come on stage?": the host's cue is a request (sync.request, daily-sync/channels) to the one
// brought up, whose page asks them (Accept / Decline) and answers. The host puts them on stage
// only if they accept, and shows every other outcome as what it is: declined, no answer in time,
// their page never got it, or they left first.

import { $, describe, make } from './dom.js';
import { displayName, isHost, merge, renderAll } from './state.js';

export const METHOD = 'stage.invite';
/** How long the host waits for a click. */
const ANSWER_MS = 20000;
/** How long the host waits for the other page to say it got the request. */
const RECEIPT_MS = 3000;

/** Registers this page's answer to the host's invitations; returns what unregisters it. */
export function answerInvites(s) {
  return s.sync.handle(METHOD, (payload, { fromId }) => {
    // Only the host puts people on stage: anyone else's request is refused (an application-error).
    if (fromId !== s.data.host) throw new Error('only the host invites people on stage');
    const text = typeof payload?.text === 'string' && payload.text ? payload.text : 'Come on stage?';
    return prompt(s, text);
  });
}

/** Shows the invitation until a click; resolves with the answer. A newer one replaces it (declined). */
function prompt(s, text) {
  s.invitePrompt?.answer(false);
  return new Promise((resolve) => {
    const toast = make('div', 'toast invite');
    toast.setAttribute('role', 'alertdialog');
    toast.setAttribute('aria-label', 'The host invites you on stage');
    const body = make('div', 'toast-body');
    body.append(make('strong', 'toast-title', 'The host asks'), make('p', 'toast-text', text));
    const buttons = make('div', 'toast-actions');
    const accept = make('button', 'btn small primary', 'Accept');
    const decline = make('button', 'btn small', 'Decline');
    accept.type = decline.type = 'button';
    buttons.append(accept, decline);
    body.append(buttons);
    const icon = make('span', 'toast-icon', '🎤');
    icon.setAttribute('aria-hidden', 'true');
    toast.append(icon, body);
    // Past the host's wait the answer would arrive too late to count: the prompt goes, unanswered
    // from the host's side (it shows "no answer").
    const expiry = setTimeout(() => answer(false), ANSWER_MS + 1000);
    const answer = (accepted) => {
      clearTimeout(expiry);
      toast.remove();
      if (s.invitePrompt?.answer === answer) s.invitePrompt = null;
      resolve({ accepted });
    };
    // Leaving drops the prompt unanswered: the host learns that this participant left.
    const drop = () => {
      clearTimeout(expiry);
      toast.remove();
    };
    s.invitePrompt = { answer, drop };
    accept.addEventListener('click', () => answer(true));
    decline.addEventListener('click', () => answer(false));
    $('toasts').append(toast);
    accept.focus();
  });
}

/** What the host is told when the request fails, by its code. */
function noAnswer(name, error) {
  switch (error?.code) {
    case 'response-timeout':
      return [`${name} did not answer within ${ANSWER_MS / 1000} s`, 'timeout'];
    case 'connection-timeout':
      return [`No answer: ${name}'s page did not get the request (closed, asleep or offline?)`, 'unreached'];
    case 'recipient-left':
      return [`${name} left before answering`, 'left'];
    case 'recipient-not-found':
      return [`${name} is no longer in the call`, 'left'];
    case 'unsupported-method':
      return [`${name}'s page cannot be asked on stage (another version of the app?)`, 'unreached'];
    default:
      return [`Could not ask ${name}: ${describe(error)}`, 'error'];
  }
}

/** The host asks participant `id` on stage; puts them there if they accept. */
export async function askOnStage(s, id) {
  const name = displayName(s.participants.get(id));
  s.asking.add(id);
  showStatus(`Asking ${name} to come on stage…`, 'asking');
  renderAll(s);
  let outcome;
  try {
    const reply = await s.sync.request(id, METHOD, { text: 'Come on stage?' }, { timeoutMs: ANSWER_MS, connectionTimeoutMs: RECEIPT_MS });
    outcome = reply?.accepted === true ? [`${name} accepted and is on stage`, 'accepted'] : [`${name} declined`, 'declined'];
  } catch (error) {
    // Cancelled: the host left; nothing to show.
    if (error?.code === 'cancelled' || s.leaving) return;
    outcome = noAnswer(name, error);
  } finally {
    s.asking.delete(id);
  }
  if (outcome[1] === 'accepted' && isHost(s) && s.participants.has(id)) merge(s, { currentSpeaker: id }, 'action-error');
  showStatus(...outcome);
  renderAll(s);
}

function showStatus(text, state) {
  const node = $('invite-status');
  node.textContent = text;
  node.dataset.state = state;
  node.hidden = false;
}

export function clearInvites() {
  const node = $('invite-status');
  node.textContent = '';
  node.hidden = true;
}
