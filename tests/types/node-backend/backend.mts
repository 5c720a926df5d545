// A Node backend that notifies a room through Daily's REST API, written against the public types
// of `daily-sync/rest` with lib ES2022 and @types/node only (no DOM). Only type-checked, never run.
import initRest, { DailyRestClient, isDailySyncError, type DailyRestSendResult } from 'daily-sync/rest';
import { readFile } from 'node:fs/promises';

interface Notice {
  kind: 'notice';
  text: string;
}

await initRest();
// init() also takes the wasm's bytes, as a backend that bundles it reads them.
await initRest(await readFile(new URL('./daily_sync_bg.wasm', import.meta.url)));

const apiKey = process.env['DAILY_API_KEY'];
if (apiKey === undefined) throw new Error('DAILY_API_KEY is not set');
const client = new DailyRestClient({ apiKey, timeoutMs: 5000, retries: 1 });

export async function notify(room: string, notice: Notice, to?: string): Promise<string> {
  try {
    const result: DailyRestSendResult = await client.sendAppMessage(room, notice, to ?? '*');
    return result.sent === true ? 'sent' : result.sent;
  } catch (error) {
    if (isDailySyncError(error, 'http')) return `Daily answered ${error.status}: ${error.error} (${error.info})`;
    if (isDailySyncError(error, 'payload-too-large')) return `${error.size} characters, over ${error.limit}`;
    if (isDailySyncError(error, 'network')) return `unreachable: ${String(error.cause)}`;
    throw error;
  }
}

// @ts-expect-error: Daily's endpoint takes an object, not an array
await client.sendAppMessage('room', [{ kind: 'notice', text: 'hi' }]);
// @ts-expect-error: nor a string
await client.sendAppMessage('room', 'hi');

client.free();
client.dispose();
