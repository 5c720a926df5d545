// A small app written against the public types of daily-sync's entries, the way the README
// describes the API: one type parameter types everything, with no cast. Only type-checked
// (npx tsc -p tests/types/tsconfig.json, lib ES2022 + DOM, skipLibCheck off), never run.
import Daily, { type DailyCall } from '@daily-co/daily-js';
import init, {
  DailySync,
  isDailySyncError,
  type AppMessage,
  type DailySyncErrorKind,
  type Participant,
  type ParticipantEvent,
  type SessionState,
} from 'daily-sync';
import initChannels, { channel, type ChannelMessage } from 'daily-sync/channels';
import initLocal, { createLocalCallObject, type LocalCallObject } from 'daily-sync/local';
import {
  DailySyncProvider,
  useAppMessage,
  useChannel,
  useDailySync,
  useParticipants,
  useSessionData,
} from 'daily-sync/react';
import initRest, { DailyRestClient } from 'daily-sync/rest';
import { StrictMode, createElement, type ReactElement } from 'react';
import * as v from 'valibot';
import { z } from 'zod';

interface Reaction {
  emoji: string;
}
interface Profile {
  color: string;
}
// An interface, with no index signature: still a valid session-data type.
interface Room {
  topic: string;
  votes?: Record<string, number>;
}
type Types = { appMessage: Reaction; userData: Profile; sessionData: Room };

/** What the app shows for each kind of error. */
function describe(error: unknown): string {
  if (!isDailySyncError(error)) return String(error);
  const kind: DailySyncErrorKind = error.kind;
  if (isDailySyncError(error, 'payload-too-large')) {
    const narrowed: 'payload-too-large' = error.kind;
    // size and limit are numbers once the kind is known.
    const size: number = error.size;
    return `${narrowed}: ${size} of ${error.limit} characters`;
  }
  return `${kind}: ${error.message}`;
}

async function showReactions(sync: DailySync<Types>, signal: AbortSignal): Promise<number> {
  let count = 0;
  for await (const message of sync.appMessages()) {
    const typed: AppMessage<Reaction> = message;
    const emoji: string = typed.data.emoji; // no cast
    console.log(`${emoji} from ${message.fromId}`);
    count++;
    if (signal.aborted) break; // unsubscribes
  }
  return count;
}

async function followPeople(sync: DailySync<Types>): Promise<void> {
  const byId = new Map<string, Participant<Profile>>();
  for (const p of sync.participants()) byId.set(p.sessionId, p);
  const updates = sync.participantUpdates();
  const first = await updates.next();
  if (!first.done) {
    const p = first.value;
    const color: string | undefined = p.userData?.color;
    console.log(`${p.userName} (${p.userId})${p.local ? ' [me]' : ''}${p.owner ? ' [owner]' : ''}`, color);
  }
  await updates.return?.();
  const off = sync.onParticipantEvent((event: ParticipantEvent<Profile>) => {
    if (event.action === 'left') byId.delete(event.participant.sessionId);
    else byId.set(event.participant.sessionId, event.participant);
  });
  off();
}

async function followRoom(sync: DailySync<Types>): Promise<void> {
  for await (const state of sync.sessionStates()) {
    const s: SessionState<Partial<Room>> = state;
    const topology: 'sfu' | 'peer' | 'none' = s.topology;
    console.log(s.data.topic, topology);
    if (s.data.topic === 'done') break;
  }
}

export async function main(url: string): Promise<void> {
  await Promise.all([init(), initChannels(), initLocal()]);
  const call: DailyCall = Daily.createCallObject();
  const sync = new DailySync<Types>(call, { sessionDataIntervalMs: 1000 });
  const untyped = new DailySync(call); // options are optional; payloads are unknown
  untyped.sendAppMessage(42);
  untyped.dispose();

  await sync.setUserData({ color: 'red' }); // allowed before join
  await call.join({ url });

  const controller = new AbortController();
  const reactions = showReactions(sync, controller.signal);
  void followPeople(sync);
  void followRoom(sync);
  const off = sync.onAppMessage((m) => console.log(m.data.emoji));
  off();
  sync.onSessionState((state) => console.log(state.data.votes));

  try {
    sync.sendAppMessage({ emoji: '🎉' }); // to everyone
    sync.sendAppMessage({ emoji: '👋' }, '*');
    const others = sync.participants().filter((p) => !p.local).map((p) => p.sessionId);
    if (others[0] !== undefined) sync.sendAppMessage({ emoji: '🙂' }, others[0]);
    sync.sendAppMessage({ emoji: '🙌' }, others);
  } catch (error) {
    console.warn(describe(error));
  }

  sync.setSessionData({ topic: 'planning' });
  sync.mergeSessionData({ votes: { alice: 1 } });
  sync.mergeSessionData({ votes: undefined }); // deletes the key
  const topic: string | undefined = sync.sessionData().topic;
  console.log(topic);
  sync.flushSessionData();

  // Wrong payloads fail to compile.
  // @ts-expect-error: a Reaction has an emoji
  sync.sendAppMessage({ emoj: '🎉' });
  // @ts-expect-error: userData is a Profile
  void sync.setUserData({ color: 1 });
  // @ts-expect-error: session data is a Room
  sync.setSessionData({ title: 'x' });
  // @ts-expect-error: no such key in a Room
  sync.mergeSessionData({ title: 'x' });
  // @ts-expect-error: not an option
  new DailySync<Types>(call, { queueUntilJoined: 'yes' });
  // @ts-expect-error: a recipient is '*', a session id or a list of them
  sync.sendAppMessage({ emoji: '🎉' }, 42);

  const chat = channel<{ text: string }>(sync, 'chat', { maxSize: 65536 });
  const same = sync.channel<{ text: string }>('chat');
  await chat.send({ text: 'hello' });
  // @ts-expect-error: a chat message has a text
  await same.send({ body: 'hello' });
  const stop = chat.onMessage((m: ChannelMessage<{ text: string }>) => console.log(m.data.text, m.seq));
  stop();

  controller.abort();
  sync.dispose();
  const disposed: boolean = sync.disposed;
  console.log(disposed, await reactions);
}

/** The local room: a call object with no Daily account. */
export async function local(): Promise<void> {
  const call: LocalCallObject = createLocalCallObject({ room: 'demo', userName: 'Ann' });
  await call.join({ userName: 'Ann' });
  const sync = new DailySync<Types>(call);
  sync.sendAppMessage({ emoji: '👋' });
  // @ts-expect-error: the transport is one of three
  createLocalCallObject({ transport: 'carrier-pigeon' });
  await call.leave();
}

/** A backend. */
export async function backend(apiKey: string): Promise<string> {
  await initRest();
  const rest = new DailyRestClient({ apiKey, baseUrl: 'http://127.0.0.1:8080/v1' });
  const answer = await rest.sendAppMessage('demo', { notice: 'starting' }, '*');
  // @ts-expect-error: the API key is required
  new DailyRestClient({ baseUrl: 'x' });
  // @ts-expect-error: Daily's endpoint takes an object, not an array
  await rest.sendAppMessage('demo', [1, 2]);
  rest.dispose();
  // `true` when Daily's success answer carried no JSON.
  return answer.sent === true ? 'sent' : answer.sent;
}

/** Peer data checked by schemas: without a type parameter, the types come from them. */
export function validated(call: DailyCall): void {
  const sync = new DailySync(call, {
    queueUntilJoined: true,
    schemas: {
      appMessage: z.object({ emoji: z.string() }),
      userData: v.object({ hand: v.boolean() }),
      sessionData: z.object({ stage: z.string().optional() }),
    },
  });
  sync.onAppMessage((m) => {
    const emoji: string = m.data.emoji;
    console.log(emoji);
  });
  const hand: boolean | undefined = sync.participants()[0]?.userData?.hand;
  const stage: string | undefined = sync.sessionData().stage;
  console.log(hand, stage);
  sync.onInvalid((invalid) => {
    const source: 'app-message' | 'user-data' | 'session-data' | 'rpc' | 'presence' = invalid.source;
    console.warn(source, invalid.fromId, invalid.issues.map((issue) => issue.message));
  });
  // @ts-expect-error: the appMessage schema says an emoji is a string
  sync.sendAppMessage({ emoji: 1 });
  // @ts-expect-error: the userData schema says hand is a boolean
  void sync.setUserData({ hand: 'yes' });
}

/** A React component on the hooks, typed by the same type parameter. */
function Stage(): ReactElement | null {
  const sync = useDailySync<Types>();
  useAppMessage<Types>((message) => console.log(message.data.emoji));
  const people = useParticipants<Types>();
  const hands: (boolean | undefined)[] = people.map((p) => p.userData?.color === 'red');
  const [stage, { set, merge, flush }] = useSessionData<Types>();
  const topic: string | undefined = stage.topic;
  set({ topic: 'intro' });
  merge({ votes: undefined });
  // @ts-expect-error: no such key in a Room
  merge({ title: 'x' });
  flush();
  const chat = useChannel<{ text: string }>('chat', (message) => console.log(message.data.text));
  void chat.send({ text: 'hi' });
  sync.sendAppMessage({ emoji: '👍' });
  console.log(hands, topic);
  return null;
}

export function reactApp(call: DailyCall): ReactElement {
  return createElement(
    StrictMode,
    null,
    createElement(DailySyncProvider, { call, options: { sessionDataIntervalMs: 500 } }, createElement(Stage)),
  );
}
