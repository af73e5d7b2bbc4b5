// Watch latency: a file is saved -> the change is applied (the emulator answered the PUT), through the
// built CLI's `sync --watch`, 20 times.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, childEnv, dist, median, nowMs, TOKEN, tempTree } from './lib.mjs';

const SAVES = 20;
const WS = 1234567;
/** src/daemon/watcher.ts: `debounceMs ?? 300`; `sync --watch` does not override it. */
export const WATCH_DEBOUNCE_MS = 300;

const yaml = (version) =>
  [
    `workspace_id: ${WS}`,
    'subscriptions:',
    '  - description: "Watched: projects"',
    `    url_callback: https://hooks.example.com/toggl/v${version}`,
    '    event_filters:',
    '      - { entity: project, action: created }',
    '',
  ].join('\n');

export async function benchWatch(log) {
  const { startEmulator } = await dist('emulator/index.js');
  let onCall = () => {};
  const emu = await startEmulator({
    port: 0,
    token: TOKEN,
    workspaces: [WS],
    callbackCheck: false,
    onCall: (call) => onCall(call),
  });
  const dir = tempTree({ 'watched.yaml': yaml(0) });
  const file = join(dir, 'watched.yaml');
  const child = spawn(process.execPath, [CLI, 'sync', '--watch', dir], {
    env: childEnv({ TOGGL_API_URL: emu.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  let onOutput = () => {};
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
    onOutput();
  });
  const watching = () => stderr.split('watching for changes').length - 1;
  const until = (cond, what, timeoutMs = 15_000) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`watch bench: timed out waiting for ${what}:\n${stderr}`)),
        timeoutMs,
      );
      const check = () => {
        if (cond()) {
          clearTimeout(timer);
          onOutput = () => {};
          resolve();
        }
      };
      onOutput = check;
      check();
    });

  const latencies = [];
  try {
    await until(() => watching() >= 1, 'the first sync');
    log(`watch latency: ${SAVES} saves`);
    for (let i = 1; i <= SAVES; i++) {
      const seen = watching();
      const applied = new Promise((resolve) => {
        onCall = (call) => {
          if (call.method === 'PUT' && call.status === 200 && call.body?.url_callback?.endsWith(`/v${i}`)) {
            resolve(nowMs());
          }
        };
      });
      const saved = nowMs();
      writeFileSync(file, yaml(i));
      latencies.push((await applied) - saved);
      await until(() => watching() > seen, `the end of sync ${i}`);
      // Lets the editor-like burst of events of this save die down before the next one.
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    child.kill('SIGINT');
    await new Promise((r) => child.once('close', r));
    await emu.close();
  }
  return {
    latencies,
    medianMs: median(latencies),
    worstMs: Math.max(...latencies),
    debounceMs: WATCH_DEBOUNCE_MS,
  };
}
