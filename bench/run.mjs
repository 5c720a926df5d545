// The benchmark runner (`npm run bench` runs it through scripts/bench.sh, after the builds): opens
// bench/index.html in headless Chromium, runs each benchmark of bench/bench-page.js in a fresh
// page, turns the raw per-round times into ratios (the median over rounds, each round timing the
// variant and the plain path back to back), reads the gzipped sizes the builds wrote, prints the
// table and writes bench/results.json (and bench/results-raw.json, the raw rounds) and the table
// in BENCHMARKS.md.
//
//   node bench/run.mjs              the full run
//   node bench/run.mjs --profile    also records a DevTools CPU profile of each benchmark into
//                                   bench/profiles/ and prints its heaviest functions; profiling
//                                   slows what it watches, so this writes no results
//   node bench/run.mjs --only=sessionData,rustSend   a subset, no results written
//   node bench/run.mjs --no-write   the full run, printed only
//   node bench/run.mjs --only=rpc --merge   a subset whose figures replace (or join) theirs in
//                                   bench/results.json and BENCHMARKS.md's table, the rest kept
import { writeFile, readFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cpus, totalmem } from 'node:os';
import { launchBrowser, openPage, startServer } from '../tests/page/harness.mjs';


const ROOT = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const PROFILE = args.includes('--profile');
const ONLY = args.find((a) => a.startsWith('--only='))?.slice(7).split(',');
// `--no-write`: scripts/bench.sh --no-build passes it, so builds of unknown age never make results.
const WRITE = !PROFILE && !ONLY && !args.includes('--no-write');
const MERGE = !PROFILE && ONLY !== undefined && args.includes('--merge') && !args.includes('--no-write');
const BENCH_TIMEOUT_MS = 120_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round3 = (x) => (x === null || x === undefined || !Number.isFinite(x) ? null : Math.round(x * 1000) / 1000);

/** Per-round ratios `num / den` of a benchmark's rounds: their median and range. */
function ratio(rounds, num, den) {
  const each = rounds.map((r) => r[num] / r[den]);
  return { value: median(each), min: Math.min(...each), max: Math.max(...each), n: each.length };
}

// ---------------------------------------------------------------------------------------------
// running the page benchmarks

async function withTimeout(promise, ms, label) {
  let timer;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${label}: timed out after ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Summarizes CPU profiles: the functions with the most self time, summed over the profiles. */
function topFunctions(profiles, count = 16) {
  const self = new Map();
  let total = 0;
  for (const profile of profiles) {
    const dt = profile.timeDeltas;
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    profile.samples.forEach((id, i) => {
      const { callFrame } = byId.get(id);
      const file = callFrame.url ? callFrame.url.replace(/^.*\//, '') : '';
      let name = callFrame.functionName || '(anonymous)';
      // The page's own frame around each profiled variant (console.profile's start and stop are
      // sampled in it) and idle time are not the variant's: left out.
      if ((name === 'interleave' && file === 'common.js') || name === '(idle)') return;
      // Rust symbols: drop the crate hashes, keep the path.
      name = name.replace(/\[[0-9a-f]{16}\]/g, '');
      if (name.length > 150) name = name.slice(0, 147) + '...';
      const key = `${name}${file && !file.endsWith('.wasm') ? ` ${file}:${callFrame.lineNumber + 1}` : file ? ' (wasm)' : ''}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
      total += dt[i] ?? 0;
    });
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)}%  ${name}`);
}

async function runPageBench(browser, url, name, options = {}) {
  const { context, page, errors } = await openPage(browser, url);
  try {
    const setup = await page.evaluate(async () => {
      window.bench = await import('/bench/bench-page.js');
      return window.bench.setup();
    });
    if (!setup.benchFeature) throw new Error('bench/pkg was built without the bench feature');
    // Profiling: the page wraps each timed variant in console.profile(`bench/variant`); CDP hands
    // each profile back, and they are summed by variant over the rounds.
    const profiles = new Map();
    if (PROFILE) {
      const cdp = await context.newCDPSession(page);
      cdp.on('Profiler.consoleProfileFinished', ({ title, profile }) => {
        if (!profiles.has(title)) profiles.set(title, []);
        profiles.get(title).push(profile);
      });
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    }
    const started = Date.now();
    const result = await withTimeout(
      page.evaluate(([n, o, p]) => window.bench.run(n, o, { profile: p }), [name, options, PROFILE]),
      BENCH_TIMEOUT_MS,
      name,
    );
    const seconds = (Date.now() - started) / 1000;
    if (PROFILE) {
      await mkdir(`${ROOT}/bench/profiles`, { recursive: true });
      const report = [];
      for (const [title, list] of profiles) {
        const file = title.replace(/[^A-Za-z0-9-]+/g, '_');
        await writeFile(`${ROOT}/bench/profiles/${file}.cpuprofile`, JSON.stringify(list[list.length - 1]));
        report.push(`--- ${title}: self time over ${list.length} profiled rounds (last round: bench/profiles/${file}.cpuprofile)`);
        for (const line of topFunctions(list)) report.push(`  ${line}`);
      }
      await writeFile(`${ROOT}/bench/profiles/${name}.txt`, report.join('\n') + '\n');
      console.log(`\n${report.join('\n')}`);
    }
    const pageErrors = errors.filter((e) => e.startsWith('pageerror'));
    if (pageErrors.length) throw new Error(`${name}: the page threw: ${pageErrors.join('; ')}`);
    return { ...result, seconds, setup, consoleErrors: errors };
  } finally {
    await context.close();
  }
}

// ---------------------------------------------------------------------------------------------
// the figures

const KB = 1024;
const MiB = 1 << 20;

/** The page benchmark each figure comes from, by the figure's number (4: the builds). */
const BENCH_OF_FIGURE = { 1: 'sendAppMessage', 2: 'appMessages', 3: 'sessionData', 5: 'localRoom', 6: 'channel', 7: 'rustSend', 8: 'rpc', 9: 'history', 10: 'ordered', 11: 'presence', 12: 'react' };
/** A figure's number: '11c' -> '11'. */
const figureNumber = (id) => id.match(/^\d+/)[0];

function figuresFrom(raw, sizes) {
  const figures = [];
  const add = (id, what, measured, unit, target, extra = {}) => {
    const value = measured === null ? null : round3(measured.value ?? measured);
    // A figure whose benchmark was not run (--only) is not a miss; one whose benchmark failed is.
    const bench = BENCH_OF_FIGURE[figureNumber(id)];
    const notRun = measured === null && bench !== undefined && !(bench in raw);
    const met = target === null || notRun ? null : value === null ? false : value <= target;
    if (notRun) what += ' (not run)';
    extra.notRun = notRun;
    figures.push({ id, what, value, unit, target, met, spread: measured?.min !== undefined ? [round3(measured.min), round3(measured.max)] : null, rounds: measured?.n ?? null, ...extra });
  };
  const failed = (bench) => (raw[bench]?.error ? ` (FAILED: ${raw[bench].error})` : '');

  // 1
  const r1 = raw.sendAppMessage;
  add('1', `DailySync.sendAppMessage of a 1 KB object vs the stub's sendAppMessage directly (wrapper / direct)${failed('sendAppMessage')}`,
    r1?.rounds ? ratio(r1.rounds, 'wrapper', 'direct') : null, 'ratio', 1.25);
  // 2
  const r2 = raw.appMessages;
  const n2 = r2?.info?.n?.toLocaleString('en-US') ?? '100,000';
  add('2a', `${n2} app-message events, in batches, through sync.appMessages() (JS async iterator) / the best plain-JS async iterator (ring buffer, one promise per item)${failed('appMessages')}`,
    r2?.rounds ? ratio(r2.rounds, 'jsIterator', 'plainIterator') : null, 'ratio', 1.3);
  add('2b', `${n2} app-message events through a Rust Stream (DailySync::app_messages::<serde_json::Value>()) / the plain-JS async iterator${failed('appMessages')}`,
    r2?.rustRounds ? ratio(r2.rustRounds, 'rustStream', 'plainIterator') : null, 'ratio', null);
  add('2c', `${n2} app-message events to a plain synchronous listener / the plain-JS async iterator (reference)${failed('appMessages')}`,
    r2?.rounds ? ratio(r2.rounds, 'listener', 'plainIterator') : null, 'ratio', null);
  add('2d', `${n2} app-message events to a sync.onAppMessage callback / a plain listener on the call object${failed('appMessages')}`,
    r2?.rounds ? ratio(r2.rounds, 'callback', 'listener') : null, 'ratio', 1.1);
  add('2e', `50,000 app-message events queued before the first read: sync.appMessages() / the plain-JS async iterator${failed('appMessages')}`,
    r2?.queuedRounds ? ratio(r2.queuedRounds, 'jsIterator', 'plainIterator') : null, 'ratio', 1.3);
  add('2f', `${n2} app-message events through a Rust Stream<AppMessage<struct>> / a hand-written Rust Closure on app-message with serde_wasm_bindgen::from_value of data${failed('appMessages')}`,
    r2?.rustRounds?.[0]?.rustClosure !== undefined ? ratio(r2.rustRounds, 'rustTyped', 'rustClosure') : null, 'ratio', 1.1);
  add('2g', `${n2} app-message events through a Rust Stream<AppMessage<struct>> / the plain-JS async iterator${failed('appMessages')}`,
    r2?.rustRounds?.[0]?.rustTyped !== undefined ? ratio(r2.rustRounds, 'rustTyped', 'plainIterator') : null, 'ratio', null);
  // 3
  const r3 = raw.sessionData;
  add('3a', `600 replace updates (60 Hz, 10 s) of a 10 KB session state: CPU time in sync.setSessionData and its timer sends / 600 direct setMeetingSessionData calls${failed('sessionData')}`,
    r3?.replace ? ratio(r3.replace, 'throttled', 'direct') : null, 'ratio', 0.35);
  add('3b', `600 small shallow-merges (60 Hz, 10 s) into a 10 KB session state: sync.mergeSessionData and its timer sends / 600 direct setMeetingSessionData(patch, 'shallow-merge') calls${failed('sessionData')}`,
    r3?.merge ? ratio(r3.merge, 'throttled', 'direct') : null, 'ratio', 0.5);
  add('3c', `the replaces of 3a: DailySync's throttle / a plain-JS throttle of the same edges and squashing (no size check, no local view, no echo handling)${failed('sessionData')}`,
    r3?.replace?.[0]?.plainThrottled !== undefined ? ratio(r3.replace, 'throttled', 'plainThrottled') : null, 'ratio', null);
  add('3d', `the merges of 3b: DailySync's throttle / the same plain-JS throttle${failed('sessionData')}`,
    r3?.merge?.[0]?.plainThrottled !== undefined ? ratio(r3.merge, 'throttled', 'plainThrottled') : null, 'ratio', null);
  // 4: each entry as an app's production build ships it (scripts/sizes.mjs, pkg/sizes.json)
  for (const [i, [entry, size]] of Object.entries(sizes).entries()) {
    add(`4${'abcdefg'[i]}`, `${entry}: gzipped wasm ${size.wasm_gz} + minified JS ${size.js_gz}`, size.total_gz, 'bytes', size.budget);
  }
  // 5
  const r5 = raw.localRoom;
  for (const [id, n] of [['5a', 8], ['5b', 32], ['5c', 128]]) {
    add(id, `local room (memory transport), ${n} participants in one page: time per delivery (one message at one receiver) of one sender's broadcasts / 2 participants${failed('localRoom')}`,
      r5?.rounds ? ratio(r5.rounds, `n${n}`, 'n2') : null, 'ratio', 2);
  }
  // 6
  const r6 = raw.channel;
  if (r6 && r6.built === false) {
    add('6a', 'a 1 MiB message through the chunking layer (sync.channel), sent and reassembled (not built yet)', null, 'MiB/s', null);
    add('6b', 'the same, time / JSON.parse of the same 1 MiB text (not built yet)', null, 'ratio', null);
  } else {
    const throughput = r6?.rounds ? (() => {
      const each = r6.rounds.map((r) => r6.info.size / MiB / (r.channel / 1000));
      return { value: median(each), min: Math.min(...each), max: Math.max(...each), n: each.length };
    })() : null;
    add('6a', `a 1 MiB message through the chunking layer (sync.channel, two local call objects, memory transport), sent and reassembled${failed('channel')}`,
      throughput, 'MiB/s', null);
    add('6b', `the same, time / JSON.parse of the same 1 MiB text${failed('channel')}`,
      r6?.rounds ? ratio(r6.rounds, 'channel', 'parse') : null, 'ratio', null);
  }
  // 7
  const r7 = raw.rustSend;
  add('7', `typed send_app_message of a ${r7?.info?.size ?? '~1 KB'}-character struct (Rust API) / the JS API's sendAppMessage of the equivalent object${failed('rustSend')}`,
    r7?.rounds ? ratio(r7.rounds, 'rust', 'js') : null, 'ratio', null);
  // 8
  const r8 = raw.rpc;
  const n8 = r8?.info?.concurrent?.toLocaleString('en-US') ?? '1,000';
  const medianOf = (rounds, name) => {
    const each = rounds.map((r) => r[name]);
    return { value: median(each), min: Math.min(...each), max: Math.max(...each), n: each.length };
  };
  add('8a', `a request's round trip (sync.request, sync.handle; two local call objects, memory transport) / a hand-written plain-JS request/response over call.sendAppMessage (ids, a pending Map, a timer)${failed('rpc')}`,
    r8?.rounds ? ratio(r8.rounds, 'request', 'plain') : null, 'ratio', 1.3);
  add('8b', `${n8} concurrent sync.request calls between two participants (memory transport), all ${r8?.info?.answered?.toLocaleString('en-US') ?? n8} answered: time until the last answer${failed('rpc')}`,
    r8?.concurrentRounds ? medianOf(r8.concurrentRounds, 'request') : null, 'ms', null);
  add('8c', `the same ${n8} concurrent requests: sync.request / the hand-written plain-JS request/response${failed('rpc')}`,
    r8?.concurrentRounds ? ratio(r8.concurrentRounds, 'request', 'plain') : null, 'ratio', null);
  // 9
  const r9 = raw.history;
  add('9a', `channel history of ${r9?.info?.size ?? 100} messages to a late joiner (sync.channel(name, { history: 100 }), three local call objects, memory transport): time from the late joiner's join() to its last replayed message${failed('history')}`,
    r9?.rounds ? medianOf(r9.rounds, 'lateJoiner') : null, 'ms', null);
  const afterJoin = r9?.rounds && r9.info?.joinResolvedMs?.length === r9.rounds.length ? r9.rounds.map((r, i) => r.lateJoiner - r9.info.joinResolvedMs[i]) : null;
  add('9b', `of 9a: the part after the late joiner's join() resolved (asking a peer for the history, its answer, the replay)${failed('history')}`,
    afterJoin ? { value: median(afterJoin), min: Math.min(...afterJoin), max: Math.max(...afterJoin), n: afterJoin.length } : null, 'ms', null);
  // 10
  const r10 = raw.ordered;
  const n10 = r10?.info ? `${r10.info.participants} participants × ${r10.info.each}` : '5 participants × 40';
  add('10a', `${n10} concurrent increments through sync.ordered().apply() (local room, memory transport; the local room syncs session data at most once a second, its default sessionDataSyncMs 1000): time until every participant's sessionData() shows 200${failed('ordered')}`,
    r10?.rounds ? medianOf(r10.rounds, 'default') : null, 'ms', null);
  add('10b', `the same with the local call objects' sessionDataSyncMs at ${r10?.info?.fastSyncMs ?? 50}${failed('ordered')}`,
    r10?.rounds ? medianOf(r10.rounds, 'fast') : null, 'ms', null);
  const applied = r10?.info?.appliedMs?.default;
  add('10c', `of 10a: the time until all ${r10?.info ? r10.info.participants * r10.info.each : 200} apply() calls resolved (applied by the orderer, not yet seen everywhere)${failed('ordered')}`,
    applied?.length ? { value: median(applied), min: Math.min(...applied), max: Math.max(...applied), n: applied.length } : null, 'ms', null);
  // 11
  const r11 = raw.presence;
  const paced = r11?.info?.paced;
  const perCall = (rounds, name, n) => {
    const each = rounds.map((r) => (1000 * r[name]) / n);
    return { value: median(each), min: Math.min(...each), max: Math.max(...each), n: each.length };
  };
  add('11a', `presence set() (sync.presence(name, { intervalMs: ${r11?.info?.intervalMs ?? 100} }), a joined local call object), batches of ${(r11?.info?.batch ?? 1000).toLocaleString('en-US')} calls: CPU time per call (the interval's sends, on its timer, not included)${failed('presence')}`,
    r11?.setRounds ? perCall(r11.setRounds, 'set', r11.info.batch) : null, 'µs', null);
  add('11b', `app messages on the wire (the call object's sendAppMessage wrapped) for ${(paced?.calls ?? 1000).toLocaleString('en-US')} set() calls paced at 1,000 a second${paced ? ` over ${Math.round(paced.pacedMs)} ms, until the receiver had the last value at ${Math.round(paced.settledMs)} ms: ${paced.intervals} intervals of ${r11.info.intervalMs} ms, the receiver never going backwards` : ''}${failed('presence')}`,
    paced ? paced.wire : null, 'messages', null);
  add('11c', `receiving ${(r11?.info?.updates ?? 100000).toLocaleString('en-US')} presence updates from 10 senders (stub call object, synchronous delivery): presence's onChange / a plain call.on('app-message') listener doing the same (shape check, newer than seen per sender, the latest kept, a callback)${failed('presence')}`,
    r11?.receiveRounds ? ratio(r11.receiveRounds, 'presence', 'plain') : null, 'ratio', null);
  add('11d', `the same: presence's cost per update${failed('presence')}`,
    r11?.receiveRounds ? perCall(r11.receiveRounds, 'presence', 1) : null, 'µs', null);
  // 12
  const r12 = raw.react;
  const n12 = (r12?.info?.n ?? 1000).toLocaleString('en-US');
  add('12a', `daily-sync/react at ${n12} participants (stub call object emitting participant-updated; React 19, production build), per event rendered (flushSync): ${n12} components with useParticipant(sessionId) / one with useParticipants() rendering the same ${n12} rows${failed('react')}`,
    r12?.rounds ? ratio(r12.rounds, 'each', 'list') : null, 'ratio', null);
  add('12b', `the same: useParticipant's time per event${failed('react')}`,
    r12?.rounds ? perCall(r12.rounds, 'each', 1) : null, 'µs', null);
  add('12c', `the same: useParticipants' time per event${failed('react')}`,
    r12?.rounds ? perCall(r12.rounds, 'list', 1) : null, 'µs', null);
  add('12d', `the same: one sync.participants() of ${n12} (what each hook reads once for an event that concerns it)${failed('react')}`,
    r12?.rounds?.[0]?.read !== undefined ? perCall(r12.rounds, 'read', 1) : null, 'µs', null);
  return figures;
}

/** Not figures: where the time of the missed ones goes (see BENCHMARKS.md). */
function breakdownFrom(raw) {
  const rows = [];
  const perEvent = (rounds, name, n) => `${((1000 * median(rounds.map((x) => x[name]))) / n).toFixed(3)} µs per event`;
  const a = raw.appMessages;
  if (a?.rounds) {
    for (const [name, label] of [
      ['plainIterator', 'the plain-JS iterator itself'],
      ['jsIterator', 'sync.appMessages() (figure 2a)'],
      ['glueIterator', "DailySync's JS iterator class (hub.js) fed by a plain listener, no shaping"],
    ]) {
      if (!(name in a.rounds[0])) continue;
      rows.push([`2 / ${name}`, `${label} / plain-JS iterator`, round3(ratio(a.rounds, name, 'plainIterator').value), perEvent(a.rounds, name, a.info.n)]);
    }
  }
  const b = raw.appMessagesBreakdown;
  if (b?.rounds) {
    const what = {
      plainIterator: 'the plain-JS iterator itself (in the rounds of this set)',
      rustEvents: 'Rust: the raw EventStream, no decoding (fan-out, buffer, waker)',
      rustCachedKeys: "Rust: the raw EventStream + AppMessages<serde_json::Value>'s decoding, keys made once",
      rustJson: 'Rust: the raw EventStream + JSON.stringify(data) + serde_json::from_str',
      rustTyped: 'Rust: app_messages::<struct Reaction>()',
      rustStream: 'Rust: app_messages::<serde_json::Value>() (figure 2b)',
    };
    for (const [name, label] of Object.entries(what)) {
      rows.push([`2 / ${name}`, `${label} / plain-JS iterator`, round3(ratio(b.rounds, name, 'plainIterator').value), perEvent(b.rounds, name, b.info.n)]);
    }
  }
  const q = raw.rpc;
  if (q?.rounds?.[0]?.channel !== undefined) {
    const perTrip = (name) => `${(1000 * median(q.rounds.map((x) => x[name]))).toFixed(1)} µs per round trip`;
    rows.push(['8 / channel', 'one sync.channel message there and one back (what a request past one app message travels on) / the plain-JS request/response', round3(ratio(q.rounds, 'channel', 'plain').value), perTrip('channel')]);
    rows.push(['8 / request', 'sync.request (figure 8a; a small request and its answer go whole, one app message each) / that channel round trip', round3(ratio(q.rounds, 'request', 'channel').value), `${perTrip('request')}; plain ${perTrip('plain')}`]);
  }
  const s = raw.sessionData;
  if (s?.replace) {
    for (const mode of ['replace', 'merge']) {
      const r = ratio(s[mode], 'throttledNoEcho', 'direct');
      const perCall = (x) => ((1000 * median(s[mode].map((y) => y[x]))) / s.info.updates).toFixed(1);
      rows.push([`3 / ${mode}`, `throttled without the echo of the new state / direct`, round3(r.value),
        `µs per update: direct ${perCall('direct')}, throttled ${perCall('throttled')}, without echo ${perCall('throttledNoEcho')}`]);
    }
  }
  return rows;
}

/** A table cell's text for Markdown: pipes escaped, and `<`/`>` too (`Stream<T>` is not a tag). */
const markdownCell = (text) => String(text).replaceAll('|', '\\|').replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function table(figures, { markdown }) {
  const show = (v) => (v === null ? '—' : typeof v === 'number' ? String(v) : v);
  const met = (f) => (f.notRun ? 'not run' : f.met === null ? '(report)' : f.met ? 'met' : 'MISSED');
  const rows = figures.map((f) => [
    f.id,
    f.what,
    show(f.value),
    f.unit,
    f.target === null ? '—' : `≤ ${f.target}`,
    met(f),
    f.spread ? `${f.spread[0]} – ${f.spread[1]} (${f.rounds})` : '—',
  ]);
  const head = ['#', 'what', 'value', 'unit', 'target', 'met', 'range over rounds (rounds)'];
  if (markdown) {
    const line = (cells) => `| ${cells.map(markdownCell).join(' | ')} |`;
    return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const short = rows.map((r) => [r[0], r[1].length > 88 ? r[1].slice(0, 85) + '...' : r[1], ...r.slice(2)]);
  const widths = head.map((h, i) => Math.max(h.length, ...short.map((r) => String(r[i]).length)));
  const fmt = (cells) => cells.map((c, i) => String(c).padEnd(widths[i])).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...short.map(fmt)].join('\n');
}

// ---------------------------------------------------------------------------------------------

/**
 * The lines of daily-js 0.92.2 (node_modules/@daily-co/daily-js/dist/daily-esm.js) that
 * bench/stub-call.js imitates, as BENCHMARKS.md quotes them: if one is gone, daily-js changed and
 * the stub must be checked again.
 */
const DAILY_JS = 'node_modules/@daily-co/daily-js/dist/daily-esm.js';
const STUB_QUOTES = [
  'key:"sendAppMessage",value:function(e){var t=arguments.length>1&&void 0!==arguments[1]?arguments[1]:"*";if(dc(this._callState,"sendAppMessage()"),JSON.stringify(e).length>this._maxAppMessageSize)throw new Error("Message data too large. Max size is "+this._maxAppMessageSize);return this.sendMessageToCallMachine({action:"app-msg",data:e,to:t}),this}',
  'key:"setMeetingSessionData",value:function(e){var t=arguments.length>1&&void 0!==arguments[1]?arguments[1]:"replace";gc(this._callObjectMode,"setMeetingSessionData()"),dc(this._callState,"setMeetingSessionData");try{!function(e,t){new Ha({data:e,mergeStrategy:t})}(e,t)}',
  'r=JSON.stringify(e),t===za){var i=JSON.parse(r);S(i,e)||console.warn(',
  'else if(t===Wa)for(var o in e)if(Object.hasOwnProperty.call(e,o)&&void 0!==e[o]){var a=JSON.parse(JSON.stringify(e[o]));S(e[o],a)||',
  'var i=Ba({},e);if(i.what=na,i.from="module",i.callClientId=n,t){',
  'var a=r?r.contentWindow:window,s=this._callMachineTargetOrigin(r);s&&a.postMessage(i,s)',
  'function k(e,t,n){for(n of e.keys())if(S(n,t))return n}function S(e,t){var n,r,i;if(e===t)return!0;',
];

async function checkStubAgainstDailyJs() {
  let source;
  try {
    source = await readFile(`${ROOT}/${DAILY_JS}`, 'utf8');
  } catch {
    return `${DAILY_JS} is missing (npm ci): the stub could not be checked`;
  }
  const gone = STUB_QUOTES.filter((quote) => !source.includes(quote));
  return gone.length ? `daily-js changed: ${gone.length} of the lines bench/stub-call.js imitates are gone (${gone.map((q) => q.slice(0, 40)).join('; ')})` : null;
}

const BENCHES = ['sendAppMessage', 'appMessages', 'appMessagesBreakdown', 'sessionData', 'localRoom', 'channel', 'rustSend', 'rpc', 'history', 'ordered', 'presence', 'react'];

/**
 * Bundles bench/react-app.js (React in production mode) into target/bench-react/app.js, the
 * package's entries and the stub left as the modules the server serves (as tests/page/react.test.mjs
 * does).
 */
async function bundleReactApp() {
  const { build } = await import('esbuild');
  const react = `${ROOT}pkg/react.js`;
  await build({
    entryPoints: [`${ROOT}bench/react-app.js`],
    bundle: true,
    format: 'esm',
    outfile: `${ROOT}target/bench-react/app.js`,
    define: { 'process.env.NODE_ENV': '"production"' },
    plugins: [{
      name: 'pkg-as-served',
      setup(esbuild) {
        esbuild.onResolve({ filter: /^daily-sync\/react$/ }, () => ({ path: react }));
        esbuild.onResolve({ filter: /^\/(pkg|bench)\// }, (args) => ({ path: args.path, external: true }));
        esbuild.onResolve({ filter: /^\.\/(index|hub|registry)\.js$/ }, (args) =>
          args.importer === react ? { path: `/pkg/${args.path.slice(2)}`, external: true } : undefined,
        );
      },
    }],
    logLevel: 'error',
  });
}

async function readSize(path) {
  try {
    return JSON.parse(await readFile(`${ROOT}/${path}`, 'utf8'));
  } catch {
    return null;
  }
}

async function main() {
  const stubWarning = await checkStubAgainstDailyJs();
  if (stubWarning) console.warn(`[bench] WARNING: ${stubWarning}`);
  const server = await startServer({ root: ROOT, isolated: true });
  const browser = await launchBrowser();
  const raw = {};
  let crashed = false;
  const t0 = Date.now();
  try {
    for (const name of BENCHES) {
      if (ONLY && !ONLY.includes(name)) continue;
      process.stderr.write(`[bench] ${name} ... `);
      if (name === 'react') await bundleReactApp();
      try {
        raw[name] = await runPageBench(browser, `${server.url}/bench/index.html`, name);
        process.stderr.write(`${raw[name].seconds.toFixed(1)} s\n`);
      } catch (error) {
        crashed = true;
        raw[name] = { error: String(error.message ?? error).split('\n')[0] };
        process.stderr.write(`FAILED: ${raw[name].error}\n`);
      }
    }
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }
  const browserVersion = raw.sendAppMessage?.setup?.userAgent ?? Object.values(raw).find((r) => r?.setup)?.setup.userAgent;
  const sizes = (await readSize('pkg/sizes.json')) ?? {};
  const figures = figuresFrom(raw, sizes);
  console.log('\n' + table(figures, { markdown: false }));
  const breakdown = breakdownFrom(raw);
  if (breakdown.length) {
    console.log('\nbreakdown (not figures):');
    for (const row of breakdown) console.log(`  ${row[0].padEnd(22)} ${String(row[2]).padStart(8)}  ${row[1]}; ${row[3]}`);
  }
  const missed = figures.filter((f) => f.met === false);
  console.log(missed.length ? `\n${missed.length} figure(s) MISSED their target: ${missed.map((f) => f.id).join(', ')}` : '\nevery figure with a target met it');

  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB; ${browserVersion ?? 'Chromium'}; Node ${process.version}`;
  if (WRITE) {
    const results = figures.map(({ id, what, value, unit, target, met }) => ({ id, what, value, unit, target, met }));
    await writeFile(`${ROOT}/bench/results.json`, JSON.stringify(results, null, 2) + '\n');
    await writeFile(`${ROOT}/bench/results-raw.json`, JSON.stringify({ date: new Date().toISOString(), machine, sizes, raw }, null, 2) + '\n');
    const doc = `${ROOT}/BENCHMARKS.md`;
    const text = await readFile(doc, 'utf8');
    const begin = '<!-- bench:results:begin -->';
    const end = '<!-- bench:results:end -->';
    const at = text.indexOf(begin);
    const until = text.indexOf(end);
    if (at >= 0 && until > at) {
      const block = [
        begin,
        `Run on ${new Date().toISOString().slice(0, 10)} (${((Date.now() - t0) / 1000).toFixed(0)} s of benchmarks), ${machine}.`,
        ...(stubWarning ? ['', `**Warning:** ${stubWarning}.`] : []),
        '',
        table(figures, { markdown: true }),
        '',
        ...(breakdown.length
          ? ['Breakdowns of the runtime figures (not figures; same run, same method):', '',
             '| part | what | ratio | per item |', '|---|---|---|---|',
             ...breakdown.map((row) => `| ${row.map(markdownCell).join(' | ')} |`), '']
          : []),
        end,
      ].join('\n');
      await writeFile(doc, text.slice(0, at) + block + text.slice(until + end.length));
      console.log('wrote bench/results.json, bench/results-raw.json and the table in BENCHMARKS.md');
    } else {
      console.log('wrote bench/results.json and bench/results-raw.json (BENCHMARKS.md has no results markers)');
    }
  } else if (MERGE) {
    // The sizes (figure 4) are the build's, always current: merged with whatever ran.
    await mergeResults(figures.filter((f) => figureNumber(f.id) === '4' || BENCH_OF_FIGURE[figureNumber(f.id)] in raw), machine);
  } else {
    console.log(PROFILE ? '(profiling run: no results written)' : '(partial run: no results written)');
  }
  if (crashed) process.exitCode = 1;
}

/**
 * `--merge`: the figures of the benchmarks run replace those of the same id in bench/results.json
 * and in BENCHMARKS.md's table (a new one goes after its figure's last, or at the end), with a line
 * saying when they were run; every other figure stays as the last full run wrote it.
 */
async function mergeResults(ran, machine) {
  if (ran.length === 0) return console.log('(nothing run: no results merged)');
  const path = `${ROOT}/bench/results.json`;
  const results = JSON.parse(await readFile(path, 'utf8'));
  for (const { id, what, value, unit, target, met } of ran) {
    const row = { id, what, value, unit, target, met };
    const at = results.findIndex((r) => r.id === id);
    const after = results.findLastIndex((r) => figureNumber(r.id) === figureNumber(id));
    if (at >= 0) results[at] = row;
    else results.splice(after >= 0 ? after + 1 : results.length, 0, row);
  }
  await writeFile(path, JSON.stringify(results, null, 2) + '\n');
  const doc = `${ROOT}/BENCHMARKS.md`;
  const lines = (await readFile(doc, 'utf8')).split('\n');
  const begin = lines.indexOf('<!-- bench:results:begin -->');
  const head = lines.findIndex((line, i) => i > begin && line.startsWith('| # | what |'));
  if (begin < 0 || head < 0) return console.log('merged into bench/results.json (BENCHMARKS.md has no results table)');
  let end = head;
  while (lines[end + 1]?.startsWith('|')) end++;
  const rows = table(ran, { markdown: true }).split('\n').slice(2);
  ran.forEach((f, i) => {
    const at = lines.findIndex((line, j) => j > head && j <= end && line.startsWith(`| ${f.id} |`));
    const sameFigure = (line) => /^\| (\d+)/.exec(line)?.[1] === figureNumber(f.id);
    const after = lines.findLastIndex((line, j) => j > head && j <= end && sameFigure(line));
    if (at >= 0) lines[at] = rows[i];
    else if (after >= 0) (lines.splice(after + 1, 0, rows[i]), end++);
    else lines.splice(++end, 0, rows[i]);
  });
  const note = `Rows ${ran.map((f) => f.id).join(', ')}: run alone`;
  const line = `${note} (\`node bench/run.mjs --only=${ONLY.join(',')} --merge\`) on ${new Date().toISOString().slice(0, 10)}, ${machine}.`;
  // An older note whose rows were all run again now says nothing true: dropped (with its blank line).
  const ranIds = new Set(ran.map((f) => f.id));
  for (let j = lines.length - 1; j > end; j--) {
    const m = /^Rows (.+?): run alone/.exec(lines[j]);
    if (m && m[1].split(', ').every((id) => ranIds.has(id))) lines.splice(j - (lines[j - 1] === '' ? 1 : 0), lines[j - 1] === '' ? 2 : 1);
  }
  lines.splice(end + 1, 0, '', line);
  await writeFile(doc, lines.join('\n'));
  console.log(`merged ${ran.map((f) => f.id).join(', ')} into bench/results.json and BENCHMARKS.md`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
