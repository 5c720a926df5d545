// "Ann is typing…" in the chat: presence (sync.presence, daily-sync/channels), not app messages
// of our own. Each keystroke sets `typing` to true (at any rate: at most one message per
// TYPING_INTERVAL_MS goes out, the latest); sending, or emptying the field, sets it to false.
// Others show the participants whose value is true. One who stops typing without sending is gone
// from their pages after TYPING_STALE_MS without another keystroke, and one who leaves at once.

import { $, make } from './dom.js';
import { current, displayName, refreshParticipants } from './state.js';

export const TYPING_INTERVAL_MS = 200;
export const TYPING_STALE_MS = 3000;

/** Follows the others' typing on `s` (before join: a late joiner gets the current values). */
export function watchTyping(s) {
  s.typing = s.sync.presence('typing', { intervalMs: TYPING_INTERVAL_MS, staleMs: TYPING_STALE_MS });
  s.typing.onChange(() => {
    if (!s.leaving && current === s) renderTyping(s);
  });
}

function setTyping(s, typing) {
  try {
    s?.typing?.set(typing);
  } catch {
    // not in a call (any more): nobody to tell
  }
}

/** The names of those typing, as the page knows them. */
function typists(s) {
  let others;
  try {
    others = s.typing?.get() ?? new Map();
  } catch {
    return []; // disposed
  }
  const ids = [...others].filter(([, { value }]) => value === true).map(([id]) => id);
  if (ids.some((id) => !s.participants.has(id))) refreshParticipants(s, false);
  return ids
    .filter((id) => s.participants.has(id))
    .map((id) => displayName(s.participants.get(id)))
    .sort((a, b) => a.localeCompare(b));
}

export function renderTyping(s) {
  const names = typists(s);
  const node = $('typing');
  node.hidden = names.length === 0;
  let text = '';
  if (names.length === 1) text = `${names[0]} is typing…`;
  else if (names.length === 2) text = `${names[0]} and ${names[1]} are typing…`;
  else if (names.length > 2) text = `${names[0]}, ${names[1]} and ${names.length - 2} more are typing…`;
  if (node.lastChild?.textContent !== text) {
    const dots = make('span', 'typing-dots');
    dots.setAttribute('aria-hidden', 'true');
    dots.append(make('span'), make('span'), make('span'));
    node.replaceChildren(dots, make('span', 'typing-text', text));
  }
}

$('chat-input').addEventListener('input', (event) => setTyping(current, event.target.value.trim() !== ''));
$('chat-form').addEventListener('submit', () => setTyping(current, false));

export function clearTyping() {
  $('typing').replaceChildren();
  $('typing').hidden = true;
}
