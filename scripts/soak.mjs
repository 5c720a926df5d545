#!/usr/bin/env node
// The soak: a local room of 8 participants in one headless Chromium page (transport 'memory'),
// each with a DailySync, exchanging app messages, userData and session data at 50 operations per
// second in total; then a check that every participant converged on the same userData for
// everyone and the same session state (and got every app message addressed to it, in order), and
// memory figures sampled over the run.
//
//   node scripts/soak.mjs --minutes 5          # the long run (pkg/ must be built: npm run build)
//   node scripts/soak.mjs --seconds 20 --rate 50 --participants 8 --seed 1
//
// Prints progress, then a report (JSON with --json). Exits 1 if the room did not converge, an
// operation failed, or a memory sample was past MEMORY_BOUNDS. tests/page/soak.test.mjs runs it
// for 20 s in `npm test`.
//
// Memory: every `sampleSeconds` the page's heap is garbage-collected (CDP
// HeapProfiler.collectGarbage) and sampled: the wasm memory, performance.memory.usedJSHeapSize, and
// CDP's precise used heap size (Runtime.getHeapUsage). The report gives first / last / max of each.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startServer, launchBrowser, openPage } from '../tests/page/harness.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGE = '/tests/page/fixtures/blank.html';
const SOAK = '/tests/page/fixtures/hostile-soak.js';

/** first / last / max / min of a series. */
function summary(values) {
  const present = values.filter((v) => typeof v === 'number');
  if (present.length === 0) return null;
  return { first: present[0], last: present.at(-1), max: Math.max(...present), min: Math.min(...present) };
}

/**
 * Runs the soak and returns its report: `{ run, check, memory: { wasm, heap, cdpHeap }, samples,
 * errors }`. `log(line)` hears progress.
 */
export async function runSoak({ seconds = 20, rate = 50, participants = 8, seed = 1, sampleSeconds = 1, settleMs = 15_000, log = () => {} } = {}) {
  const server = await startServer({ root: ROOT });
  const browser = await launchBrowser();
  try {
    const { context, page, errors } = await openPage(browser, server.url + PAGE);
    const cdp = await context.newCDPSession(page);
    const started = Date.now();
    const samples = [];
    const sample = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { usedSize } = await cdp.send('Runtime.getHeapUsage');
      const inPage = await page.evaluate(() => window.soak?.memory() ?? null);
      if (inPage) samples.push({ t: Math.round((Date.now() - started) / 100) / 10, wasm: inPage.wasm, heap: inPage.heap, cdpHeap: usedSize });
    };
    await page.evaluate(async (url) => {
      window.soak = await import(url);
    }, SOAK);
    const setup = await page.evaluate((options) => window.soak.setup(options), { participants, seed });
    log(`soak: ${setup.participants} participants joined room ${setup.room} (all see all: ${setup.joined})`);
    await sample();
    let sampling = true;
    const sampler = (async () => {
      let lastLog = Date.now();
      while (sampling) {
        await new Promise((resolve) => setTimeout(resolve, sampleSeconds * 1000));
        if (!sampling) break;
        await sample().catch(() => {});
        if (Date.now() - lastLog >= 30_000) {
          lastLog = Date.now();
          const s = samples.at(-1);
          const done = await page.evaluate(() => window.__soak?.done ?? 0).catch(() => 0);
          log(`soak: ${s.t} s, ${done} operations, wasm ${s.wasm} B, heap after GC ${s.cdpHeap} B`);
        }
      }
    })();
    const run = await page.evaluate((options) => window.soak.run(options), { seconds, rate });
    sampling = false;
    await sampler;
    log(`soak: ${run.operations} operations in ${run.seconds.toFixed(1)} s (${run.rate.toFixed(1)}/s); checking convergence`);
    const check = await page.evaluate((options) => window.soak.check(options), { settleMs });
    await sample();
    await page.evaluate(() => window.soak.teardown());
    await context.close();
    const crashes = errors.filter((e) => e.startsWith('pageerror:') || /RuntimeError|unreachable|panicked/.test(e));
    return {
      setup,
      run,
      check,
      memory: {
        wasm: summary(samples.map((s) => s.wasm)),
        heap: summary(samples.map((s) => s.heap)),
        cdpHeap: summary(samples.map((s) => s.cdpHeap)),
      },
      samples,
      errors: crashes,
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

/**
 * How far above the first sample (taken right after the participants joined, before the first
 * operation) every sample may be: wasm memory one 64 KiB page, the JS heap after GC 1 MiB. The
 * 5-minute run peaks at 0 and about 0.63 MiB above it; a leak of 4 KB per operation (200 KB/s at
 * 50 operations/s) passes 1 MiB within 6 s.
 */
export const MEMORY_BOUNDS = { wasm: 64 * 1024, cdpHeap: 1024 * 1024 };

/** Every sample past its bound, as lines (`[]`: none). */
export function memoryProblems(report) {
  const [first, ...rest] = report.samples;
  if (!first) return ['no memory sample'];
  return Object.entries(MEMORY_BOUNDS).flatMap(([name, bound]) => {
    const over = rest.filter((s) => typeof s[name] === 'number' && s[name] - first[name] > bound);
    return over.length === 0
      ? []
      : [`${name} ${over.length} of ${rest.length} samples past ${first[name]} + ${bound} B, first at ${over[0].t} s: ${over[0][name]} B, max ${Math.max(...over.map((s) => s[name]))} B`];
  });
}

/**
 * The report as it would be had every operation leaked `bytes` of JS heap: for showing that the
 * bounds catch such a leak on this very run (operations counted from the sample times at the
 * run's rate).
 */
export function withLeak(report, bytes) {
  const [first] = report.samples;
  const ops = (s) => Math.min(report.run.operations, Math.max(0, (s.t - first.t) * report.run.rate));
  return { ...report, samples: report.samples.map((s) => ({ ...s, cdpHeap: s.cdpHeap + Math.round(ops(s) * bytes) })) };
}

/** Whether a report is a pass: converged, nothing failed, nothing crashed, memory within bounds. */
export function passed(report) {
  const c = report.check;
  return (
    c.converged &&
    c.errors === 0 &&
    c.outOfOrder === 0 &&
    c.strays === 0 &&
    c.streamErrors.length === 0 &&
    report.errors.length === 0 &&
    memoryProblems(report).length === 0
  );
}

function parseArgs(argv) {
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const number = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
      i++;
      return n;
    };
    switch (flag) {
      case '--minutes':
        options.seconds = number() * 60;
        break;
      case '--seconds':
        options.seconds = number();
        break;
      case '--rate':
        options.rate = number();
        break;
      case '--participants':
        options.participants = Math.max(2, Math.round(number()));
        break;
      case '--seed':
        options.seed = Math.round(number());
        break;
      case '--sample-seconds':
        options.sampleSeconds = number();
        break;
      case '--json':
        options.json = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${flag}`);
    }
  }
  return options;
}

const MiB = (bytes) => (bytes / 1024 / 1024).toFixed(2);

async function main() {
  let options;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`soak: ${error.message} (see --help)`);
    process.exit(2);
  }
  if (options.help) {
    console.log('usage: node scripts/soak.mjs [--minutes M | --seconds S] [--rate 50] [--participants 8] [--seed 1] [--sample-seconds N] [--json]');
    return;
  }
  const seconds = options.seconds ?? 300;
  const report = await runSoak({
    seconds,
    rate: options.rate ?? 50,
    participants: options.participants ?? 8,
    seed: options.seed ?? 1,
    sampleSeconds: options.sampleSeconds ?? (seconds > 60 ? 10 : 1),
    log: (line) => console.error(line),
  });
  if (options.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const { run, check, memory } = report;
    const row = (name, m) =>
      m ? `${name.padEnd(28)} first ${MiB(m.first)} MiB, last ${MiB(m.last)} MiB, max ${MiB(m.max)} MiB (${m.first} / ${m.last} / ${m.max} B)` : `${name}: n/a`;
    console.log(
      [
        `soak: ${report.setup.participants} participants, ${run.operations} operations in ${run.seconds.toFixed(1)} s (${run.rate.toFixed(1)}/s): ${run.ops.message} app messages, ${run.ops.userData} userData, ${run.ops.session} session merges`,
        `delivered ${check.delivered} app messages (out of order ${check.outOfOrder}, strays ${check.strays}); ${check.updates} participant updates, ${check.states} session states heard`,
        `converged: ${check.converged} (in ${check.settledInMs} ms after the last operation); failed operations: ${check.errors}; crashes: ${report.errors.length}`,
        ...(check.mismatches.length ? [`mismatches: ${check.mismatches.join('; ')}`] : []),
        ...(check.firstProblems.length ? [`problems: ${check.firstProblems.join('; ')}`] : []),
        row('wasm memory', memory.wasm),
        row('JS heap (usedJSHeapSize)', memory.heap),
        row('JS heap after GC (CDP)', memory.cdpHeap),
        ...memoryProblems(report).map((problem) => `MEMORY: ${problem}`),
        `samples: ${report.samples.length}; replay with --seed ${options.seed ?? 1}`,
      ].join('\n'),
    );
  }
  process.exit(passed(report) ? 0 : 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(`soak: ${error.stack || error.message}`);
    process.exit(1);
  });
}
