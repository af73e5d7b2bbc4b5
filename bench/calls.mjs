// API calls per reconcile against the documented minimum (docs/plan-rules.md), and reconcile wall time against the floor (the
// same HTTP calls made by a bare fetch loop against the same emulator), for 1, 10 and 100 workspaces.
import { CLI, childEnv, dist, expectExit, median, nowMs, TOKEN, tempTree, timeNode } from './lib.mjs';
import { desiredFiles, minimumCalls, seed, workspaceIds } from './scenarios.mjs';

const SIZES = [1, 10, 100];
const TRIALS = { 1: 41, 10: 21, 100: 9 };
const WARMUP = 3;
const CLI_RUNS = 5;

export async function benchCalls(log) {
  const { startEmulator } = await dist('emulator/index.js');
  const { loadDesiredState } = await dist('config/load.js');
  const { reconcile } = await dist('apply/reconcile.js');
  const { limitsPreflight } = await dist('apply/prechecks.js');
  const { TogglClient } = await dist('toggl/client.js');
  const { clientConfigFromEnv } = await dist('toggl/config.js');

  const rows = [];
  for (const n of SIZES) {
    const dir = tempTree(desiredFiles(n));
    const desired = await loadDesiredState([dir], {});
    for (const drift of [false, true]) {
      log(`calls and wall time: ${n} workspace(s), ${drift ? 'with drift' : 'in sync'}`);
      const fresh = async () => {
        const emu = await startEmulator({
          port: 0,
          token: TOKEN,
          workspaces: workspaceIds(n),
          callbackCheck: false,
        });
        seed(emu, n, drift);
        return emu;
      };
      // In sync nothing changes, so one emulator serves every trial; drift needs a fresh one each time.
      const shared = drift ? undefined : await fresh();

      const library = async () => {
        const emu = shared ?? (await fresh());
        const env = { TOGGL_API_URL: emu.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' };
        // As `sync` wires it (src/commands/sync.ts): the client, reconcile and the limits pre-check.
        const api = new TogglClient(clientConfigFromEnv(env));
        emu.resetCalls();
        const t0 = nowMs();
        const result = await reconcile({
          desired,
          api,
          dryRun: false,
          allowMassDelete: false,
          preflight: limitsPreflight({ api, desired }),
        });
        const elapsed = nowMs() - t0;
        const applied = result.outcomes.filter((o) => o.status === 'applied').length;
        if (
          result.failures.length > 0 ||
          applied !== result.outcomes.length ||
          applied !== (drift ? 4 * n : 0)
        ) {
          throw new Error(`reconcile did not apply the expected ${drift ? 4 * n : 0} changes cleanly`);
        }
        const calls = emu.calls.map((c) => ({ method: c.method, path: c.path, body: c.body }));
        if (!shared) await emu.close();
        return { elapsed, calls };
      };

      const bare = async (calls) => {
        const emu = shared ?? (await fresh());
        const headers = {
          authorization: `Basic ${Buffer.from(`${TOKEN}:api_token`).toString('base64')}`,
          'content-type': 'application/json',
          accept: 'application/json',
        };
        const t0 = nowMs();
        for (const c of calls) {
          const res = await fetch(`${emu.url}${c.path}`, {
            method: c.method,
            headers,
            ...(c.body === undefined ? {} : { body: JSON.stringify(c.body) }),
          });
          const text = await res.text();
          if (res.status >= 300) throw new Error(`bare loop: ${c.method} ${c.path} answered ${res.status}`);
          if (text) JSON.parse(text);
        }
        const elapsed = nowMs() - t0;
        if (!shared) await emu.close();
        return elapsed;
      };

      const libTimes = [];
      const bareTimes = [];
      let reference;
      for (let t = 0; t < WARMUP + TRIALS[n]; t++) {
        const lib = await library();
        reference ??= lib.calls;
        const b = await bare(reference);
        if (t >= WARMUP) {
          libTimes.push(lib.elapsed);
          bareTimes.push(b);
        }
      }

      const subscriptionCalls = reference.filter((c) => c.path.startsWith('/subscriptions/')).length;
      const precheckCalls = reference.length - subscriptionCalls;
      const minimum = minimumCalls(n, drift);

      // The same work through the built CLI: whole-process time, and the same calls.
      const cliTimes = [];
      let cliCalls;
      for (let r = 0; r < CLI_RUNS; r++) {
        const emu = shared ?? (await fresh());
        emu.resetCalls();
        const run = await timeNode([CLI, 'sync', dir], {
          env: childEnv({ TOGGL_API_URL: emu.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' }),
        });
        expectExit(run, [0], `sync of ${n} workspace(s)`);
        cliTimes.push(run.ms);
        cliCalls ??= emu.calls.length;
        if (!shared) await emu.close();
      }
      if (shared) await shared.close();

      rows.push({
        workspaces: n,
        scenario: drift ? 'drift' : 'in sync',
        minimum,
        subscriptionCalls,
        precheckCalls,
        cliCalls,
        callRatio: subscriptionCalls / minimum,
        libMs: median(libTimes),
        bareMs: median(bareTimes),
        timeRatio: median(libTimes) / median(bareTimes),
        cliMs: median(cliTimes),
        trials: TRIALS[n],
      });
    }
  }
  return rows;
}
