// Participants and raised hands (each participant's userData `{ handRaised }`, which late joiners
// see): the People list, the hands summary and the hand button.

import { $, clearInlineError, describe, make, paintAvatar, plural, showInlineError } from './dom.js';
import { decideHost, toggleStage } from './stage.js';
import { current, displayName, isHost, merge, refreshParticipants, renderAll } from './state.js';

function handUp(s, p) {
  if (p.sessionId === s.localId) return s.myHand;
  return p.userData !== null && typeof p.userData === 'object' && p.userData.handRaised === true;
}

export function onParticipantLeft(s, id) {
  refreshParticipants(s, false);
  if (id) s.participants.delete(id);
  renderAll(s);
  if (id && id === s.data.currentSpeaker && isHost(s)) merge(s, { currentSpeaker: undefined }, 'action-error');
  if (id && id === s.data.host) decideHost(s);
}

export function renderHand(s) {
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

export function renderPeople(s) {
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
  const asking = s.asking.has(p.sessionId);
  stage.disabled = asking;
  stage.textContent = onStage ? 'Take down' : asking ? 'Asking…' : 'Bring on stage';
  stage.setAttribute(
    'aria-label',
    onStage ? `Take ${name} off the stage` : asking ? `Asking ${name} to come on stage` : `Bring ${name} on stage`,
  );
  stage.classList.toggle('primary', !onStage && up && !asking);
}
