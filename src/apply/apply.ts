import type { Change } from '../plan/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { adoptAfterLostCreate } from './converge.js';
import { execute, removeLive, replaceLive } from './execute.js';
import { asTwsError, failureMessage, isDescriptionInUse } from './failures.js';
import { inLanes, type LaneOf, ONE_LANE } from './lanes.js';
import type { ReconcileLogger } from './logger.js';
import type { ChangeOutcome } from './types.js';

/** Called after each applied change, with the live state already updated from the API's answer. */
export type OnApplied = (
  outcome: ChangeOutcome,
  live: ReadonlyMap<number, readonly Subscription[]>,
) => Promise<void>;

export interface ApplyInput {
  api: TogglApi;
  /** The plan's changes as `planned` outcomes, in execution order. */
  planned: readonly ChangeOutcome[];
  /** Workspaces the check phase refused one by one (preflight): their changes stay `planned`. */
  blocked: ReadonlySet<number>;
  /** The working live state, updated from every answer (never re-read, except by convergence). */
  live: Map<number, Subscription[]>;
  signal?: AbortSignal | undefined;
  logger?: ReconcileLogger | undefined;
  onApplied?: OnApplied | undefined;
  /** The token lane of a workspace: lanes are applied concurrently, each in plan order. */
  laneOf?: LaneOf | undefined;
}

/**
 * Apply: the plan's calls in order, each returning its own outcome. One failing change never stops
 * the others. A stop (the signal) ends before the next call: the call in flight finishes and is
 * recorded; the rest stay `planned`.
 */
export async function applyPlan(input: ApplyInput): Promise<{ outcomes: ChangeOutcome[]; aborted: boolean }> {
  const { api, live, logger, signal } = input;
  const laneOf = input.laneOf ?? ONE_LANE;
  // Outcomes keep the plan's order whatever order the lanes finish in; unattempted ones stay planned.
  const outcomes: ChangeOutcome[] = [...input.planned];
  let aborted = false;
  const pending = input.planned.filter((p) => !input.blocked.has(p.change.workspace_id));
  const indexOf = new Map(input.planned.map((p, i) => [p, i]));
  // Renames (src/plan/plan.ts pairRenames): the new subscription is created first. The old one is
  // deleted only if that worked; a create the workspace's limit refused is retried after the delete.
  const renames = new Map<
    number,
    { planned: ChangeOutcome; outcome: ChangeOutcome; limited: boolean; kept?: string | undefined }
  >();
  // The user behind each workspace's token, once an answer told (a create's user_id, a limit refusal's
  // "User N"): an adopted subscription must be that user's (src/apply/converge.ts).
  const tokenUser = new Map<number, number>();
  const replaced = new Map<number, Subscription>();
  for (const p of input.planned)
    if (p.change.action === 'delete') replaced.set(p.change.subscription_id, p.change.live);
  await inLanes(
    pending,
    (p) => laneOf(p.change.workspace_id),
    async (planned) => {
      if (signal?.aborted) {
        if (!aborted) logger?.warn({}, 'stopping: the remaining changes were not applied');
        aborted = true;
        return false;
      }
      const change = planned.change;
      let outcome: ChangeOutcome;
      const rename = change.action === 'delete' ? renames.get(change.subscription_id) : undefined;
      if (rename && rename.outcome.status !== 'applied' && !rename.limited) {
        outcome = {
          change,
          status: 'failed',
          error: `not attempted: its replacement ${JSON.stringify(rename.planned.change.description)} was not created${rename.kept ? ` (${rename.kept})` : ''}, so this subscription is kept`,
        };
        logger?.warn(
          {
            workspace_id: change.workspace_id,
            subscription_id: 'subscription_id' in change ? change.subscription_id : undefined,
          },
          outcome.error ?? '',
        );
      } else {
        outcome = await applyChange(api, change, live, logger, tokenUser);
      }
      outcomes[indexOf.get(planned) as number] = outcome;
      if (change.action === 'create' && change.replaces !== undefined) {
        const refusedBy = outcome.status === 'failed' ? enabledLimitUser(outcome.error) : undefined;
        if (refusedBy?.userId != null) tokenUser.set(change.workspace_id, refusedBy.userId);
        const kept = refusedBy && whyDeletingFreesNoSlot(replaced.get(change.replaces), refusedBy);
        renames.set(change.replaces, { planned, outcome, limited: refusedBy !== undefined && !kept, kept });
      }
      if (rename?.limited && outcome.status === 'applied') {
        // The order was forced: no room for both at once, so the old one went first; now the new one.
        logger?.warn(
          { workspace_id: change.workspace_id, description: rename.planned.change.description },
          'rename: the workspace limit forced delete-then-create',
        );
        const again = await applyChange(api, rename.planned.change, live, logger, tokenUser);
        outcomes[indexOf.get(rename.planned) as number] = again;
        if (again.status === 'applied' && input.onApplied) await input.onApplied(again, live).catch(() => {});
      }
      if (outcome.status === 'applied' && input.onApplied) {
        try {
          await input.onApplied(outcome, live);
        } catch (err) {
          logger?.warn(
            { workspace_id: outcome.change.workspace_id, error: String(err) },
            'after-apply hook failed',
          );
        }
      }
      return true;
    },
  );
  return { outcomes, aborted };
}

/** One change: its call, the live state updated from the answer, and what happened, as a value. */
export async function applyChange(
  api: TogglApi,
  change: Change,
  live: Map<number, Subscription[]>,
  logger: ReconcileLogger | undefined,
  tokenUser: Map<number, number> = new Map(),
): Promise<ChangeOutcome> {
  const ws = change.workspace_id;
  const ctx = {
    workspace_id: ws,
    action: change.action,
    // A delete names an undeclared live subscription: its description is text from the API and is
    // logged as such, so one holding a short secret is withheld as in the plan (docs/secrets.md).
    ...(change.action === 'delete'
      ? { live_description: change.description }
      : { description: change.description }),
    subscription_id: 'subscription_id' in change ? change.subscription_id : undefined,
  };
  try {
    const after = await execute(api, change);
    const outcome: ChangeOutcome = { change, status: 'applied' };
    if (after) {
      replaceLive(live, ws, after);
      outcome.subscription_id = after.subscription_id;
      if (change.action === 'create' && typeof after.user_id === 'number') tokenUser.set(ws, after.user_id);
    } else if (change.action === 'delete') {
      removeLive(live, ws, change.subscription_id);
    }
    logger?.info({ ...ctx, subscription_id: outcome.subscription_id ?? ctx.subscription_id }, 'applied');
    return outcome;
  } catch (err) {
    if (change.action === 'create' && isDescriptionInUse(err)) {
      return adoptAfterLostCreate(api, change, err, live, logger, tokenUser.get(ws));
    }
    const error = failureMessage(err);
    logger?.error({ ...ctx, code: asTwsError(err).code, error }, 'failed');
    return { change, status: 'failed', error };
  }
}

/**
 * The API's refusal of one more enabled subscription ("User {user_id} already reached the limit of N
 * enabled subscriptions for workspace W"): which user it counts against (the token's), `null` when the
 * message names none, undefined when it is not that refusal.
 */
function enabledLimitUser(message: string | undefined): { userId: number | null } | undefined {
  if (message === undefined || !/reached the limit of \d+ enabled/i.test(message)) return undefined;
  const user = /\bUser (\d+) already reached the limit/i.exec(message);
  return { userId: user ? Number(user[1]) : null };
}

/**
 * Why deleting the old half of a rename would not make room for the new one, or undefined when it
 * would. The limit counts enabled subscriptions per user and workspace: deleting a disabled one, or one
 * that another user owns, frees nothing, and the rename would end with the old one deleted and the new
 * one refused again. When the list carries a user id the refusal's user must be known and equal.
 */
function whyDeletingFreesNoSlot(
  old: Subscription | undefined,
  refusedBy: { userId: number | null },
): string | undefined {
  if (!old) return 'the workspace limit refused it';
  if (!old.enabled) {
    return 'the workspace limit refused it, and deleting this disabled subscription would free no enabled slot';
  }
  if (typeof old.user_id === 'number' && old.user_id !== refusedBy.userId) {
    return refusedBy.userId === null
      ? 'the workspace limit refused it, and it is not known whether this subscription counts against the same user'
      : `the workspace limit refused it for user ${refusedBy.userId}, and this subscription belongs to user ${old.user_id}, so deleting it would free no slot`;
  }
  return undefined;
}
