import { sameFilters } from '../plan/filters.js';
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
 * once, adopt the subscription with that description if it is what the lost attempt sent (same
 * url_callback, event filters, secret when one was sent and the API shows one, and user when known),
 * and bring it to the desired state with the one call the planner chooses for it. Anything else is
 * someone else's subscription: reported, never changed (docs/plan-rules.md#failures-and-retries).
 * Never create again: a second subscription with the same description cannot exist, and trying
 * would loop.
 */
export async function adoptAfterLostCreate(
  api: TogglApi,
  change: CreateChange,
  original: unknown,
  live: Map<number, Subscription[]>,
  logger: ReconcileLogger | undefined,
  tokenUser?: number | undefined,
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
    const foreign = whyNotOurs(change, found, tokenUser);
    if (foreign) {
      // Someone else's subscription under the description we wanted: adopting it would rewrite (or
      // later delete) what another tool or person made. Report it and leave it exactly as it is.
      const error = `${failureMessage(original)}; subscription ${found.subscription_id} has this description but ${foreign}, so it was not made by this run and is left alone`;
      logger?.error({ ...ctx, subscription_id: found.subscription_id, error }, 'failed');
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

/**
 * Why `found` cannot be what our create made, or undefined when it can. Field names only, never values
 * (a URL or secret may be sensitive). `enabled` may differ (corrected with a PATCH); nothing else may.
 */
function whyNotOurs(
  change: CreateChange,
  found: Subscription,
  tokenUser: number | undefined,
): string | undefined {
  const sent = change.body;
  if (found.url_callback !== sent.url_callback) return 'another url_callback';
  if (!sameFilters(found.event_filters ?? [], sent.event_filters)) return 'other event filters';
  if (sent.secret !== undefined && typeof found.secret === 'string' && found.secret !== sent.secret) {
    return 'another secret';
  }
  if (tokenUser !== undefined && typeof found.user_id === 'number' && found.user_id !== tokenUser) {
    return `it belongs to user ${found.user_id}, not to this token's user ${tokenUser}`;
  }
  return undefined;
}
