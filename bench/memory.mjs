// Daemon memory: RSS of the real daemon loop (runDaemon, interval 1 ms) after 100 and after 10,000
// reconciles of examples/subscriptions, in sync against the emulator (2 GETs per reconcile).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { dist, ROOT, TOKEN } from './lib.mjs';

const CHECKPOINTS = [100, 1_000, 5_000, 10_000];
const EXAMPLES = join(ROOT, 'examples', 'subscriptions');

function freePort() {
  return new Promise((resolve) => {
    const s = http.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * How the image runs node, read from the Dockerfile's last stage so the figure is of what ships: the
 * flags of its ENTRYPOINT before the script, and its ENV lines (NODE_OPTIONS, NODE_ENV).
 */
export function shippedRuntime(dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')) {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const entry = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(runtime);
  if (!entry) throw new Error('the Dockerfile has no ENTRYPOINT in exec form');
  const argv = JSON.parse(entry[1]);
  const script = argv.findIndex((a, i) => i > 0 && !a.startsWith('-'));
  if (argv[0] !== 'node' || script === -1) throw new Error(`unexpected ENTRYPOINT ${entry[1]}`);
  const env = {};
  for (const m of runtime.matchAll(/^ENV\s+([A-Z_]+)=("?)(.*)\2\s*$/gm)) env[m[1]] = m[3];
  return { nodeFlags: argv.slice(1, script), env };
}

async function reconciles(port) {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    let total = 0;
    for (const m of text.matchAll(/^toggl_webhooks_reconcile_total\{[^}]*\} (\d+)/gm)) total += Number(m[1]);
    return total;
  } catch {
    return 0;
  }
}

/**
 * `runtime` is how node runs the daemon: `shippedRuntime()` for the image's figure, `{ nodeFlags: [],
 * env: {} }` for plain node. `--expose-gc` is added only so that a checkpoint can collect garbage before
 * it samples (the daemon itself never forces a collection).
 */
export async function benchMemory(log, { checkpoints = CHECKPOINTS, runtime = shippedRuntime() } = {}) {
  const { nodeFlags, env: runtimeEnv } = runtime;
  const { startEmulator } = await dist('emulator/index.js');
  // No quota: 10,000 reconciles of 2 workspaces is more than the emulator's default hourly quota.
  const emu = await startEmulator({
    port: 0,
    token: TOKEN,
    workspaces: [1234567, 7654321],
    callbackCheck: false,
    quota: false,
  });
  const port = await freePort();
  const child = fork(join(ROOT, 'bench', 'daemon-memory-child.mjs'), [EXAMPLES, String(port)], {
    execArgv: ['--expose-gc', ...nodeFlags],
    env: {
      ...runtimeEnv,
      PATH: process.env.PATH ?? '',
      TOGGL_API_URL: emu.url,
      TOGGL_API_TOKEN: TOKEN,
      TOGGL_REQUEST_SPACING_MS: '0',
      SLACK_HOOK_SECRET: 'bench-slack-secret',
    },
    // JSON logs go to /dev/null: written (and paid for) like in a pod, not kept.
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  const messages = [];
  let wake = () => {};
  child.on('message', (m) => {
    messages.push(m);
    wake();
  });
  const exited = new Promise((r) => child.on('exit', r));
  const sample = () =>
    new Promise((resolve) => {
      const before = messages.length;
      wake = () => {
        const m = messages.slice(before).find((x) => x.sample);
        if (m) resolve(m.sample);
      };
      child.send('sample');
    });

  const samples = [];
  const started = Date.now();
  try {
    for (const target of checkpoints) {
      let n = await reconciles(port);
      while (n < target) {
        if (child.exitCode !== null) throw new Error('the daemon exited early');
        if (emu.calls.length > 50_000) emu.resetCalls();
        // Scraping /metrics costs the daemon CPU and garbage: poll rarely until close to the target.
        const rate = n / Math.max(0.001, (Date.now() - started) / 1000);
        const waitMs = rate > 0 ? Math.min(1000, Math.max(2, ((target - n) / rate) * 500)) : 50;
        await new Promise((r) => setTimeout(r, waitMs));
        n = await reconciles(port);
      }
      const mem = await sample();
      const at = await reconciles(port);
      samples.push({
        target,
        reconciles: at,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        heapTotal: mem.heapTotal,
        cpuSeconds: mem.cpuSeconds,
        seconds: (Date.now() - started) / 1000,
      });
      log(`daemon memory: ${at} reconciles, RSS ${(mem.rss / 1048576).toFixed(1)} MiB`);
    }
  } finally {
    child.send('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
    await emu.close();
  }
  return { samples, nodeFlags, nodeOptions: runtimeEnv.NODE_OPTIONS ?? '' };
}
