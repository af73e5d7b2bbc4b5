// Scale: `plan` of W declared workspaces x 20 subscriptions, all in sync, against the emulator on
// loopback with request spacing off: whole-process CPU seconds and peak RSS of the built CLI for
// W = 10, 100, 1,000, and their growth. The CLI runs in a wrapper that reports its own
// process.resourceUsage() at exit, so the figures are the CLI's alone (not the emulator's).
import { spawn } from 'node:child_process';
import { CLI, childEnv, dist, median, TOKEN, tempTree } from './lib.mjs';

const SIZES = (process.env.BENCH_SCALE ?? '10,100,1000').split(',').map(Number);
const SUBS = 20;
const RUNS = 3;
const FIRST_WS = 100_000;

function file(ws) {
  let text = `workspace_id: ${ws}\nsubscriptions:\n`;
  for (let i = 0; i < SUBS; i++) {
    text +=
      `  - description: "hook ${i}"\n    url_callback: https://hooks.example.com/${ws}/${i}\n` +
      '    event_filters:\n      - { entity: project, action: created }\n      - { entity: tag, action: "*" }\n';
  }
  return text;
}

const WRAPPER = `
import { writeSync } from 'node:fs';
process.on('exit', () => {
  const u = process.resourceUsage();
  writeSync(3, JSON.stringify({ cpuUs: u.userCPUTime + u.systemCPUTime, maxRssKiB: u.maxRSS }));
});
process.argv = [process.argv[0], ${JSON.stringify(CLI)}, ...process.argv.slice(1)];
await import(${JSON.stringify(new URL(`file://${CLI}`).href)});
`;

function runPlan(dir, env) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--input-type=module', '-e', WRAPPER, 'plan', dir], {
      env,
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let usage = '';
    let stderr = '';
    child.stdio[3].setEncoding('utf8').on('data', (d) => {
      usage += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`plan exited ${code}: ${stderr.slice(0, 500)}`));
      const u = JSON.parse(usage);
      resolve({ cpuS: u.cpuUs / 1e6, rss: u.maxRssKiB * 1024, wallS: (performance.now() - started) / 1000 });
    });
  });
}

export async function benchScale(log) {
  const { startEmulator } = await dist('emulator/index.js');
  const max = Math.max(...SIZES);
  const workspaces = Array.from({ length: max }, (_, i) => FIRST_WS + i);
  const emu = await startEmulator({ port: 0, token: TOKEN, workspaces, callbackCheck: false, quota: false });
  const rows = [];
  try {
    for (const ws of workspaces) {
      for (let i = 0; i < SUBS; i++) {
        emu.seed(ws, {
          description: `hook ${i}`,
          url_callback: `https://hooks.example.com/${ws}/${i}`,
          event_filters: [
            { entity: 'project', action: 'created' },
            { entity: 'tag', action: '*' },
          ],
        });
      }
    }
    const env = childEnv({ TOGGL_API_URL: emu.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' });
    for (const n of SIZES) {
      const files = {};
      for (const ws of workspaces.slice(0, n)) files[`ws-${ws}.yaml`] = file(ws);
      const dir = tempTree(files);
      const runs = [];
      for (let r = 0; r < RUNS; r++) {
        emu.resetCalls();
        runs.push(await runPlan(dir, env));
      }
      const calls = emu.calls.length;
      const row = {
        workspaces: n,
        subscriptions: n * SUBS,
        cpuS: median(runs.map((x) => x.cpuS)),
        rss: median(runs.map((x) => x.rss)),
        wallS: median(runs.map((x) => x.wallS)),
        calls,
      };
      rows.push(row);
      log(
        `scale: ${n} workspaces x ${SUBS}: ${row.cpuS.toFixed(2)} s CPU, ${(row.rss / 1048576).toFixed(0)} MiB, ${calls} calls`,
      );
    }
  } finally {
    await emu.close();
  }
  return { rows, subscriptionsPerWorkspace: SUBS, runs: RUNS };
}
