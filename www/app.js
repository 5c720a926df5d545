// Live Q&A: the daily-sync demo ("combining all three" from Daily's guide). Plain ES modules, no build.
//
// What moves how:
// - raised hands: each participant's userData `{ handRaised }` (late joiners see it): app/people.js;
// - host, stage, poll: the room's session data, written through DailySync's throttle
//   (`host`, `currentSpeaker`, `poll`, `vote:<sessionId>`): app/stage.js, app/poll.js;
// - chat, reactions, notifications: ephemeral app messages (`{type:'chat', text}`,
//   `{type:'reaction', emoji}`, `{type:'notification', text}` from anyone, e.g. a backend): app/chat.js;
// - "come on stage?": the host's request (sync.request, daily-sync/channels) to the one brought up,
//   whose page asks them and answers; no answer is shown as what it was: app/invite.js.
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
import { renderStage } from './app/stage.js';
import { setRenderers } from './app/state.js';

setRenderers([renderPeople, renderStage, renderPoll, renderHand]);
