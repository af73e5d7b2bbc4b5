import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { assertBuilt, startCli } from '../support/cli.js';
import { type E2E, startE2E, yamlDoc } from '../support/e2e.js';

/**
 * Crash safety: `sync` is killed with SIGKILL in the middle of an apply (the API slowed down so that
 * calls are in flight), then started again. It must converge, with no duplicate description and every
 * declared subscription present, whether the restart comes after the server finished the killed
 * request or while that request is still being processed.
 */

const WS = 3_200_001;
const LATENCY_MS = 150;
const HELD_MS = 3000;
const DESIRED = Array.from({ length: 8 }, (_, i) => ({
  description: `Hook ${i}`,
  url_callback: `https://hooks.example.com/hook-${i}/new`,
  event_filters: [['project', 'created']] as Array<[string, string]>,
}));
// 10 changes: 2 deletes, 4 updates (URL), 4 creates.
const MUTATIONS = 10;

function seedLive(emu: Emulator): void {
  for (let i = 0; i < 4; i++) {
    emu.seed(WS, {
      description: `Hook ${i}`,
      url_callback: `https://hooks.example.com/hook-${i}/old`,
      event_filters: [{ entity: 'project', action: 'created' }],
    });
  }
  for (const name of ['Stale 1', 'Stale 2']) emu.seed(WS, { description: name });
}

const mutating = (emu: Emulator) => emu.calls.filter((c) => c.method !== 'GET');

function expectNoDuplicates(emu: Emulator, when: string): void {
  const names = emu.subscriptions(WS).map((s) => s.description);
  expect(new Set(names).size, `duplicate description ${when}: ${names.join(', ')}`).toBe(names.length);
}

async function until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe('kill -9 in the middle of an apply', () => {
  let e: E2E | undefined;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await e?.close();
    e = undefined;
  });

  // `later`: after the server finished the killed request; `at once`: while it is still in flight.
  const cases: Array<[number, 'later' | 'at once']> = [
    [1, 'later'],
    [3, 'later'],
    [6, 'later'],
    [9, 'later'],
    [1, 'at once'],
    [4, 'at once'],
    [7, 'at once'],
  ];

  it.each(cases)(
    'killed at mutating call %i and restarted %s: converges, no duplicate',
    async (killAt, restart) => {
      e = await startE2E({ workspaces: [WS], quota: false });
      const emu = e.emu;
      seedLive(emu);
      const dir = e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: DESIRED }) });
      emu.setFaults({ latencyMs: LATENCY_MS });

      const victim = startCli(['sync', dir], { env: e.env });
      if (restart === 'at once') {
        // The killed request is held long enough for the restart to list the workspace before it lands.
        // The pre-checks (GET /limits) come right before the first change.
        await until(
          () => mutating(emu).length >= killAt - 1 && emu.calls.some((c) => c.path.startsWith('/limits/')),
          `the call before mutating call ${killAt}`,
        );
        emu.setFaults({ latencyMs: HELD_MS });
      }
      // A request is recorded when it arrives, before the latency: the kill lands while it is in flight.
      await until(() => mutating(emu).length >= killAt, `mutating call ${killAt}`);
      victim.child.kill('SIGKILL');
      const exit = await victim.exit;
      expect(exit.signal).toBe('SIGKILL');
      const sentBeforeKill = mutating(emu).length;
      expect(sentBeforeKill).toBeLessThan(MUTATIONS);
      emu.setFaults(undefined);

      if (restart === 'later') {
        // The server finishes what it had received (its answer goes nowhere): status is set then.
        await until(() => emu.calls.every((c) => c.status !== 0), 'the killed request to complete');
      }
      expectNoDuplicates(emu, 'right after the kill');
      if (restart === 'at once') expect(emu.calls.some((c) => c.status === 0)).toBe(true);

      const callsBefore = emu.calls.length;
      let second = await e.cli(['sync', dir]);
      expectNoDuplicates(emu, 'after the restart');
      expect(second.stderr).not.toMatch(/^\s{4}at /m);
      expect(emu.calls.slice(callsBefore).some((c) => c.method !== 'GET')).toBe(true);
      if (restart === 'later') {
        expect(second.code, second.stdout + second.stderr).toBe(0);
      } else {
        // The killed request may land after the restart listed the workspace (a late create is adopted,
        // a late delete makes the restart's own delete 404): one more run settles it.
        expect([0, 1]).toContain(second.code);
        await until(() => emu.calls.every((c) => c.status !== 0), 'the killed request to complete');
        if (second.code !== 0) {
          second = await e.cli(['sync', dir]);
          expectNoDuplicates(emu, 'after the second restart');
          expect(second.code, second.stdout + second.stderr).toBe(0);
        }
      }

      const plan = await e.cli(['sync', '--dry-run', '--detailed-exitcode', dir]);
      expect(plan.code, plan.stdout + plan.stderr).toBe(0);
      const live = emu.subscriptions(WS);
      expect(live.map((s) => s.description).sort()).toEqual(DESIRED.map((d) => d.description).sort());
      for (const d of DESIRED) {
        expect(live.find((s) => s.description === d.description)?.url_callback).toBe(d.url_callback);
      }
    },
    60_000,
  );
});
