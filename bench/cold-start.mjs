// Cold start: whole-process time of `validate` and `sync --dry-run` against `node -e 0` (median).
import { join } from 'node:path';
import { CLI, childEnv, dist, expectExit, median, ROOT, TOKEN, timeNode } from './lib.mjs';

const RUNS = 15;
const EXAMPLES = join(ROOT, 'examples', 'subscriptions');
// examples/subscriptions reads ${SLACK_HOOK_SECRET}.
const EXAMPLE_ENV = { SLACK_HOOK_SECRET: 'bench-slack-secret' };

export async function benchColdStart(log) {
  const { startEmulator } = await dist('emulator/index.js');
  const emu = await startEmulator({
    port: 0,
    token: TOKEN,
    workspaces: [1234567, 7654321],
    callbackCheck: false,
  });
  const apiEnv = childEnv({
    ...EXAMPLE_ENV,
    TOGGL_API_URL: emu.url,
    TOGGL_API_TOKEN: TOKEN,
    TOGGL_REQUEST_SPACING_MS: '0',
  });
  try {
    // Applied once, so each dry run is what CI sees on most pull requests: one GET per workspace.
    expectExit(await timeNode([CLI, 'sync', EXAMPLES], { env: apiEnv }), [0], 'sync of the examples');
    const commands = [
      { name: 'node -e 0', args: ['-e', '0'], env: childEnv() },
      { name: 'toggl-webhooks-sync --version', args: [CLI, '--version'], env: childEnv() },
      {
        name: 'toggl-webhooks-sync validate examples/subscriptions',
        args: [CLI, 'validate', EXAMPLES],
        env: childEnv(EXAMPLE_ENV),
      },
      {
        name: 'toggl-webhooks-sync sync --dry-run examples/subscriptions',
        args: [CLI, 'sync', '--dry-run', EXAMPLES],
        env: apiEnv,
      },
    ];
    const times = commands.map(() => []);
    log(`cold start: ${RUNS} runs of ${commands.length} commands`);
    // Interleaved, so a burst of load elsewhere on the machine hits every command alike.
    for (let r = 0; r < RUNS + 1; r++) {
      for (const [i, c] of commands.entries()) {
        const run = expectExit(await timeNode(c.args, { env: c.env }), [0], c.name);
        if (r > 0) times[i].push(run.ms);
      }
    }
    const base = median(times[0]);
    return commands.map((c, i) => ({
      command: c.name,
      medianMs: median(times[i]),
      minMs: Math.min(...times[i]),
      ratio: median(times[i]) / base,
      runs: RUNS,
    }));
  } finally {
    await emu.close();
  }
}
