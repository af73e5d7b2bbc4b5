// Cold start: whole-process time of `--version`, `validate` and `plan` of one in-sync workspace on
// loopback against `node -e 0`, for this build and the previous one (bench/previous.mjs), on every Node
// line given in BENCH_NODES (comma-separated node binaries; default the one running the bench). All
// commands of one line are interleaved, so load elsewhere on the machine hits each alike, and each is
// paired with a `node -e 0` run just before it.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLI, childEnv, dist, expectExit, median, ROOT, TOKEN, tempTree, timeNode } from './lib.mjs';
import { PREVIOUS_COMMIT, previousCli } from './previous.mjs';

const RUNS = Number(process.env.BENCH_COLD_RUNS ?? 15);
const EXAMPLES = join(ROOT, 'examples', 'subscriptions');
// examples/subscriptions reads ${SLACK_HOOK_SECRET}.
const EXAMPLE_ENV = { SLACK_HOOK_SECRET: 'bench-slack-secret' };
const WS = 1234567;

/** Targets of the issue, as ratios to `node -e 0`. */
export const COLD_TARGETS = { version: 1.3, validate: 2.0, plan: 2.5 };

function nodeLines() {
  const given = (process.env.BENCH_NODES ?? '').split(',').filter(Boolean);
  const binaries = given.length > 0 ? given : [process.execPath];
  return binaries.map((bin) => ({
    bin,
    version: execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim(),
  }));
}

export async function benchColdStart(log) {
  const previous = previousCli(log);
  const { startEmulator } = await dist('emulator/index.js');
  const emu = await startEmulator({ port: 0, token: TOKEN, workspaces: [WS], callbackCheck: false });
  const apiEnv = childEnv({ TOGGL_API_URL: emu.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' });
  const one = tempTree({
    'team.yaml':
      `workspace_id: ${WS}\nsubscriptions:\n` +
      '  - description: "Slack: new projects"\n    url_callback: https://hooks.example.com/slack\n' +
      '    event_filters:\n      - { entity: project, action: created }\n',
  });
  const rows = [];
  try {
    // Applied once, so each plan is what CI sees on most pull requests: one GET, nothing to do.
    expectExit(await timeNode([CLI, 'sync', one], { env: apiEnv }), [0], 'sync of the workspace');
    for (const node of nodeLines()) {
      const builds = [
        { build: 'this build', cli: CLI },
        ...(previous ? [{ build: 'previous', cli: previous }] : []),
      ];
      const commands = [{ key: 'base', name: 'node -e 0', build: '', args: ['-e', '0'], env: childEnv() }];
      for (const { build, cli } of builds) {
        commands.push(
          { key: 'version', name: '--version', build, args: [cli, '--version'], env: childEnv() },
          {
            key: 'validate',
            name: 'validate examples/subscriptions',
            build,
            args: [cli, 'validate', EXAMPLES],
            env: childEnv(EXAMPLE_ENV),
          },
          { key: 'plan', name: 'plan (1 workspace, in sync)', build, args: [cli, 'plan', one], env: apiEnv },
        );
      }
      // The code cache's share: what a first run on a machine (a fresh CI runner) costs.
      commands.push({
        key: 'plan-nocache',
        name: 'plan, code cache off',
        build: 'this build',
        args: [CLI, 'plan', one],
        env: { ...apiEnv, NODE_DISABLE_COMPILE_CACHE: '1' },
      });
      log(`cold start on Node ${node.version}: ${RUNS} runs of ${commands.length} commands`);
      // Each command runs right after a `node -e 0` of its own, and its ratio is the median of those
      // pairs: on a shared machine whose speed drifts within a round, a ratio of two medians taken
      // seconds apart measures the drift as much as the program.
      const [base, ...timed] = commands;
      const times = commands.map(() => []);
      const ratios = commands.map(() => []);
      const run = async (c) =>
        expectExit(await timeNode(c.args, { env: c.env, node: node.bin }), [0], c.name).ms;
      for (let r = 0; r < RUNS + 1; r++) {
        for (const [i, c] of timed.entries()) {
          const baseMs = await run(base);
          const ms = await run(c);
          if (r === 0) continue;
          times[0].push(baseMs);
          times[i + 1].push(ms);
          ratios[i + 1].push(ms / baseMs);
        }
      }
      ratios[0] = [1];
      for (const [i, c] of commands.entries()) {
        rows.push({
          node: node.version,
          key: c.key,
          build: c.build,
          command: c.name,
          medianMs: median(times[i]),
          minMs: Math.min(...times[i]),
          ratio: median(ratios[i]),
          runs: RUNS,
        });
      }
    }
    return { rows, previous: previous !== undefined, previousCommit: PREVIOUS_COMMIT };
  } finally {
    await emu.close();
  }
}
