import { TwsError } from '../errors.js';
import type { PlanIdentity } from '../plan/identity.js';
import { massDeleteViolation } from '../plan/plan.js';
import type { Plan, WorkspacePlan } from '../plan/types.js';
import type { Subscription } from '../toggl/types.js';
import { escapeInvisible } from '../util/unicode.js';
import { asTwsError } from './failures.js';
import type { ReconcileLogger } from './logger.js';
import type { RunSettings, WorkspaceFailure } from './types.js';

/** A pre-change check of one workspace's plan (e.g. GET /limits); what it finds refuses that workspace. */
export type Preflight = (wp: WorkspacePlan, live: readonly Subscription[]) => Promise<WorkspaceFailure[]>;

/** Compares the plan with the one that was reviewed (`sync --plan`, `--expect-plan-hash`). */
export type ReviewCheck = (identity: PlanIdentity | undefined, plan: Plan) => WorkspaceFailure[];

/** The check phase's verdict: refusals as data, for the apply phase to obey and the outputs to show. */
export interface Verdict {
  /** Every refusal, in the order found: review, mass-delete guard, preflight. */
  failures: WorkspaceFailure[];
  /** A refusal that stops every change in every workspace (the review check or the guard). */
  refusesAll: boolean;
  /** Workspaces the guard refused. */
  guarded: ReadonlySet<number>;
  /** Workspaces a preflight refused: no call in them; the others proceed. */
  blocked: ReadonlySet<number>;
}

export interface CheckInput {
  plan: Plan;
  live: ReadonlyMap<number, readonly Subscription[]>;
  identity: PlanIdentity | undefined;
  settings: RunSettings;
  review?: ReviewCheck | undefined;
  preflight?: Preflight | undefined;
  logger?: ReconcileLogger | undefined;
}

/**
 * Check (as octoDNS's `raise_if_unsafe`, but returning refusals instead of raising):
 * - the reviewed plan, when one is expected: any difference refuses the whole run;
 * - the mass-delete guard (docs/plan-rules.md), unless allowed: a hit in any workspace refuses every
 *   change in every workspace, since the other workspaces' plans come from the same suspicious files;
 * - preflights, only when nothing above refused, per workspace with changes; they run on dry runs too,
 *   so CI reports what the API would refuse.
 */
export async function check(input: CheckInput): Promise<Verdict> {
  const { plan, live, logger } = input;
  const failures: WorkspaceFailure[] = [];
  const report = (f: WorkspaceFailure) => {
    failures.push(f);
    // The program's own words (a review or limit refusal); the logger still masks long secrets in them.
    logger?.error({ workspace_id: f.workspace_id, stage: f.stage }, f.error.message);
  };

  const reviewFailures = input.review?.(input.identity, plan) ?? [];
  for (const f of reviewFailures) report(f);

  // Not a refusal of the workspace: its other changes proceed; only these descriptions wait for a person.
  for (const wp of plan.workspaces) for (const f of ambiguityFailures(wp)) report(f);

  const guarded = new Set<number>();
  if (!input.settings.allowMassDelete) {
    for (const wp of plan.workspaces) {
      const violation = massDeleteViolation(wp);
      if (!violation) continue;
      guarded.add(wp.workspace_id);
      failures.push({ workspace_id: wp.workspace_id, stage: 'guard', error: violation });
      logger?.error({ workspace_id: wp.workspace_id, stage: 'guard' }, violation.message);
    }
  }

  const refusesAll = reviewFailures.length > 0 || guarded.size > 0;
  const blocked = new Set<number>();
  if (input.preflight && !refusesAll) {
    for (const wp of plan.workspaces) {
      if (wp.changes.length === 0) continue;
      let found: WorkspaceFailure[];
      try {
        found = await input.preflight(wp, live.get(wp.workspace_id) ?? []);
      } catch (err) {
        found = [{ workspace_id: wp.workspace_id, stage: 'limit', error: asTwsError(err) }];
      }
      for (const f of found) {
        blocked.add(wp.workspace_id);
        report(f);
      }
    }
  }
  return { failures, refusesAll, guarded, blocked };
}

/** One failure per declared description that several live subscriptions carry, naming every id. */
export function ambiguityFailures(wp: WorkspacePlan): WorkspaceFailure[] {
  return (wp.ambiguous ?? []).map(({ description, subscription_ids: ids }) => ({
    workspace_id: wp.workspace_id,
    stage: 'ambiguous',
    error: new TwsError(
      'E_AMBIGUOUS',
      `live subscriptions ${ids.slice(0, -1).join(', ')} and ${ids.at(-1)} ${ids.length === 2 ? 'both have' : 'all have'} the declared description "${escapeInvisible(description)}"; ` +
        'nothing is planned for it and none of them is changed or deleted until only one is left (delete or rename the others in Toggl)',
    ),
  }));
}
