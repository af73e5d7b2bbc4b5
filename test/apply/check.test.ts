import { describe, expect, it } from 'vitest';
import { check } from '../../src/apply/check.js';
import type { WorkspaceFailure } from '../../src/apply/types.js';
import { LimitError, PlanError } from '../../src/errors.js';
import { planAll } from '../../src/plan/plan.js';
import type { Subscription } from '../../src/toggl/types.js';
import { fixtures } from '../support/fixtures.js';

const WS = 7;
const f = fixtures({
  workspaceId: WS,
  url: 'https://hooks.example.com/a',
  source: { file: 't.yaml', line: 1, col: 1 },
});
const settings = { dryRun: false, allowMassDelete: false };

/** Two declared, one of them live with another URL; `extraLive` live subscriptions nobody declared. */
function scenario(extraLive: number) {
  const desired = { workspaces: [f.ws([f.want('kept'), f.want('new')])], files: ['t.yaml'] };
  const live: Subscription[] = [f.have(1, 'kept', { url_callback: 'https://old.example.com/' })];
  for (let i = 0; i < extraLive; i++) live.push(f.have(10 + i, `stray ${i}`));
  const liveMap = new Map([[WS, live]]);
  return { plan: planAll(desired, liveMap), live: liveMap };
}

describe('check: refusals as data', () => {
  it('passes a safe plan with no failures and runs the preflight for the workspace with changes', async () => {
    const seen: number[] = [];
    const verdict = await check({
      ...scenario(0),
      identity: undefined,
      settings,
      preflight: async (wp) => {
        seen.push(wp.workspace_id);
        return [];
      },
    });
    expect(verdict).toEqual({ failures: [], refusesAll: false, guarded: new Set(), blocked: new Set() });
    expect(seen).toEqual([WS]);
  });

  it('the mass-delete guard refuses all changes, and then no preflight runs (it would spend quota)', async () => {
    let preflights = 0;
    const verdict = await check({
      ...scenario(5),
      identity: undefined,
      settings,
      preflight: async () => {
        preflights++;
        return [];
      },
    });
    expect(verdict.refusesAll).toBe(true);
    expect([...verdict.guarded]).toEqual([WS]);
    expect(verdict.failures.map((x) => [x.workspace_id, x.stage, x.error.code])).toEqual([
      [WS, 'guard', 'E_GUARD'],
    ]);
    expect(preflights).toBe(0);
  });

  it('--allow-mass-delete lets the same plan through', async () => {
    const verdict = await check({
      ...scenario(5),
      identity: undefined,
      settings: { ...settings, allowMassDelete: true },
    });
    expect(verdict.refusesAll).toBe(false);
    expect(verdict.failures).toEqual([]);
  });

  it('a failed review check refuses everything, before the guard', async () => {
    const review = (): WorkspaceFailure[] => [
      { workspace_id: WS, stage: 'plan', error: new PlanError('the plan changed since it was reviewed') },
    ];
    const verdict = await check({ ...scenario(5), identity: undefined, settings, review });
    expect(verdict.refusesAll).toBe(true);
    expect(verdict.failures.map((x) => x.stage)).toEqual(['plan', 'guard']);
  });

  it('a preflight refusal blocks only its workspace; a throwing preflight is a limit failure, not a crash', async () => {
    const limit = await check({
      ...scenario(0),
      identity: undefined,
      settings,
      preflight: async () => [
        { workspace_id: WS, stage: 'limit', error: new LimitError(WS, 'over the limit') },
      ],
    });
    expect(limit.refusesAll).toBe(false);
    expect([...limit.blocked]).toEqual([WS]);
    const thrown = await check({
      ...scenario(0),
      identity: undefined,
      settings,
      preflight: async () => {
        throw new Error('GET /limits failed');
      },
    });
    expect([...thrown.blocked]).toEqual([WS]);
    expect(thrown.failures.map((x) => [x.stage, x.error.message])).toEqual([['limit', 'GET /limits failed']]);
  });
});
