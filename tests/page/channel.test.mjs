// Channels: messages past 4096 characters over app messages, in a real browser on the local room.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openLibraryPage, serveRepository } from './harness.mjs';

serveRepository();

async function page() {
  const opened = await openLibraryPage();
  await opened.page.evaluate(() => {
    const { lib } = window;
    window.joined = async (room, names, options = {}) => {
      const calls = names.map((userName) => lib.createLocalCallObject({ room, userName, transport: 'memory', ...options }));
      const syncs = calls.map((call) => new lib.DailySync(call));
      for (const call of calls) await call.join();
      return { calls, syncs };
    };
    window.collect = (iterator, into) => {
      (async () => {
        for await (const item of iterator) into.push(item);
      })();
      return into;
    };
    window.waitFor = async (predicate, ms = 20_000) => {
      const start = Date.now();
      while (!predicate()) {
        if (Date.now() - start > ms) throw new Error('timed out waiting');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
  });
  return opened;
}

test('a 1 MiB message arrives whole while small ones flow, with reordering and 1% loss of the small ones', async () => {
  const { page: p, errors } = await page();
  const result = await p.evaluate(async () => {
    const { calls, syncs } = await joined('chunks', ['Ada', 'Bo'], { network: { latencyMs: 2, jitterMs: 15, seed: 3 } });
    const [ada, bo] = syncs;
    // Ada's call loses 1% of the small (single-chunk) app messages it sends, deterministically.
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const send = calls[0].sendAppMessage.bind(calls[0]);
    let sentChunks = 0;
    let lost = 0;
    calls[0].sendAppMessage = (data, to) => {
      sentChunks += 1;
      if (!('n' in data) && random() < 0.01) {
        lost += 1;
        return calls[0];
      }
      return send(data, to);
    };
    const big = { blob: 'x'.repeat(300_000) + '"\\\\\'é😀'.repeat(1000), rows: Array.from({ length: 24_400 }, (_, i) => ({ i, name: `row ${i}` })) };
    const bigText = JSON.stringify(big);
    const files = bo.channel('files');
    const chat = bo.channel('chat');
    const plain = collect(bo.appMessages(), []);
    const gotFiles = collect(files.messages(), []);
    const gotChat = collect(chat.messages(), []);
    const gaps = collect(chat.gaps(), []);
    const adaChat = ada.channel('chat');
    for (let i = 0; i < 150; i++) {
      await adaChat.send({ i, text: `message ${i}` });
      if (i === 20) await ada.channel('files').send(big);
      if (i % 50 === 0) ada.sendAppMessage({ plain: i });
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await waitFor(() => gotFiles.length === 1, 60_000);
    const lastSeq = 149;
    await waitFor(() => gotChat.length + gaps.reduce((n, g) => n + g.last - g.first + 1, 0) >= lastSeq + 1 - 0 || false, 30_000).catch(() => {});
    const bigChunks = Math.ceil(bigText.length / 4096);
    return {
      bigLength: bigText.length,
      bigIntact: JSON.stringify(gotFiles[0].data) === bigText,
      bigFrom: gotFiles[0].fromId,
      adaId: Object.values(calls[0].participants()).find((p) => p.local).session_id,
      chunksForBig: sentChunks - 150,
      bigChunks,
      lost,
      chatSeqs: gotChat.map((m) => m.seq),
      chatInOrder: gotChat.every((m, k) => k === 0 || m.seq > gotChat[k - 1].seq),
      chatDataOk: gotChat.every((m) => m.data.i === m.seq && m.data.text === `message ${m.seq}`),
      gaps,
      plain: plain.map((m) => m.data),
    };
  });
  assert.ok(result.bigIntact, 'the 1 MiB message arrives exactly');
  assert.equal(result.bigFrom, result.adaId);
  assert.ok(result.bigLength > 1_000_000);
  assert.ok(result.chunksForBig <= Math.ceil(result.bigChunks * 1.05), `${result.chunksForBig} app messages for ${result.bigLength} characters`);
  assert.ok(result.lost >= 1, 'the loss was injected');
  assert.ok(result.chatInOrder, 'small messages arrive in order');
  assert.ok(result.chatDataOk);
  const missing = new Set(Array.from({ length: 150 }, (_, i) => i).filter((i) => !result.chatSeqs.includes(i)));
  assert.equal(missing.size, result.lost, 'exactly the lost messages are missing');
  const reported = new Set(result.gaps.flatMap((g) => Array.from({ length: g.last - g.first + 1 }, (_, k) => g.first + k)));
  for (const seq of missing) assert.ok(reported.has(seq) || seq > Math.max(...result.chatSeqs), `gap ${seq} reported`);
  assert.deepEqual(result.plain, [{ plain: 0 }, { plain: 50 }, { plain: 100 }], 'plain messages arrive untouched, chunks never');
  assert.deepEqual(errors, []);
});

test('channels check their input and end like the other iterators', async () => {
  const { page: p, errors } = await page();
  const result = await p.evaluate(async () => {
    const { calls, syncs } = await joined('channel-input', ['Ada', 'Bo']);
    const [ada] = syncs;
    const kinds = [];
    const kindOf = async (fn) => {
      try {
        await fn();
        kinds.push(null);
      } catch (error) {
        kinds.push(error.kind);
      }
    };
    await kindOf(() => ada.channel(''));
    await kindOf(() => ada.channel('x'.repeat(65)));
    await kindOf(() => ada.channel('small', { maxSize: 0 }));
    await kindOf(() => ada.channel('small', { maxSize: 100 }).send({ t: 'x'.repeat(200) }));
    await kindOf(() => ada.channel('chat').send(undefined));
    await kindOf(() => ada.channel('chat').send({ a: 1 }, 42));
    const before = calls[0].listenerCount('app-message');
    for (let i = 0; i < 200; i++) {
      const it = ada.channel('chat').messages();
      await it.return();
    }
    const after = calls[0].listenerCount('app-message');
    ada.dispose();
    await kindOf(() => ada.channel('chat'));
    return { kinds, before, after, afterDispose: calls[0].listenerCount('app-message') };
  });
  assert.deepEqual(result.kinds, [
    'invalid-argument',
    'invalid-argument',
    'invalid-argument',
    'payload-too-large',
    'not-serializable',
    'invalid-recipient',
    'disposed',
  ]);
  assert.equal(result.after, result.before, 'iterators come and go without listeners piling up');
  assert.equal(result.afterDispose, 0, 'dispose removed every listener');
  assert.deepEqual(errors, []);
});
