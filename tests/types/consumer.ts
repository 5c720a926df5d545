// A small app written against the public types of daily-sync, the way the README's contract
// describes the API. Only type-checked (npx tsc -p tests/types/tsconfig.json), never run.
import Daily, { type DailyCall } from '@daily-co/daily-js';
import init, {
  DailySync,
  type AppMessage,
  type DailySyncError,
  type DailySyncErrorKind,
  type Participant,
  type SessionState,
} from 'daily-sync';

interface Reaction {
  emoji: string;
}
interface Profile {
  color: string;
}
interface Room {
  topic?: string;
  votes?: Record<string, number>;
}

/** Narrows anything caught to the library's error. */
function isDailySyncError(error: unknown): error is DailySyncError {
  return error instanceof Error && typeof (error as { kind?: unknown }).kind === 'string';
}

/** What the app shows for each kind of error. */
function describe(error: unknown): string {
  if (!isDailySyncError(error)) return String(error);
  const kind: DailySyncErrorKind = error.kind;
  switch (kind) {
    case 'payload-too-large':
      return `too large: ${error.size ?? '?'} of ${error.limit ?? '?'} characters`;
    case 'not-joined':
      return 'join the call first';
    case 'daily':
      return `daily-js: ${String(error.cause)}`;
    default:
      return `${kind}: ${error.message}`;
  }
}

async function showReactions(sync: DailySync, signal: AbortSignal): Promise<number> {
  let count = 0;
  for await (const m of sync.appMessages()) {
    const message: AppMessage = m;
    const from: string = message.fromId;
    const reaction = message.data as Reaction;
    console.log(`${reaction.emoji} from ${from}`);
    count++;
    if (signal.aborted) break; // unsubscribes
  }
  return count;
}

async function followPeople(sync: DailySync): Promise<void> {
  const byId = new Map<string, Participant>();
  for (const p of sync.participants()) byId.set(p.sessionId, p);
  const updates = sync.participantUpdates();
  const first = await updates.next();
  if (!first.done) {
    const p: Participant = first.value;
    const profile = p.userData as Profile | undefined;
    const label: string = `${p.userName} (${p.userId})${p.local ? ' [me]' : ''}${p.owner ? ' [owner]' : ''}`;
    console.log(label, profile?.color);
    byId.set(p.sessionId, p);
  }
  await updates.return?.();
}

async function followRoom(sync: DailySync): Promise<void> {
  for await (const state of sync.sessionStates()) {
    const s: SessionState = state;
    const room = s.data as Room;
    console.log(room.topic, s.topology);
    if (room.topic === 'done') break;
  }
}

export async function main(url: string): Promise<void> {
  await init();
  const call: DailyCall = Daily.createCallObject();
  const sync = new DailySync(call, { sessionDataIntervalMs: 1000 });
  const plain = new DailySync(call); // options are optional
  plain.dispose();

  await sync.setUserData({ color: 'red' } satisfies Profile); // allowed before join
  await call.join({ url });

  const controller = new AbortController();
  const reactions = showReactions(sync, controller.signal);
  void followPeople(sync);
  void followRoom(sync);

  try {
    sync.sendAppMessage({ emoji: '🎉' } satisfies Reaction); // to everyone
    sync.sendAppMessage({ emoji: '👋' }, '*');
    const others = sync.participants().filter((p) => !p.local).map((p) => p.sessionId);
    if (others[0] !== undefined) sync.sendAppMessage({ emoji: '🙂' }, others[0]);
    sync.sendAppMessage({ emoji: '🙌' }, others);
  } catch (error) {
    console.warn(describe(error));
  }

  try {
    await sync.setUserData({ color: 'x'.repeat(5000) });
  } catch (error) {
    if (isDailySyncError(error) && error.kind === 'payload-too-large') {
      const over: number = (error.size ?? 0) - (error.limit ?? 0);
      console.warn(`userData is ${over} characters over`);
    }
  }

  sync.setSessionData({ topic: 'planning' } satisfies Room);
  sync.mergeSessionData({ votes: { alice: 1 } });
  sync.mergeSessionData({ topic: undefined }); // deletes the key
  const view: Record<string, unknown> = sync.sessionData();
  const topic = (view as Room).topic;
  console.log(topic);
  sync.flushSessionData();

  controller.abort();
  sync.dispose();
  const disposed: boolean = sync.disposed;
  console.log(disposed, await reactions);
}
