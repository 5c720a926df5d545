// @daily-co/daily-react 0.26 over two local call objects in one page, each under its own
// <StrictMode><DailyProvider>: every data hook, as an app on Daily uses them. Bundled by esbuild
// for tests/page/daily-react.test.mjs; the local entry stays a module served from /pkg/.
// Test helper, not part of the library.
import { StrictMode, createElement as h, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import {
  DailyProvider,
  useAppMessage,
  useDailyEvent,
  useLocalSessionId,
  useMeetingSessionState,
  useMeetingState,
  useParticipant,
  useParticipantIds,
  useParticipantProperty,
} from '@daily-co/daily-react';
import { createLocalCallObject } from '/pkg/local.js';

/** What each root last rendered, by its name. */
export const seen = {};

function Participant({ who, id }) {
  const participant = useParticipant(id);
  const userData = useParticipantProperty(id, 'userData');
  seen[who].people[id] = { name: participant?.user_name, userData, videoState: participant?.tracks?.video?.state };
  return null;
}

function View({ who }) {
  const me = useLocalSessionId();
  const ids = useParticipantIds();
  const meetingState = useMeetingState();
  const { data } = useMeetingSessionState();
  const [messages, setMessages] = useState([]);
  const [events, setEvents] = useState(0);
  const send = useAppMessage({ onAppMessage: (e) => setMessages((all) => [...all, e.data]) });
  useDailyEvent(
    'participant-joined',
    () => setEvents((n) => n + 1),
  );
  Object.assign(seen[who], { me, ids: [...ids].sort(), meetingState, data, messages, joinedEvents: events, send });
  return h('div', null, ids.map((id) => h(Participant, { key: id, who, id })));
}

/** Mounts a root over a new local call object (made as Daily.createCallObject() would be). */
function mount(who, room) {
  const call = createLocalCallObject({ url: `https://example.daily.co/${room}`, userName: who });
  seen[who] = { people: {} };
  const element = document.createElement('div');
  document.body.append(element);
  const root = createRoot(element);
  flushSync(() =>
    root.render(h(StrictMode, null, h(DailyProvider, { callObject: call }, h(View, { who })))),
  );
  return { call, unmount: () => root.unmount() };
}

export { mount };
