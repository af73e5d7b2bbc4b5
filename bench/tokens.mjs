// Several organisations, one token each, in one run (docs/configuration.md "token_env"): each token has
// its own request spacing, so two organisations synced together should take about as long as the
// slower one alone, not the sum. Measured with the built CLI against one emulator serving two users,
// with the production-like spacing on (TOGGL_REQUEST_SPACING_MS).
import { CLI, childEnv, dist, expectExit, median, tempTree, timeNode } from './lib.mjs';

const TOKEN_A = 'bench-org-a-token-7Hq2';
const TOKEN_B = 'bench-org-b-token-4Zp9';
const WS_A = 1111111;
const WS_B = 2222222;
const SPACING_MS = 250;
const RUNS = 3;

function orgFile(ws, prefix, count, tokenEnv) {
  const lines = [`workspace_id: ${ws}`];
  if (tokenEnv) lines.push(`token_env: ${tokenEnv}`);
  lines.push('subscriptions:');
  for (let i = 0; i < count; i++) {
    lines.push(
      `  - description: ${prefix} ${i}`,
      `    url_callback: https://hooks.example.com/${prefix}/${i}`,
      '    event_filters:',
      '      - { entity: project, action: created }',
    );
  }
  return `${lines.join('\n')}\n`;
}

export async function benchTokens(log) {
  const { startEmulator } = await dist('emulator/index.js');
  const sizes = { a: 6, b: 4 };
  const dirs = {
    a: tempTree({ 'a.yaml': orgFile(WS_A, 'A', sizes.a) }),
    b: tempTree({ 'b.yaml': orgFile(WS_B, 'B', sizes.b, 'ORG_B_TOKEN') }),
  };
  const timeSync = async (paths) => {
    const emu = await startEmulator({
      port: 0,
      token: TOKEN_A,
      userId: 1,
      workspaces: [WS_A],
      users: [{ token: TOKEN_B, userId: 2, workspaces: [WS_B] }],
      callbackCheck: false,
    });
    try {
      const env = childEnv({
        TOGGL_API_URL: emu.url,
        TOGGL_API_TOKEN: TOKEN_A,
        ORG_B_TOKEN: TOKEN_B,
        TOGGL_REQUEST_SPACING_MS: String(SPACING_MS),
      });
      const run = expectExit(
        await timeNode([CLI, 'sync', ...paths], { env }),
        [0],
        `sync ${paths.join(' ')}`,
      );
      return run.ms;
    } finally {
      await emu.close();
    }
  };
  const measure = async (label, paths) => {
    const times = [];
    for (let i = 0; i < RUNS; i++) times.push(await timeSync(paths));
    log(`several tokens: ${label} ${Math.round(median(times))} ms`);
    return median(times);
  };
  const aloneA = await measure('organisation A alone', [dirs.a]);
  const aloneB = await measure('organisation B alone', [dirs.b]);
  const both = await measure('both in one run', [dirs.a, dirs.b]);
  return { spacingMs: SPACING_MS, runs: RUNS, sizes, aloneA, aloneB, both };
}
