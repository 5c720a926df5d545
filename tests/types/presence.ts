// Presence, typed by `DailySync<{ presence }>` or by `schemas.presence`: each name's value type
// reaches set(), get() and onChange; a wrong value or an unknown name does not compile. Only
// type-checked, never run (npx tsc -p tests/types/tsconfig.json).
import { DailySync, type DailyCallLike } from 'daily-sync';
import { z } from 'zod';

type Room = { presence: { cursor: { x: number; y: number }; typing: boolean } };

export function typed(sync: DailySync<Room>): void {
  const cursor = sync.presence('cursor', { intervalMs: 50 });
  cursor.set({ x: 1, y: 2 });
  // @ts-expect-error: a cursor is { x, y }
  cursor.set({ x: 'left' });
  const x: number | undefined = cursor.get().get('id')?.value.x;
  cursor.onChange((sessionId, value) => console.log(sessionId, value?.y));
  // @ts-expect-error: no such presence name
  sync.presence('pointer');
  console.log(x);
}

/** Without a type parameter, `schemas.presence` types the values (the schema's output). */
export function fromSchemas(call: DailyCallLike): void {
  const sync = new DailySync(call, { schemas: { presence: { typing: z.boolean() } } });
  const typing = sync.presence('typing', { staleMs: 3000 });
  typing.set(true);
  // @ts-expect-error: the schema says boolean
  typing.set('yes');
  sync.onInvalid((invalid) => {
    if (invalid.source === 'presence') console.warn(invalid.name, invalid.fromId, invalid.issues.length);
  });
  // @ts-expect-error: each name's schema must be a Standard Schema
  new DailySync(call, { schemas: { presence: { typing: 'boolean' } } });
}
