// The poll (session data).
//
// The question lives in `poll: { id, question, options }`, written by the host. Each vote is its
// own key, `vote:<sessionId>: { poll, option }`, merged by the voter alone. A single `poll` object
// with a `votes` map would be read-modify-written by every voter: two votes in the same second
// would each write a `votes` without the other's, and the last write would erase the first vote.
// With one key per voter, concurrent shallow merges touch different keys and all survive; a
// participant re-voting overwrites only its own key (one vote each). Votes carry the poll's id, so
// a stale vote for an earlier poll is never counted.

import { $, clearInlineError, make, plural, showInlineError } from './dom.js';
import { current, isHost, merge } from './state.js';

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

export function renderPoll(s) {
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
