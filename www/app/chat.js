// Chat, reactions and notifications: ephemeral app messages (`{type:'chat', text}`,
// `{type:'reaction', emoji}`, `{type:'notification', text}` from anyone, e.g. a backend; a
// `{type:'cue', text}` to one session id, from the host, is still shown, as older pages send it).

import { $, addBanner, clearInlineError, describe, hue, make, showInlineError } from './dom.js';
import { current, displayName, nameOf, send } from './state.js';

const CHAT_KEEP = 200;
/** How many chat messages a late joiner gets from those who were there. */
export const CHAT_HISTORY = 100;
/** The longest chat message, in JSON characters: one app message's worth. */
export const CHAT_MAX_SIZE = 4096;
const CUE_MS = 15000;

export function onAppMessage(s, { data, fromId }) {
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

/**
 * A message of the chat channel: `{ text, name }` (the sender's name as it was, for the history
 * of someone who has left), `replay` for one sent before this page joined.
 */
export function onChatMessage(s, { data, fromId, replay }) {
  if (!data || typeof data !== 'object' || typeof data.text !== 'string' || !data.text.trim()) return;
  const known = s.participants.has(fromId) || !replay;
  const name = known ? nameOf(s, fromId) : typeof data.name === 'string' && data.name ? data.name : 'Someone who left';
  addChat(name, data.text, false, fromId, replay === true);
}

function addChat(name, text, mine, id = '', earlier = false) {
  const log = $('chat-log');
  const scroller = $('chat-scroll');
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  const li = make('li', mine ? 'chat-msg mine' : earlier ? 'chat-msg earlier' : 'chat-msg');
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
  s.chat.send({ text, name: displayName(s.participants.get(s.localId)) }).then(
    () => {
      addChat('You', text, true, s.localId ?? '');
      input.value = '';
    },
    (error) => showInlineError('chat-error', `Could not send: ${describe(error)}`),
  );
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
