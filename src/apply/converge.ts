import { planSubscription } from '../plan/plan.js';
import type { CreateChange } from '../plan/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { descriptionKey } from '../util/unicode.js';
import { execute, replaceLive } from './execute.js';
import { asTwsError, failureMessage } from './failures.js';
import type { ReconcileLogger } from './logger.js';
import type { ChangeOutcome } from './types.js';

/**
 * Converge after a create met "description ... already in use": typically our own earlier attempt
 * succeeded and its answer was lost, so the client's retry collided with it. Re-list the workspace
 * once, adopt the subscription with that description, and bring it to the desired state with the one
 * call the planner chooses for it (PATCH or PUT, its body made by the planner as for any plan). Never
 * create again: a second subscription with the same description cannot exist, and trying would loop.
 */
export async function adoptAfterLostCreate(
  api: TogglApi,
  change: CreateChange,
  original: unknown,
  live: Map<number, Subscription[]>,
  logger: ReconcileLogger | undefined,
): Promise<ChangeOutcome> {
  const ws = change.workspace_id;
  const ctx = { workspace_id: ws, action: change.action, description: change.description };
  logger?.warn(ctx, 'create answered "already in use" (a lost response?); re-listing the workspace once');
  let adopted: number | undefined;
  try {
    const relisted = await api.listSubscriptions(ws);
    live.set(ws, relisted);
    // Compared as the planner compares (docs/plan-rules.md#descriptions). The list is of `ws` only:
    // an entry claiming another workspace was refused when it was read (src/toggl/decode.ts).
    const found = relisted.find((s) => descriptionKey(s.description) === descriptionKey(change.description));
    if (!found) {
      const error = failureMessage(original);
      logger?.error({ ...ctx, error }, 'failed');
      return { change, status: 'failed', error };
    }
    adopted = found.subscription_id;
    const followUp = planSubscription(ws, change.desired, found);
    const after = followUp ? await execute(api, followUp) : undefined;
    if (after) replaceLive(live, ws, after);
    logger?.info(
      { ...ctx, subscription_id: adopted, follow_up: after ? 'yes' : 'no' },
      'adopted the subscription created by an earlier attempt',
    );
    return { change, status: 'applied', subscription_id: adopted };
  } catch (err) {
    const error = failureMessage(err);
    logger?.error({ ...ctx, code: asTwsError(err).code, error }, 'failed');
    return {
      change,
      status: 'failed',
      error,
      ...(adopted !== undefined ? { subscription_id: adopted } : {}),
    };
  }
}
