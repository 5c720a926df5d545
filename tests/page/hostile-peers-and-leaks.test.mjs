// Hostile input: the library inside other people's apps, in a real browser (pkg/, built by
// scripts/build.sh), against the REAL daily-js (joined offline to tests/js/daily-stand-in/) and the
// local room: hostile peers (garbage `app-message`,
// `participant-updated` and `meeting-session-state-updated` events on a real daily-js call object,
// and garbage wire texts posted on a local room's BroadcastChannel: no crash, the streams and the
// room go on) and leaks (10,000 open/close cycles of each stream and 1,000 DailySync
// create/dispose cycles on one call object leave no listener, wasm memory as it was after a
// warm-up, and the JS heap after GC within 256 KiB of it).
// Run: node --test tests/page/hostile-peers-and-leaks.test.mjs
//
// Each test has its own page (tests/page/fixtures/blank.html with
// tests/page/fixtures/hostile-page.js as `window.x` and its setup() as `window.lib`), so that a
// trap in one cannot spoil the next. The node side's tables and checks are in
// tests/page/fixtures/hostile-node.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { serveRepository } from './harness.mjs';
import { run, assertUnpolluted } from './fixtures/hostile-node.mjs';

serveRepository();

// ---------------------------------------------------------------------------------------------
describe('hostile peers', () => {
  test('garbage app-message, participant-updated and meeting-session-state-updated events on a real daily-js call object never stop the streams', async () => {
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects } = window.lib;
      const { deep, drain, eventually, prototypes, describeError } = window.x;
      const before = prototypes();
      const [a, b] = await createJoinedCallObjects(Daily, 2);
      const sync = new DailySync(b, { sessionDataIntervalMs: 16 });
      const messages = drain(sync.appMessages());
      const updates = drain(sync.participantUpdates());
      const states = drain(sync.sessionStates());
      const handler = {};
      for (const trap of ['get', 'has', 'ownKeys', 'getOwnPropertyDescriptor', 'getPrototypeOf']) {
        handler[trap] = () => {
          throw new Error(`hostile ${trap}`);
        };
      }
      const P = () => new Proxy({}, handler);
      const big = 'x'.repeat(5 * 1024 * 1024);
      const tenThousand = deep(10_000);
      const evil = JSON.parse('{"__proto__":{"polluted":1}}');
      const throwingToString = { toString() { throw new Error('hostile toString'); } };
      const garbage = [
        undefined, null, 42, 'str', true, [], {}, P(), 10n, Symbol('s'), () => 1, big, tenThousand, evil,
        { data: P(), fromId: 5 }, { data: tenThousand }, { fromId: P() }, { fromId: throwingToString, data: 1 },
        { participant: P() }, { participant: 42 }, { participant: null }, { participant: { session_id: P(), user_name: P(), userData: tenThousand } },
        { participant: { session_id: throwingToString, user_id: throwingToString } }, { participant: evil },
        { meetingSessionState: P() }, { meetingSessionState: 42 }, { meetingSessionState: { data: P() } }, { meetingSessionState: { data: 5 } },
        { meetingSessionState: { data: tenThousand, topology: P() } }, { meetingSessionState: { data: { big } } },
        { meetingSessionState: { data: { bad: 10n, cyclic: (() => { const c = {}; c.c = c; return c; })() } } },
        { meetingSessionState: { data: { t: { toJSON() { throw new Error('hostile toJSON'); } } } } },
        { meetingSessionState: { data: evil } }, { meetingSessionState: { data: P(), topology: 'none' } },
        { meetingSessionState: { data: new Proxy({ a: 1 }, { get() { throw new Error('hostile get'); } }) } },
      ];
      const thrown = [];
      for (const payload of garbage) {
        for (const name of ['app-message', 'participant-updated', 'meeting-session-state-updated']) {
          try {
            b.emit(name, payload);
          } catch (error) {
            thrown.push(`${name}: ${describeError(error).message}`);
          }
        }
      }
      // A 5 MB message and 10,000-deep data from a real peer, through daily-js.
      const bId = b.participants().local.session_id;
      // Good events after the garbage, from the real peer.
      a.sendAppMessage({ good: 1 }, bId);
      await a.setUserData({ good: 2 });
      a.setMeetingSessionData({ good: 3 }, 'replace');
      const aId = a.participants().local.session_id;
      const arrived = {
        message: await eventually(() => messages.items.some((m) => m.data?.good === 1 && m.fromId === aId)),
        update: await eventually(() => updates.items.some((p) => p.sessionId === aId && p.userData?.good === 2)),
        state: await eventually(() => states.items.some((s) => s.data?.good === 3)),
        view: await eventually(() => sync.sessionData().good === 3),
      };
      const result = {
        thrown,
        arrived,
        ended: [messages.done, updates.done, states.done],
        iteratorErrors: [messages.error, updates.error, states.error],
        before,
        after: prototypes(),
      };
      sync.dispose();
      await Promise.all([a.destroy(), b.destroy()]);
      return result;
    });
    assert.deepEqual(r.thrown, [], "emitting garbage threw into the emitter's code");
    assert.deepEqual(r.arrived, { message: true, update: true, state: true, view: true }, 'good events after the garbage arrive through the streams');
    assert.deepEqual(r.ended, [false, false, false], 'no stream ended');
    assert.deepEqual(r.iteratorErrors, [undefined, undefined, undefined], 'no stream threw');
    assertUnpolluted(r.before, r.after);
  });

  test("garbage wire texts posted on a local room's BroadcastChannel never crash it, and the room keeps working", async () => {
    const r = await run(async () => {
      const { createLocalCallObject, DailySync } = window.lib;
      const { drain, eventually, sleep, prototypes, canonical } = window.x;
      const before = prototypes();
      const room = `hostile-${Math.random().toString(36).slice(2)}`;
      const options = { room, transport: 'broadcast', heartbeatMs: 200, peerTimeoutMs: 1500, joinWindowMs: 300, sessionDataSyncMs: 100 };
      const calls = { a: createLocalCallObject(options), b: createLocalCallObject(options), v: createLocalCallObject(options) };
      for (const name of ['a', 'b', 'v']) {
        await calls[name].join({ userName: name });
        await sleep(50);
      }
      const syncs = Object.fromEntries(Object.entries(calls).map(([k, c]) => [k, new DailySync(c, { sessionDataIntervalMs: 16 })]));
      const heard = Object.fromEntries(Object.entries(syncs).map(([k, s]) => [k, drain(s.appMessages())]));
      const ids = Object.fromEntries(Object.entries(calls).map(([k, c]) => [k, c.participants().local.session_id]));
      await eventually(() => syncs.a.participants().length === 3 && syncs.v.participants().length === 3);

      const bus = new BroadcastChannel(`daily-sync/${room}`);
      const w = (o) => JSON.stringify({ v: 1, room, ...o });
      const info = (extra = {}) => ({ user_name: 'fake', user_id: 'fake', owner: false, joined_at: 0, rev: 1, ...extra });
      const valid = w({ from: 'f0', type: 'app', body: { a: 1 } });
      const texts = [
        '', 'x', '{', '[]', 'null', '{}', valid.slice(0, 25), valid.slice(0, -1), `${valid}x`, `${valid}${valid}`,
        `{"v":1e400,"room":"${room}","from":"f1","type":"leave"}`,
        `{"v":1,"room":"${room}","from":"f1","type":"hello","body":{"participant":{"user_name":"x","user_id":"x","owner":false,"joined_at":1e400,"rev":1}}}`,
        `{"v":1,"room":"${room}","from":"f1","type":"hello","body":{"participant":{"user_name":"x","user_id":"x","owner":false,"joined_at":1,"rev":18446744073709551616}}}`,
        `{"v":1,"room":"${room}","from":"f1","type":"session-update","body":{"seq":-1,"strategy":"replace","data":{"a":1}}}`,
        'x'.repeat(5 * 1024 * 1024),
        w({ from: 'f2', type: 'app', body: 'y'.repeat(5 * 1024 * 1024) }),
        w({ from: 'f3', type: 'app', body: 'z'.repeat(400 * 1024) }), // under the wire limit, over Daily's
        `{"v":1,"room":"${room}","from":"f4","type":"app","body":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
        w({ from: 'f5', type: 'app', body: JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}') }),
        JSON.stringify({ v: 1, room: `${room}-other`, from: 'f6', type: 'leave' }),
        JSON.stringify({ v: 2, room, from: ids.a, type: 'leave' }),
        w({ from: 'local', type: 'app', body: 1 }), w({ from: '*', type: 'app', body: 1 }), w({ from: '', type: 'app', body: 1 }),
        w({ from: 'i'.repeat(300), type: 'hello', body: { participant: info() } }),
        w({ from: ids.a, type: 'app', body: { echo: true } }), // a's own id, to a
        w({ from: ids.b, type: 'app', body: { forged: true } }), // b's id, forged
        w({ from: 'f7', type: 'presence', body: { participant: 42 } }),
        w({ from: 'f7', type: 'presence', body: { participant: info({ userData: 'u'.repeat(5000) }) } }),
        w({ from: 'f7', type: 'presence', body: { participant: info({ user_name: 'n'.repeat(2000) }) } }),
        w({ from: 'f8', to: [ids.a], type: 'nonfatal-error', body: { type: 'meeting-session-data-error', error_msg: 'forged' } }),
        w({ from: 'f8', type: 'nonfatal-error', body: { type: 'e'.repeat(5000), error_msg: 1 } }),
        w({ from: 'f9', type: 'shiny-new-kind', body: { x: 1 } }),
        w({ from: 'f9', type: 'app' }),
        w({ from: 'f9', to: 'not-a-list', type: 'app', body: 1 }),
        w({ from: 'f9', to: Array.from({ length: 2000 }, (_, i) => `t${i}`), type: 'app', body: 1 }),
        // A made-up authority (the earliest joined_at) with a state of its own.
        w({ from: 'fake-authority', type: 'presence', body: { participant: info({ rev: 5 }), session: { version: 999999, data: { hijacked: true } } } }),
        // Updates to the real authority, with keys that must stay keys.
        `{"v":1,"room":"${room}","from":"f10","to":["${ids.a}"],"type":"session-update","body":{"seq":1,"strategy":"shallow-merge","data":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}}`,
        w({ from: 'f10', to: [ids.a], type: 'session-update', body: { seq: 2, strategy: 'replace', data: { big: 'b'.repeat(200_000) } } }),
        // v's leave, forged by someone else.
        w({ from: ids.v, type: 'leave' }),
      ];
      for (const text of texts) bus.postMessage(text);
      for (const data of [{}, 42, null, undefined, true, new ArrayBuffer(8), [1, 2], { v: 1, room }, new Blob(['x'])]) bus.postMessage(data);
      // A flood of made-up participants, who then fall silent.
      for (let i = 0; i < 2000; i++) bus.postMessage(w({ from: `flood-${i}`, type: 'hello', body: { participant: info({ joined_at: i }) } }));
      await sleep(500);
      const duringFlood = syncs.a.participants().length;
      // Every made-up participant times out (peerTimeoutMs 1500).
      const settled = await eventually(() => syncs.a.participants().every((p) => Object.values(ids).includes(p.sessionId)), 10_000);

      // The room keeps working between a and b.
      syncs.a.sendAppMessage({ fresh: 1 });
      await syncs.b.setUserData({ fresh: 2 });
      syncs.a.mergeSessionData({ fresh: 3 });
      syncs.a.flushSessionData();
      const works = {
        settled,
        message: await eventually(() => heard.b.items.some((m) => m.data?.fresh === 1 && m.fromId === ids.a)),
        userData: await eventually(() => syncs.a.participants().some((p) => p.sessionId === ids.b && p.userData?.fresh === 2)),
        session: await eventually(() => syncs.a.sessionData().fresh === 3 && syncs.b.sessionData().fresh === 3),
      };
      await sleep(300);
      const result = {
        works,
        sameState: canonical(syncs.a.sessionData()) === canonical(syncs.b.sessionData()),
        stateKeys: Object.keys(syncs.a.sessionData()).sort(),
        participantsOfA: syncs.a.participants().map((p) => p.sessionId).sort(),
        duringFlood,
        bigMessageHeard: heard.b.items.some((m) => typeof m.data === 'string' && m.data.length === 400 * 1024),
        victim: {
          seenByA: syncs.a.participants().some((p) => p.sessionId === ids.v),
          seesA: syncs.v.participants().some((p) => p.sessionId === ids.a),
          state: calls.v.meetingState(),
        },
        ids,
        streamsEnded: Object.values(heard).map((h) => h.done),
        before,
        after: prototypes(),
      };
      bus.close();
      for (const s of Object.values(syncs)) s.dispose();
      await Promise.all(Object.values(calls).map((c) => c.leave()));
      return result;
    });
    assert.deepEqual(r.works, { settled: true, message: true, userData: true, session: true }, 'a and b still exchange messages, userData and session data');
    assert.equal(r.sameState, true, 'a and b hold the same session state');
    assert.ok(r.participantsOfA.every((id) => Object.values(r.ids).includes(id)), 'no made-up participant is left');
    assert.ok(r.duringFlood <= 1000, `a tracks at most 1000 participants (it tracked ${r.duringFlood})`);
    assert.deepEqual(r.streamsEnded, [false, false, false]);
    assertUnpolluted(r.before, r.after);
    // Recorded, not asserted (see RELIABILITY.md): what a forged leave does to its victim.
    console.log(`# hostile bus: tracked ${r.duringFlood} during the flood; state keys ${r.stateKeys.join(',')}; 400 KB message delivered: ${r.bigMessageHeard}; forged leave: victim seen by a ${r.victim.seenByA}, victim sees a ${r.victim.seesA}, victim state ${r.victim.state}`);
  });
});

// ---------------------------------------------------------------------------------------------
describe('leaks', () => {
  test('10,000 open/close cycles of each stream and 1,000 DailySync create/dispose cycles leave no listener, and neither wasm memory nor the JS heap grows after a warm-up', async () => {
    // The streams live in JS, so the JS heap (used bytes after a full GC, CDP) is where a leak
    // would show: 10 MB for a kilobyte per cycle. The bound is about 26 B per stream cycle.
    const HEAP_BOUND = 256 * 1024;
    const r = await run(async () => {
      const { DailySync, Daily, createJoinedCallObjects, wasm } = window.lib;
      const { listenerCounts } = window.x;
      const [call] = await createJoinedCallObjects(Daily, 1);
      const memory = () => wasm.memory.buffer.byteLength;
      const events = {
        appMessages: ['app-message', (i) => ({ action: 'app-message', data: { i }, fromId: 'peer' })],
        participantUpdates: ['participant-updated', (i) => ({ action: 'participant-updated', participant: { session_id: 'p', user_name: `p${i}` } })],
        sessionStates: ['meeting-session-state-updated', (i) => ({ action: 'meeting-session-state-updated', meetingSessionState: { data: { i }, topology: 'none' } })],
      };
      const sync = new DailySync(call);
      // One cycle: open a stream and close it, four ways in turn.
      const cycle = async (stream, i) => {
        const [name, payload] = events[stream];
        const it = sync[stream]();
        switch (i % 4) {
          case 0:
            await it.return();
            break;
          case 1:
            await it.throw(new Error('done')).catch(() => {});
            break;
          case 2: {
            const next = it.next();
            call.emit(name, payload(i));
            await next;
            await it.return();
            break;
          }
          default: {
            const loop = (async () => {
              for await (const item of it) if (item) break;
            })();
            call.emit(name, payload(i));
            await loop;
          }
        }
      };
      const streams = {};
      for (const stream of Object.keys(events)) {
        for (let i = 0; i < 1000; i++) await cycle(stream, i); // warm-up
        const before = { memory: memory(), listeners: listenerCounts(call), heap: await window.heapAfterGc() };
        for (let i = 0; i < 10_000; i++) await cycle(stream, i);
        streams[stream] = { before, after: { memory: memory(), listeners: listenerCounts(call), heap: await window.heapAfterGc() } };
      }
      sync.dispose();
      const afterStreams = listenerCounts(call);
      const syncCycle = () => {
        const s = new DailySync(call);
        s.appMessages();
        s.participantUpdates();
        s.sessionStates();
        s.dispose();
      };
      for (let i = 0; i < 1000; i++) syncCycle(); // warm-up: V8 settles the code and its shapes
      const syncsBefore = { memory: memory(), listeners: listenerCounts(call), heap: await window.heapAfterGc() };
      for (let i = 0; i < 1000; i++) syncCycle();
      const syncsAfter = { memory: memory(), listeners: listenerCounts(call), heap: await window.heapAfterGc() };
      await call.destroy();
      return { streams, afterStreams, syncs: { before: syncsBefore, after: syncsAfter } };
    }, undefined, { heap: true });
    const figures = [];
    for (const [stream, { before, after }] of Object.entries(r.streams)) {
      assert.deepEqual(after.listeners, before.listeners, `${stream}: listeners after 10,000 cycles`);
      assert.equal(after.memory, before.memory, `${stream}: wasm memory grew from ${before.memory} to ${after.memory} B`);
      assert.ok(after.heap - before.heap < HEAP_BOUND, `${stream}: the JS heap grew from ${before.heap} to ${after.heap} B (bound ${HEAP_BOUND})`);
      figures.push(`${stream} wasm ${before.memory} -> ${after.memory} B, heap ${before.heap} -> ${after.heap} B`);
    }
    for (const [name, count] of Object.entries(r.afterStreams)) assert.equal(count, 0, `${name} listeners after dispose`);
    for (const [name, count] of Object.entries(r.syncs.after.listeners)) assert.equal(count, 0, `${name} listeners after 1,000 DailySync cycles`);
    // Each DailySync's wasm part (its session throttle) is freed by dispose(): nothing is left to grow.
    assert.equal(r.syncs.after.memory, r.syncs.before.memory, `1,000 DailySync cycles grew wasm memory from ${r.syncs.before.memory} to ${r.syncs.after.memory} B`);
    const { before, after } = r.syncs;
    assert.ok(after.heap - before.heap < HEAP_BOUND, `1,000 DailySync cycles grew the JS heap from ${before.heap} to ${after.heap} B (bound ${HEAP_BOUND})`);
    figures.push(`DailySync x1000 wasm ${before.memory} -> ${after.memory} B, heap ${before.heap} -> ${after.heap} B`);
    console.log(`# leaks (after warm-up -> after): ${figures.join('; ')}`);
  });

  test('an iterator nobody reads holds at most 65,536 waiting items (as the Rust streams do), whatever a peer floods it with', async () => {
    // The Rust API's streams keep at most STREAM_BUFFER (65,536) undelivered payloads, dropping the
    // oldest, "so a stalled consumer cannot be made to hold unbounded memory"; the JS iterators
    // should not let a flood of app messages grow the page's memory without bound either.
    const r = await run(async () => {
      const { DailySync, Daily, createStandInCallObject } = window.lib;
      const call = createStandInCallObject(Daily);
      const sync = new DailySync(call);
      const it = sync.appMessages();
      const flood = 70_000;
      for (let i = 0; i < flood; i++) call.emit('app-message', { action: 'app-message', data: { i }, fromId: 'peer' });
      const none = Symbol('none');
      let waiting = 0;
      let last;
      for (;;) {
        const item = await Promise.race([it.next(), new Promise((ok) => setTimeout(() => ok(none), 50))]);
        if (item === none || item.done) break;
        waiting++;
        last = item.value.data.i;
      }
      sync.dispose();
      await call.destroy();
      return { flood, waiting, last };
    });
    assert.equal(r.last, r.flood - 1, 'the newest message is kept');
    assert.ok(r.waiting <= 65_536, `${r.waiting} of ${r.flood} unread messages were held`);
  });
});
