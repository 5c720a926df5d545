// The entries in Node, as a backend or a test suite (node:test, vitest, jest) uses them: before its
// init() each entry's constructors and functions throw a `not-initialized` error that names the
// entry and its init(); a bare init() reads the wasm from disk; a second init() loads nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, ensurePackage } from './dev-server.mjs';

ensurePackage();
const core = await import(join(ROOT, 'pkg/index.js'));
const channels = await import(join(ROOT, 'pkg/channels.js'));
const rest = await import(join(ROOT, 'pkg/rest.js'));

/** A call object with the methods DailySync checks, never joined. */
function unjoinedCall() {
  return {
    on() {},
    off() {},
    sendAppMessage() {
      throw new Error('sendAppMessage() only supported after join.');
    },
    setUserData: async () => {},
    setMeetingSessionData() {},
    participants: () => ({}),
    meetingState: () => 'new',
    meetingSessionState: () => ({ data: {}, topology: 'none' }),
  };
}

function notInitialized(fn, message) {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof Error);
    assert.equal(error.kind, 'not-initialized');
    assert.equal(error.message, message);
    return true;
  });
}

test('before init(), each entry throws not-initialized naming the entry and its init()', () => {
  notInitialized(
    () => new core.DailySync(unjoinedCall()),
    "daily-sync is not initialized: import init from 'daily-sync' and await init() before new DailySync()",
  );
  notInitialized(
    () => new rest.DailyRestClient({ apiKey: 'key' }),
    "daily-sync/rest is not initialized: import initRest from 'daily-sync/rest' and await initRest() before new DailyRestClient()",
  );
  notInitialized(
    () => channels.channel({}, 'chat'),
    "daily-sync/channels is not initialized: import initChannels from 'daily-sync/channels' and await initChannels() before channel()",
  );
  assert.equal(core.isDailySyncError(new Error('plain')), false, 'isDailySyncError needs no wasm');
});

test('a bare init() of each entry reads its wasm from disk; a second init() resolves with the same, loading nothing', async () => {
  for (const entry of [core, rest, channels]) {
    if (entry === channels) {
      const sync = new core.DailySync(unjoinedCall());
      notInitialized(
        () => sync.channel('chat'),
        "daily-sync/channels is not initialized: import initChannels from 'daily-sync/channels' and await initChannels() before sync.channel()",
      );
      sync.dispose();
    }
    const [loaded, again] = await Promise.all([entry.default(), entry.default()]);
    assert.ok(loaded.memory instanceof WebAssembly.Memory);
    assert.equal(again, loaded, 'a call while the first loads shares its load');
    assert.equal(await entry.default(), loaded, 'a call after the load resolves with what it loaded');
  }
});

test('after init(), the entries work', async () => {
  await Promise.all([core.default(), channels.default(), rest.default()]);
  const sync = new core.DailySync(unjoinedCall());
  assert.equal(sync.channel('chat').name, 'chat');
  assert.throws(() => sync.sendAppMessage({ a: 1 }), { kind: 'not-joined' });
  sync.dispose();
  const client = new rest.DailyRestClient({ apiKey: 'key' });
  client.free();
  client.free();
});
