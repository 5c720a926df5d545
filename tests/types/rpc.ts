// Request and response, typed by `DailySync<{ rpc }>` or by `schemas.rpc`: correct calls compile,
// an unknown method or a wrong payload does not (each `@ts-expect-error` fails the check if the
// line compiles). Only type-checked, never run (npx tsc -p tests/types/tsconfig.json).
import { DailySync, isDailySyncError, type DailyCallLike, type RpcErrorCode, type RpcOutcome } from 'daily-sync';
import { useRpcHandler } from 'daily-sync/react';
import { z } from 'zod';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

type Stage = { rpc: { 'stage.invite': [{ slot: number }, { accepted: boolean }]; 'poll.ready': [null, boolean] } };

export function handlers(sync: DailySync<Stage>): void {
  const off = sync.handle('stage.invite', async (payload, { fromId }) => {
    const slot: number = payload.slot;
    console.log(slot, fromId);
    return { accepted: slot > 0 };
  });
  off();
  sync.handle('poll.ready', () => true);
  // @ts-expect-error: no such method
  sync.handle('stage.kick', () => ({ accepted: true }));
  // @ts-expect-error: the handler must answer { accepted: boolean }
  sync.handle('stage.invite', () => ({ accepted: 'yes' }));
  // @ts-expect-error: the payload is { slot: number }, which has no `seat`
  sync.handle('stage.invite', (payload) => ({ accepted: payload.seat === 1 }));
}

export async function requests(sync: DailySync<Stage>, sessionId: string, signal: AbortSignal): Promise<void> {
  const reply = await sync.request(sessionId, 'stage.invite', { slot: 2 }, { timeoutMs: 10_000, signal });
  const accepted: boolean = reply.accepted;
  const exact: Equal<typeof reply, { accepted: boolean }> = true;
  console.log(accepted, exact);
  // @ts-expect-error: no such method
  await sync.request(sessionId, 'stage.kick', { slot: 2 });
  // @ts-expect-error: slot is a number
  await sync.request(sessionId, 'stage.invite', { slot: '2' });
  // @ts-expect-error: the payload is required, and has a slot
  await sync.request(sessionId, 'stage.invite', {});

  const all = await sync.requestAll('poll.ready', null, { timeoutMs: 3000 });
  const outcomes: Equal<typeof all, Map<string, RpcOutcome<boolean>>> = true;
  console.log(outcomes);
  for (const [id, outcome] of all) {
    if (outcome.ok) {
      const ready: boolean = outcome.value;
      console.log(id, ready);
    } else {
      // The error of an outcome is of kind 'rpc': its code is always there.
      const code: RpcErrorCode = outcome.error.code;
      console.log(id, code);
    }
  }
  // @ts-expect-error: no such method
  await sync.requestAll('stage.kick', null);
  // @ts-expect-error: poll.ready takes null
  await sync.requestAll('poll.ready', { round: 1 });
}

export async function errors(sync: DailySync<Stage>, sessionId: string): Promise<string> {
  try {
    await sync.request(sessionId, 'stage.invite', { slot: 1 });
    return 'on stage';
  } catch (error) {
    if (isDailySyncError(error, 'rpc')) {
      const code: RpcErrorCode = error.code;
      const exact: Equal<typeof error.code, RpcErrorCode> = true;
      console.log(exact);
      // @ts-expect-error: not an rpc error code
      if (code === 'timeout') return 'never';
      return code === 'application-error' ? `declined: ${error.message}` : code;
    }
    if (isDailySyncError(error)) {
      // Any kind: `code` may be absent.
      // @ts-expect-error: code is RpcErrorCode | undefined until the kind is known
      const code: RpcErrorCode = error.code;
      console.log(code);
    }
    throw error;
  }
}

/** Without a type parameter, `schemas.rpc` types the requests (the responses stay `unknown`). */
export async function fromSchemas(call: DailyCallLike, sessionId: string): Promise<void> {
  const sync = new DailySync(call, {
    schemas: { rpc: { 'stage.invite': z.object({ slot: z.number() }) } },
  });
  sync.handle('stage.invite', (payload) => payload.slot > 0);
  await sync.request(sessionId, 'stage.invite', { slot: 1 });
  // @ts-expect-error: the schema says slot is a number
  await sync.request(sessionId, 'stage.invite', { slot: 'one' });
  // @ts-expect-error: no schema, so no such method
  await sync.request(sessionId, 'stage.kick', { slot: 1 });
  sync.onInvalid((invalid) => {
    if (invalid.source === 'rpc') console.warn(invalid.method, invalid.fromId, invalid.issues.map((issue) => issue.message));
  });
  // @ts-expect-error: each method's schema must be a Standard Schema
  new DailySync(call, { schemas: { rpc: { 'stage.invite': { slot: 'number' } } } });

  // Schemas without `rpc`: any method, as an untyped DailySync.
  const loose = new DailySync(call, { schemas: { appMessage: z.object({ emoji: z.string() }) } });
  const answer: unknown = await loose.request(sessionId, 'anything', { at: 'all' });
  console.log(answer);
}

/** useRpcHandler, typed by the app's types and the method: `fn`'s payload and answer follow it. */
export function StageInvites(): null {
  useRpcHandler<Stage, 'stage.invite'>('stage.invite', async (payload, { fromId }) => ({ accepted: payload.slot > 0 && fromId !== '' }));
  useRpcHandler<Stage, 'poll.ready'>('poll.ready', (payload) => payload === null);
  // @ts-expect-error: no such method
  useRpcHandler<Stage, 'stage.kick'>('stage.kick', () => ({ accepted: true }));
  // @ts-expect-error: no such method
  useRpcHandler<Stage>('stage.kick', () => ({ accepted: true }));
  // @ts-expect-error: stage.invite answers { accepted: boolean }
  useRpcHandler<Stage, 'stage.invite'>('stage.invite', () => true);
  // @ts-expect-error: the method must be the one named in the type arguments
  useRpcHandler<Stage, 'stage.invite'>('poll.ready', () => ({ accepted: true }));
  // Untyped: any method, payload unknown.
  useRpcHandler('anything', (payload) => payload);
  return null;
}
