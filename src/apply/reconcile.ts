import type { DesiredState } from '../config/types.js';
import type { PlanIdentity } from '../plan/identity.js';
import { planAll } from '../plan/plan.js';
import type { Plan } from '../plan/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { applyPlan, type OnApplied } from './apply.js';
import { check, type Preflight, type ReviewCheck } from './check.js';
import type { LaneOf } from './lanes.js';
import type { ReconcileLogger } from './logger.js';
import { observe } from './observe.js';
import type { ChangeOutcome, ReconcileResult, RunSettings } from './types.js';

export { failureMessage, isDescriptionInUse } from './failures.js';
export type { ReconcileLogger } from './logger.js';

export interface ReconcileOptions extends RunSettings {
  desired: DesiredState;
  api: TogglApi;
  logger?: ReconcileLogger | undefined;
  /** Aborting stops before the next call; the call in flight finishes and is recorded. */
  signal?: AbortSignal | undefined;
  /**
   * Checks run per workspace with changes, after the guard and before any change (e.g. GET /limits).
   * A failure refuses that workspace's whole plan (no call in it) and fails the run; other workspaces
   * proceed. Runs on dry runs too, so CI reports what the API would refuse.
   */
  preflight?: Preflight | undefined;
  /**
   * Called after each change that was applied, with the live state already updated from the API's
   * answer (e.g. `--ping-new`). It must not throw; a rejection is logged and does not fail the change.
   */
  onApplied?: OnApplied | undefined;
  /** Computes the plan's identity (docs/ci.md) from the live state as listed, before any change. */
  identify?:
    | ((observed: {
        desired: DesiredState;
        live: ReadonlyMap<number, readonly Subscription[]>;
        plan: Plan;
      }) => PlanIdentity)
    | undefined;
  /**
   * Checks the plan against the one that was reviewed (`sync --plan`, `--expect-plan-hash`). Any
   * failure refuses the whole run before any change, like the mass-delete guard.
   */
  check?: ReviewCheck | undefined;
  /**
   * The token (alias) a workspace's calls go through. Workspaces of different lanes are listed and
   * changed concurrently; within a lane, one call at a time (src/apply/lanes.ts). Default: one lane.
   */
  laneOf?: LaneOf | undefined;
}

/**
 * One reconcile, in named phases over values (docs/design.md), as octoDNS's Manager.sync and
 * gitops-engine's sync context run theirs:
 *
 *   observe  exactly one GET per declared workspace (src/apply/observe.ts)
 *   plan     the pure planner (src/plan/plan.ts), and the plan's identity
 *   check    review, mass-delete guard, preflights: refusals as data (src/apply/check.ts)
 *   apply    the plan's calls in order, each returning its outcome (src/apply/apply.ts)
 *   converge a create that met "already in use" adopts and converges what an earlier attempt made,
 *            with the planner's own call (src/apply/converge.ts)
 *
 * Safety (the worst bugs here are a wrong DELETE and a leaked secret): an unreadable workspace is
 * never planned; a guard or review refusal changes nothing anywhere; a dry run, a refusal or a stop
 * during observe applies nothing; live state after a change comes from the API's answer.
 */
export async function reconcile(opts: ReconcileOptions): Promise<ReconcileResult> {
  const { desired, api, dryRun, logger, signal } = opts;
  const observed = await observe(desired, api, signal, logger, opts.laneOf);

  const plan = planAll(desired, observed.live);
  const identity = opts.identify?.({ desired, live: observed.live, plan });

  const verdict = await check({
    plan,
    live: observed.live,
    identity,
    settings: opts,
    review: opts.check,
    preflight: opts.preflight,
    logger,
  });

  const planned = plan.workspaces.flatMap((wp) =>
    wp.changes.map((change): ChangeOutcome => ({ change, status: 'planned' })),
  );
  if (!dryRun && verdict.guarded.size > 0) {
    logger?.warn(
      { refused: [...verdict.guarded] },
      'mass-delete guard refused the plan: nothing was changed in any workspace',
    );
  }
  const applied =
    !dryRun && !verdict.refusesAll && !observed.aborted
      ? await applyPlan({
          api,
          planned,
          blocked: verdict.blocked,
          live: observed.live,
          signal,
          logger,
          onApplied: opts.onApplied,
          laneOf: opts.laneOf,
        })
      : { outcomes: planned, aborted: false };

  const result: ReconcileResult = {
    dryRun,
    plan,
    outcomes: applied.outcomes,
    failures: [...observed.failures, ...verdict.failures],
    live: withoutSecrets(observed.live),
  };
  if (observed.aborted || applied.aborted) result.aborted = true;
  if (identity) result.planHash = identity.hash;
  return result;
}

/** The result's live state is for display and metrics; secrets have no business there. */
function withoutSecrets(live: Map<number, Subscription[]>): Map<number, Subscription[]> {
  const out = new Map<number, Subscription[]>();
  for (const [ws, subs] of live) {
    out.set(
      ws,
      subs.map(({ secret: _secret, ...rest }) => rest),
    );
  }
  return out;
}
