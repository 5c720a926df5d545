// What an app under exactOptionalPropertyTypes and noUncheckedIndexedAccess writes: an untyped
// DailySync, errors narrowed by kind, indexed reads of participants. Only type-checked, never run
// (npx tsc -p tests/types/tsconfig.strictest.json).
import init, { DailySync, isDailySyncError, type DailyCallLike, type DailySyncErrorOf } from 'daily-sync';

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export async function untyped(call: DailyCallLike): Promise<void> {
  await init();
  const sync = new DailySync(call, { sessionDataIntervalMs: 500 });
  // No type parameter and no schemas: the plain DailySync, payloads unknown.
  const plain: Equal<typeof sync, DailySync> = true;
  const data: Equal<ReturnType<typeof sync.sessionData>, Partial<Record<string, unknown>>> = true;
  void plain;
  void data;
  const first = sync.participants()[0];
  // @ts-expect-error: an indexed read may be undefined
  console.log(first.sessionId);
  if (first !== undefined) console.log(first.sessionId);
  // @ts-expect-error: with exactOptionalPropertyTypes an absent option is left out, not undefined
  new DailySync(call, { sessionDataIntervalMs: undefined });
  try {
    sync.sendAppMessage({ hello: 'world' });
  } catch (error) {
    if (isDailySyncError(error, 'payload-too-large')) {
      const over: number = error.size - error.limit;
      console.log(over);
    } else if (isDailySyncError(error, 'http')) {
      const status: number = error.status;
      console.log(status);
    } else if (isDailySyncError(error, 'not-initialized')) {
      const narrowed: DailySyncErrorOf<'not-initialized'> = error;
      console.log(narrowed.message);
    } else if (isDailySyncError(error)) {
      // Any kind: the kind's fields may be absent.
      // @ts-expect-error: size is number | undefined until the kind is known
      const size: number = error.size;
      console.log(size);
    }
  }
  sync.dispose();
}
