import type { DesiredState, DesiredSubscription } from '../config/types.js';
import { ApiError, NotFoundError, QuotaError, TwsError, ValidationError } from '../errors.js';
import type { PlanIdentity } from '../plan/identity.js';
import { differences, massDeleteViolation, planAll } from '../plan/plan.js';
import type { Change, CreateChange, Plan, WorkspacePlan } from '../plan/types.js';
import type { Subscription, SubscriptionInput, TogglApi } from '../toggl/types.js';
import { redact, registerSecret } from '../util/redact.js';
import type { ChangeOutcome, ReconcileResult, RunSettings, WorkspaceFailure } from './types.js';

/** The few pino methods reconcile uses; a pino logger (src/log/logger.ts) satisfies it. */
export interface ReconcileLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

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
  preflight?: ((wp: WorkspacePlan, live: readonly Subscription[]) => Promise<WorkspaceFailure[]>) | undefined;
  /**
   * Called after each change that was applied, with the live state already updated from the API's
   * answer (e.g. `--ping-new`). It must not throw; a rejection is logged and does not fail the change.
   */
  onApplied?:
    | ((outcome: ChangeOutcome, live: ReadonlyMap<number, readonly Subscription[]>) => Promise<void>)
    | undefined;
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
  check?: ((identity: PlanIdentity | undefined, plan: Plan) => WorkspaceFailure[]) | undefined;
}

/**
 * One reconcile: exactly one GET per declared workspace, a pure plan, then the plan's calls in order.
 *
 * Safety decisions (the worst bugs here are a wrong DELETE and a leaked secret):
 * - If the mass-delete guard refuses any workspace, nothing is changed in any workspace: a guard hit
 *   almost always means broken files or a wrong workspace id, and then the other workspaces' plans
 *   come from the same suspicious files. Every refusal is reported.
 * - A workspace whose list fails (403, 5xx after retries, ...) is not planned or touched; the other
 *   workspaces proceed, since their live state is known and a single inaccessible workspace must not
 *   freeze a daemon's whole reconcile. The failure is reported and the run exits 1.
 * - One failing change never stops the others: each is attempted and its outcome recorded.
 * - Live state after a change comes from the API's answer; a workspace is never re-read, except once
 *   after a create meets "description ... already in use" (a lost response), to adopt what it made.
 */
export async function reconcile(opts: ReconcileOptions): Promise<ReconcileResult> {
  const { desired, api, dryRun, allowMassDelete, logger, signal } = opts;
  for (const ws of desired.workspaces) {
    for (const sub of ws.subscriptions.values()) registerSecret(sub.secret);
  }

  const live = new Map<number, Subscription[]>();
  const failures: WorkspaceFailure[] = [];
  let aborted = false;
  let refusedByCheck = false;

  for (const ws of desired.workspaces) {
    if (signal?.aborted) {
      aborted = true;
      break;
    }
    const id = ws.workspace_id;
    try {
      const subs = await api.listSubscriptions(id);
      for (const s of subs) registerSecret(s.secret);
      live.set(id, subs);
      logger?.debug({ workspace_id: id, live: subs.length }, 'listed live subscriptions');
    } catch (err) {
      const error = asTwsError(err);
      failures.push({ workspace_id: id, stage: 'list', error });
      logger?.error(
        { workspace_id: id, stage: 'list', code: error.code },
        redact(`workspace ${id}: ${error.message}`),
      );
    }
  }

  const plan = planAll(desired, live);
  const identity = opts.identify?.({ desired, live, plan });
  if (opts.check) {
    for (const f of opts.check(identity, plan)) {
      refusedByCheck = true;
      failures.push(f);
      logger?.error({ workspace_id: f.workspace_id, stage: f.stage }, redact(f.error.message));
    }
  }

  const refused = new Set<number>();
  for (const wp of plan.workspaces) {
    if (allowMassDelete) break;
    const violation = massDeleteViolation(wp);
    if (violation) {
      refused.add(wp.workspace_id);
      failures.push({ workspace_id: wp.workspace_id, stage: 'guard', error: violation });
      logger?.error({ workspace_id: wp.workspace_id, stage: 'guard' }, violation.message);
    }
  }

  const blocked = new Set<number>();
  if (opts.preflight && refused.size === 0 && !refusedByCheck) {
    for (const wp of plan.workspaces) {
      if (wp.changes.length === 0) continue;
      let found: WorkspaceFailure[];
      try {
        found = await opts.preflight(wp, live.get(wp.workspace_id) ?? []);
      } catch (err) {
        found = [{ workspace_id: wp.workspace_id, stage: 'limit', error: asTwsError(err) }];
      }
      for (const f of found) {
        blocked.add(wp.workspace_id);
        failures.push(f);
        logger?.error({ workspace_id: f.workspace_id, stage: f.stage }, redact(f.error.message));
      }
    }
  }

  const outcomes: ChangeOutcome[] = plan.workspaces.flatMap((wp) =>
    wp.changes.map((change): ChangeOutcome => ({ change, status: 'planned' })),
  );

  const apply = !dryRun && refused.size === 0 && !refusedByCheck && !aborted;
  if (!dryRun && refused.size > 0) {
    logger?.warn(
      { refused: [...refused] },
      'mass-delete guard refused the plan: nothing was changed in any workspace',
    );
  }

  if (apply) {
    for (const outcome of outcomes) {
      if (blocked.has(outcome.change.workspace_id)) continue;
      if (signal?.aborted) {
        aborted = true;
        logger?.warn({}, 'stopping: the remaining changes were not applied');
        break;
      }
      await applyOne(api, outcome, live, logger);
      if (outcome.status === 'applied' && opts.onApplied) {
        try {
          await opts.onApplied(outcome, live);
        } catch (err) {
          logger?.warn(
            { workspace_id: outcome.change.workspace_id },
            redact(`after-apply hook failed: ${String(err)}`),
          );
        }
      }
    }
  }

  const result: ReconcileResult = {
    dryRun,
    plan,
    outcomes,
    failures,
    live: withoutSecrets(live),
  };
  if (aborted) result.aborted = true;
  if (identity) result.planHash = identity.hash;
  return result;
}

async function applyOne(
  api: TogglApi,
  outcome: ChangeOutcome,
  live: Map<number, Subscription[]>,
  logger: ReconcileLogger | undefined,
): Promise<void> {
  const change = outcome.change;
  const ws = change.workspace_id;
  const ctx = {
    workspace_id: ws,
    action: change.action,
    description: change.description,
    subscription_id: 'subscription_id' in change ? change.subscription_id : undefined,
  };
  try {
    const after = await execute(api, change);
    if (after) {
      registerSecret(after.secret);
      replaceLive(live, ws, after);
      outcome.subscription_id = after.subscription_id;
    } else if (change.action === 'delete') {
      removeLive(live, ws, change.subscription_id);
    }
    outcome.status = 'applied';
    logger?.info({ ...ctx, subscription_id: outcome.subscription_id ?? ctx.subscription_id }, 'applied');
  } catch (err) {
    if (change.action === 'create' && isDescriptionInUse(err)) {
      await adoptAfterLostCreate(api, outcome, change, err, live, logger);
      return;
    }
    outcome.status = 'failed';
    outcome.error = failureMessage(err);
    logger?.error({ ...ctx, code: asTwsError(err).code }, redact(`failed: ${outcome.error}`));
  }
}

async function execute(api: TogglApi, change: Change): Promise<Subscription | undefined> {
  const ws = change.workspace_id;
  switch (change.action) {
    case 'create':
      return api.createSubscription(ws, change.body);
    case 'update':
      return api.updateSubscription(ws, change.subscription_id, change.body);
    case 'patch':
      return api.setEnabled(ws, change.subscription_id, change.enabled);
    case 'delete':
      try {
        await api.deleteSubscription(ws, change.subscription_id);
      } catch (err) {
        // Gone already (our retried DELETE whose first answer was lost, or removed by someone else
        // since the list): the desired outcome holds.
        if (!(err instanceof NotFoundError)) throw err;
      }
      return undefined;
  }
}

/**
 * A create met "description ... already in use": typically our own earlier attempt succeeded and its
 * answer was lost, so the client's retry collided with it. Re-list the workspace once, adopt the
 * subscription with that description, and bring it to the desired state with one more call if it
 * differs. Never create again: a second subscription with the same description cannot exist, and
 * trying would only loop.
 */
async function adoptAfterLostCreate(
  api: TogglApi,
  outcome: ChangeOutcome,
  change: CreateChange,
  original: unknown,
  live: Map<number, Subscription[]>,
  logger: ReconcileLogger | undefined,
): Promise<void> {
  const ws = change.workspace_id;
  const ctx = { workspace_id: ws, action: change.action, description: change.description };
  logger?.warn(ctx, 'create answered "already in use" (a lost response?); re-listing the workspace once');
  try {
    const relisted = await api.listSubscriptions(ws);
    for (const s of relisted) registerSecret(s.secret);
    live.set(ws, relisted);
    const found = relisted.find((s) => s.description === change.description);
    if (!found) {
      outcome.status = 'failed';
      outcome.error = failureMessage(original);
      logger?.error(ctx, redact(`failed: ${outcome.error}`));
      return;
    }
    outcome.subscription_id = found.subscription_id;
    const after = await converge(api, change.desired, found);
    if (after) {
      registerSecret(after.secret);
      replaceLive(live, ws, after);
    }
    outcome.status = 'applied';
    logger?.info(
      { ...ctx, subscription_id: found.subscription_id, follow_up: after ? 'yes' : 'no' },
      'adopted the subscription created by an earlier attempt',
    );
  } catch (err) {
    outcome.status = 'failed';
    outcome.error = failureMessage(err);
    logger?.error({ ...ctx, code: asTwsError(err).code }, redact(`failed: ${outcome.error}`));
  }
}

/** The one call (PATCH or PUT, as the planner would choose) that makes `have` match `want`, if any. */
async function converge(
  api: TogglApi,
  want: DesiredSubscription,
  have: Subscription,
): Promise<Subscription | undefined> {
  const diffs = differences(want, have);
  if (diffs.length === 0) return undefined;
  if (diffs.length === 1 && diffs[0] === 'enabled') {
    return api.setEnabled(have.workspace_id, have.subscription_id, want.enabled);
  }
  const body: SubscriptionInput = {
    description: want.description,
    url_callback: want.url_callback,
    event_filters: want.event_filters.map((f) => ({ entity: f.entity, action: f.action })),
    enabled: want.enabled,
  };
  // PUT refuses an empty secret: keep the live one unless one is declared.
  const secret = want.secret ?? have.secret;
  if (secret) body.secret = secret;
  return api.updateSubscription(have.workspace_id, have.subscription_id, body);
}

export function isDescriptionInUse(err: unknown): boolean {
  return (
    err instanceof ValidationError &&
    typeof err.apiMessage === 'string' &&
    /description\b[\s\S]*\bis already in use/i.test(err.apiMessage)
  );
}

/** The API's own message when it gave one (that is what a person can act on), else ours; secret-free. */
export function failureMessage(err: unknown): string {
  // A quota error's own message carries the reset time one-shot runs must report.
  if (err instanceof QuotaError) return redact(err.message);
  if (err instanceof ApiError) {
    const text = err.apiMessage ?? err.message;
    return redact(err.status !== undefined && err.apiMessage ? `${text} (HTTP ${err.status})` : text);
  }
  if (err instanceof Error) return redact(err.message);
  return redact(String(err));
}

function asTwsError(err: unknown): TwsError {
  if (err instanceof TwsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TwsError('E_API', redact(message), { cause: err });
}

function replaceLive(live: Map<number, Subscription[]>, ws: number, sub: Subscription): void {
  const list = live.get(ws) ?? [];
  const i = list.findIndex((s) => s.subscription_id === sub.subscription_id);
  if (i === -1) list.push(sub);
  else list[i] = sub;
  live.set(ws, list);
}

function removeLive(live: Map<number, Subscription[]>, ws: number, id: number): void {
  const list = live.get(ws);
  if (list)
    live.set(
      ws,
      list.filter((s) => s.subscription_id !== id),
    );
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
