// The benchmarks, in the page: bench/run.mjs opens bench/index.html in headless Chromium and calls
// `window.bench.run(name, options)` for each. Every benchmark times a variant against the plain path
// in the same round (interleaved, the order rotating) and hands back the raw per-round times;
// run.mjs makes the ratios and their medians. Nothing here is a result: everything is measured.
//
// Timing: performance.now() is coarsened to 100 µs in a page that is not cross-origin isolated, so
// every timed batch is made long enough (milliseconds or more) for that not to matter.
//
// The JS API is the package's entries as built in pkg/ (what apps load); the Rust API's bench
// functions are this crate built with the `bench` feature, in bench/pkg/.
//
// Each figure group is a module of bench/figures/; common.js holds the timing loop and fixtures.
import initRust, * as rust from '/bench/pkg/daily_sync.js';
import { StubCall } from '/bench/stub-call.js';
import initChannels from '/pkg/channels.js';
import initCore, { DailySync } from '/pkg/index.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';
import { setLib, setRunning } from './figures/common.js';
import { channel, history, localRoom } from './figures/local-room.js';
import { appMessages, appMessagesBreakdown, rustSend, sendAppMessage } from './figures/messages.js';
import { ordered, presence, react } from './figures/room-state.js';
import { rpc } from './figures/rpc.js';
import { sessionData } from './figures/session-data.js';

export async function setup() {
  await Promise.all([initRust(), initCore(), initLocal(), initChannels()]);
  const lib = { ...rust, DailySync, createLocalCallObject };
  setLib(lib);
  return {
    benchFeature: typeof lib.benchRustSend === 'function',
    channel: typeof new lib.DailySync(new StubCall()).channel === 'function',
    userAgent: navigator.userAgent,
  };
}

const benches = { sendAppMessage, appMessages, appMessagesBreakdown, sessionData, localRoom, channel, rustSend, rpc, history, ordered, presence, react };

export function run(name, options, { profile = false } = {}) {
  const bench = benches[name];
  if (!bench) throw new Error(`no benchmark named ${name}`);
  setRunning(name, profile);
  return bench(options);
}
