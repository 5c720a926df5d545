// The dev server as a process, for page tests: build it (debug), start it on a free port with a
// known API key, read its URL from what it prints. Also makes sure pkg/ is built.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The dev API key the server is started with. */
export const KEY = 'test-key';

/** The newest modification time of the files under `dir`. */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Builds pkg/ when it is missing or older than src/. */
export function ensurePackage() {
  const pkg = join(ROOT, 'pkg/index.js');
  if (existsSync(pkg) && statSync(pkg).mtimeMs >= newest(join(ROOT, 'src'))) return;
  execFileSync('bash', ['scripts/build.sh'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Builds the server (debug) and returns its executable's path, as cargo reports it. */
export function buildServer() {
  const out = execFileSync('cargo', ['build', '-p', 'daily-sync-dev-server', '--message-format=json'], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const line of out.split('\n')) {
    if (!line.startsWith('{')) continue;
    const message = JSON.parse(line);
    if (message.reason === 'compiler-artifact' && message.target?.name === 'daily-sync-dev-server' && message.executable) {
      return message.executable;
    }
  }
  throw new Error('cargo built no daily-sync-dev-server executable');
}

/** Starts the server on a free port (PORT=0) and reads its URL from the line it prints. */
export function startServer(executable) {
  const child = spawn(executable, ['--root', ROOT], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', DAILY_SYNC_DEV_KEY: KEY },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  child.stderr.setEncoding('utf8').on('data', (text) => (output += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${output}`)), 30_000);
    child.stdout.setEncoding('utf8').on('data', (text) => {
      output += text;
      const url = /daily-sync demo: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
      if (url && output.includes(`dev API key: ${KEY}\n`)) {
        clearTimeout(timer);
        resolve({ child, url, exited, output: () => output });
      }
    });
    exited.then(({ code }) => reject(new Error(`the server exited (${code}):\n${output}`)));
  });
}

