// The question queue: anyone asks, anyone upvotes, the host answers or removes. Ordered room state
// (sync.ordered(), daily-sync/ordered): every change goes through one participant, one batch at
// a time, into session data, so none is lost.
//
// - `questions`: the open questions `{ id, text, by }`, oldest first; asking is a `push` (past
//   MAX_QUESTIONS the oldest is dropped). Two people asking in the same second both get in: with
//   a plain session-data write each would write a list without the other's question.
// - `upvotes:<id>`: a question's votes, an `increment` (+1 to vote, -1 to take it back). Concurrent
//   votes are added up by the participant that orders, never written over each other.
// - `answered`: the last MAX_ANSWERED answered questions `{ id, text, by, votes }`, newest last.
// Answering or removing is one batch: `remove` the question from `questions` (by its stored value),
// delete its votes (and any left by a vote that crossed a removal), and, to answer, `push` it onto
// `answered`: all of it applies, or none.
//
// The page shows the queue by votes (ties: asked first). Which questions this page upvoted is kept
// per page (one vote each while in the call).

import { $, clearInlineError, describe, make, plural, showInlineError } from './dom.js';
import { current, isHost, renderAll } from './state.js';

const MAX_QUESTIONS = 50;
const MAX_ANSWERED = 10;
const MAX_TEXT = 280;
const VOTES = 'upvotes:';

const isObject = (value) => value !== null && typeof value === 'object';

function validQuestion(q) {
  return (
    isObject(q) &&
    typeof q.id === 'string' &&
    q.id !== '' &&
    typeof q.text === 'string' &&
    q.text.trim() !== '' &&
    q.text.length <= MAX_TEXT * 2 &&
    typeof q.by === 'string'
  );
}

function votesOf(s, id) {
  const n = s.data[VOTES + id];
  return Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0;
}

/** The open questions (as stored: `remove` needs the stored value), by votes, then oldest first. */
function openQuestions(s) {
  const list = Array.isArray(s.data.questions) ? s.data.questions : [];
  const seen = new Set();
  return list
    .map((q, index) => ({ q, index }))
    .filter(({ q }) => validQuestion(q) && !seen.has(q.id) && seen.add(q.id))
    .map(({ q, index }) => ({ q, index, votes: votesOf(s, q.id) }))
    .sort((a, b) => b.votes - a.votes || a.index - b.index);
}

function answeredQuestions(s) {
  const list = Array.isArray(s.data.answered) ? s.data.answered : [];
  return list.filter(validQuestion).reverse();
}

/** Applies `ops` through the orderer; shows the result (or what went wrong) once it is applied. */
async function change(s, ops, failure) {
  clearInlineError('questions-error');
  try {
    await s.sync.ordered().apply(ops);
  } catch (error) {
    if (s.leaving || current !== s) return false;
    showInlineError('questions-error', `${failure}: ${describe(error)}`);
    return false;
  }
  if (s.leaving || current !== s) return true;
  // The orderer may be this page: its own write raises no session-state event here.
  s.data = s.sync.sessionData();
  renderAll(s);
  return true;
}

/** Deletes of vote keys no open question owns (a vote that crossed a removal, or a dropped question). */
function strayVotes(s, except) {
  const open = new Set(openQuestions(s).map(({ q }) => q.id));
  return Object.keys(s.data)
    .filter((key) => key.startsWith(VOTES) && key !== VOTES + except && !open.has(key.slice(VOTES.length)))
    .map((key) => ({ op: 'delete', key }));
}

function settle(s, q, answered) {
  if (!s || !isHost(s)) return;
  const ops = [
    { op: 'remove', key: 'questions', value: q },
    { op: 'delete', key: VOTES + q.id },
    ...strayVotes(s, q.id),
  ];
  if (answered) ops.push({ op: 'push', key: 'answered', value: { ...q, votes: votesOf(s, q.id) }, max: MAX_ANSWERED });
  s.settling.add(q.id);
  renderAll(s);
  change(s, ops, answered ? 'Could not mark it answered' : 'Could not remove it').finally(() => {
    s.settling.delete(q.id);
    renderAll(s);
  });
}

function upvote(s, id) {
  if (!s) return;
  const undo = s.upvoted.has(id);
  if (undo) s.upvoted.delete(id);
  else s.upvoted.add(id);
  renderAll(s);
  change(s, [{ op: 'increment', key: VOTES + id, by: undo ? -1 : 1 }], 'Could not count your vote').then((ok) => {
    if (ok || current !== s) return;
    if (undo) s.upvoted.add(id);
    else s.upvoted.delete(id);
    renderAll(s);
  });
}

export function renderQuestions(s) {
  const open = openQuestions(s);
  const host = isHost(s);
  $('questions-count').textContent = open.length ? String(open.length) : '';
  $('questions-empty').hidden = open.length > 0;

  const list = $('questions-list');
  const rows = new Map([...list.children].map((li) => [li.dataset.id, li]));
  open.forEach(({ q, votes }, index) => {
    const li = rows.get(q.id) ?? questionRow(q);
    rows.delete(q.id);
    updateQuestionRow(s, li, q, votes, host);
    if (list.children[index] !== li) list.insertBefore(li, list.children[index] ?? null);
  });
  for (const li of rows.values()) li.remove();
  for (const id of s.upvoted) if (!open.some(({ q }) => q.id === id)) s.upvoted.delete(id);

  const answered = answeredQuestions(s);
  $('answered').hidden = answered.length === 0;
  $('answered-count').textContent = String(answered.length);
  $('answered-list').replaceChildren(
    ...answered.map((q) => {
      const li = make('li', 'answered-item');
      li.append(make('span', 'answered-text', q.text), make('span', 'question-by', `${q.by || 'Guest'} · ${plural(Number.isFinite(q.votes) ? q.votes : 0, 'vote')}`));
      return li;
    }),
  );
}

function questionRow(q) {
  const li = make('li', 'question');
  li.dataset.id = q.id;
  const vote = make('button', 'btn vote-btn');
  vote.type = 'button';
  const arrow = make('span', 'vote-arrow', '▲');
  arrow.setAttribute('aria-hidden', 'true');
  vote.append(arrow, make('span', 'vote-count'));
  vote.addEventListener('click', () => upvote(current, q.id));
  const main = make('div', 'question-main');
  main.append(make('p', 'question-text', q.text), make('p', 'question-by'));
  const actions = make('div', 'question-actions');
  const answer = make('button', 'btn small answer-btn', 'Answered');
  const remove = make('button', 'btn small ghost remove-btn', 'Remove');
  answer.type = remove.type = 'button';
  answer.setAttribute('aria-label', `Mark answered: ${q.text}`);
  remove.setAttribute('aria-label', `Remove question: ${q.text}`);
  answer.addEventListener('click', () => settle(current, q, true));
  remove.addEventListener('click', () => settle(current, q, false));
  actions.append(answer, remove);
  li.append(vote, main, actions);
  return li;
}

function updateQuestionRow(s, li, q, votes, host) {
  const [vote, main, actions] = li.children;
  const mine = s.upvoted.has(q.id);
  vote.setAttribute('aria-pressed', String(mine));
  vote.setAttribute('aria-label', `Upvote: ${q.text} (${plural(votes, 'vote')}${mine ? ', yours included' : ''})`);
  vote.querySelector('.vote-count').textContent = String(votes);
  main.lastChild.textContent = `Asked by ${q.by || 'Guest'}`;
  li.dataset.votes = String(votes);
  actions.hidden = !host;
  for (const button of actions.children) button.disabled = s.settling.has(q.id);
}

$('question-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const s = current;
  if (!s) return;
  const input = $('question-input');
  const text = input.value.trim();
  if (!text) {
    showInlineError('questions-error', 'Write your question first.');
    input.focus();
    return;
  }
  const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  const button = $('question-ask');
  button.disabled = true;
  button.textContent = 'Asking…';
  const ok = await change(s, [{ op: 'push', key: 'questions', value: { id, text, by: s.name }, max: MAX_QUESTIONS }], 'Could not ask');
  button.disabled = false;
  button.textContent = 'Ask';
  // Kept to fix or resend when it failed.
  if (ok && input.value.trim() === text) input.value = '';
});

$('question-input').addEventListener('input', () => clearInlineError('questions-error'));

export function clearQuestions() {
  $('questions-list').replaceChildren();
  $('answered-list').replaceChildren();
  $('answered').hidden = true;
  $('question-input').value = '';
  clearInlineError('questions-error');
}
