#!/usr/bin/env node
// The daily-js compatibility matrix: runs the page tests that touch the real daily-js against
// published daily-js versions, each installed into target/compat/<version>/ and served in place of
// node_modules' copy (tests/page/harness.mjs reads DAILY_JS_DIR), and writes COMPAT.md (each
// version's last result, kept in COMPAT.json).
//
//   npm run test:compat                  the pinned versions below
//   npm run test:compat -- --latest      and the newest on the registry
//   npm run test:compat -- 0.88.0 ...    these versions instead of the pinned ones
//
// Needs pkg/ built (npm run build). Each version's tests hold /tmp/daily-sync-build.lock, so a
// build running beside them never swaps pkg/ under a page.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The versions every run tries: the oldest the peer range admits (daily-react's oldest too), some
 * between, and the newest minors.
 */
const PINNED = ['0.68.0', '0.75.0', '0.80.0', '0.85.0', '0.90.0', '0.91.0', '0.92.2'];

/** Page tests that load the real daily-js (directly, or through fixtures/daily-sync-page.js and hostile-page.js). */
const FILES = [
  'daily-stand-in',
  'daily-sync-unjoined',
  'daily-sync-joined',
  'hostile-daily-sync',
  'hostile-local-call-and-rest',
  'hostile-peers-and-leaks',
].map((name) => `tests/page/${name}.test.mjs`);
/** The demo's test file runs only its suite on the real daily-js. */
const DEMO = { file: 'tests/page/demo.test.mjs', pattern: 'real daily-js' };

const LOCK = '/tmp/daily-sync-build.lock';

function run(command, args, env) {
  return spawnSync(command, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 28 });
}

const hasFlock = run('sh', ['-c', 'command -v flock']).status === 0;

/** `node --test` over `args` with daily-js from `dir`; the TAP counts and the names of failed tests. */
function nodeTest(dir, args) {
  const node = [process.execPath, '--test', '--test-reporter=tap', '--test-concurrency=1', ...args];
  const out = hasFlock ? run('flock', [LOCK, ...node], { DAILY_JS_DIR: dir }) : run(node[0], node.slice(1), { DAILY_JS_DIR: dir });
  const text = `${out.stdout}\n${out.stderr}`;
  const count = (word) => Number(new RegExp(`^# ${word} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  // The tests that failed themselves, not the suites or files that hold them ('subtestsFailed').
  const lines = text.split('\n');
  const failed = [];
  lines.forEach((line, at) => {
    const name = /^\s*not ok \d+ - (.*)$/.exec(line)?.[1];
    const end = lines.findIndex((other, i) => i > at && other.trim() === '...');
    const block = lines.slice(at + 1, end < 0 ? undefined : end).join('\n');
    if (name !== undefined && !block.includes("failureType: 'subtestsFailed'")) failed.push(name);
  });
  return { pass: count('pass'), fail: count('fail') + (out.status !== 0 && count('fail') === 0 ? 1 : 0), failed, text };
}

function install(version) {
  const prefix = join(ROOT, 'target', 'compat', version);
  const dir = join(prefix, 'node_modules', '@daily-co', 'daily-js');
  if (!existsSync(join(dir, 'package.json'))) {
    console.error(`[compat] installing @daily-co/daily-js@${version}`);
    const out = run('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', prefix, `@daily-co/daily-js@${version}`]);
    if (out.status !== 0) throw new Error(`npm install @daily-co/daily-js@${version} failed:\n${out.stderr}`);
  }
  return dir;
}

const args = process.argv.slice(2);
const named = args.filter((a) => /^\d+\.\d+\.\d+/.test(a));
const versions = named.length > 0 ? named : [...PINNED];
if (args.includes('--latest')) {
  const latest = run('npm', ['view', '@daily-co/daily-js', 'version']).stdout.trim();
  if (!latest) throw new Error('npm view @daily-co/daily-js version answered nothing');
  if (!versions.includes(latest)) versions.push(latest);
}
if (!existsSync(join(ROOT, 'pkg', 'index.js'))) throw new Error('pkg/ is not built: run npm run build first');

/** One pass of the page tests on daily-js from `dir`. */
function runAll(dir) {
  const main = nodeTest(dir, FILES);
  const demo = nodeTest(dir, [`--test-name-pattern=${DEMO.pattern}`, DEMO.file]);
  if (main.fail + demo.fail > 0 && process.env.COMPAT_VERBOSE) console.error(main.text, demo.text);
  return { pass: main.pass + demo.pass, fail: main.fail + demo.fail, failed: [...main.failed, ...demo.failed] };
}

const results = [];
for (const version of versions) {
  const started = Date.now();
  const dir = install(version);
  console.error(`[compat] daily-js ${version}: running the page tests`);
  let run = runAll(dir);
  // After a failure the version's tests run once more: on a loaded machine a timing test can miss
  // once. What fails twice is a failure; what passes the second time is reported as flaky.
  let flaky = [];
  if (run.fail > 0) {
    console.error(`[compat] daily-js ${version}: ${run.failed.join('; ')} failed; running the tests again`);
    const again = runAll(dir);
    flaky = run.failed.filter((name) => !again.failed.includes(name));
    run = again;
  }
  const result = { version, ...run, flaky, seconds: Math.round((Date.now() - started) / 1000), date: new Date().toISOString().slice(0, 10) };
  results.push(result);
  console.error(`[compat] daily-js ${version}: ${result.pass} passed, ${result.fail} failed (${result.seconds} s)`);
  for (const name of result.failed) console.error(`[compat]   failed: ${name}`);
  for (const name of result.flaky) console.error(`[compat]   failed once, passed again: ${name}`);
}

// COMPAT.json keeps each version's last result, so a run of some versions updates their rows only.
const record = join(ROOT, 'COMPAT.json');
const byVersion = new Map((existsSync(record) ? JSON.parse(readFileSync(record, 'utf8')) : []).map((r) => [r.version, r]));
for (const result of results) byVersion.set(result.version, result);
const semver = (v) => v.split('.').map(Number);
const all = [...byVersion.values()].sort((a, b) => {
  const [x, y] = [semver(a.version), semver(b.version)];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
});
writeFileSync(record, `${JSON.stringify(all, null, 2)}\n`);
const rows = all.map(
  (r) =>
    `| ${r.version} | ${r.fail === 0 ? 'pass' : 'FAIL'} | ${r.pass} | ${r.fail} | ${r.failed.join('; ')} | ${r.flaky.join('; ')} | ${r.date} |`,
);
writeFileSync(
  join(ROOT, 'COMPAT.md'),
  `# daily-js compatibility

The page tests that run the real daily-js (its call objects unjoined, and joined to the offline
stand-in call machine of tests/js/daily-stand-in/) against published daily-js versions: \`npm run
test:compat\` (add \`--latest\` for the newest on the registry, or name versions). When a test
fails, the version's tests run once more: what fails twice is a failure, what passes the second
time is listed as flaky. Each row is that version's last run (COMPAT.json holds them).

| daily-js | result | tests passed | tests failed | failed tests | failed once, passed again | run |
|---|---|---|---|---|---|---|
${rows.join('\n')}
`,
);
console.error('[compat] wrote COMPAT.md and COMPAT.json');
process.exit(results.every((r) => r.fail === 0) ? 0 : 1);
