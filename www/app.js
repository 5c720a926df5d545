// Live Q&A: the daily-sync demo ("combining all three" from Daily's guide). Plain ES modules, no build.
//
// What moves how:
// - raised hands: each participant's userData `{ handRaised }` (late joiners see it): app/people.js;
// - host, stage, poll: the room's session data, written through DailySync's throttle
//   (`host`, `currentSpeaker`, `poll`, `vote:<sessionId>`): app/stage.js, app/poll.js;
// - the question queue: session data too, but changed through ordered room state (sync.ordered(),
//   daily-sync/ordered) so that concurrent questions and upvotes are never lost
//   (`questions`, `upvotes:<id>`, `answered`): app/questions.js;
// - chat, reactions, notifications: ephemeral app messages (`{type:'chat', text}`,
//   `{type:'reaction', emoji}`, `{type:'notification', text}` from anyone, e.g. a backend): app/chat.js;
// - "come on stage?": the host's request (sync.request, daily-sync/channels) to the one brought up,
//   whose page asks them and answers; no answer is shown as what it was: app/invite.js;
// - "Ann is typing…" in the chat: presence (sync.presence, daily-sync/channels) with a staleMs,
//   so one who stops typing is gone from the others' pages: app/typing.js.
//
// The same code runs on a local room (createLocalCallObject: tabs of this browser, or the dev
// server's rooms with ?server=1) and on a real Daily room (daily-js's call object): app/join.js.
// app/state.js holds the current call and the writes the features share, app/dom.js the helpers.
//
// Anything a participant typed is put on the page with textContent, never as HTML.

import './app/join.js';
import './app/chat.js';
import { renderHand, renderPeople } from './app/people.js';
import { renderPoll } from './app/poll.js';
import { renderQuestions } from './app/questions.js';
import { renderStage } from './app/stage.js';
import { setRenderers } from './app/state.js';
import { renderTyping } from './app/typing.js';

setRenderers([renderPeople, renderStage, renderQuestions, renderPoll, renderHand, renderTyping]);
