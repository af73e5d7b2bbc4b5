import type { Change } from '../plan/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { redact } from '../util/redact.js';
import type { ReconcileLogger } from './reconcile.js';

/**
 * `--ping-new`: after a create or a URL change was applied, ping the subscription once. A receiver that
 * echoes `{"validation_code": ...}` is then validated without manual steps (the docs' synchronous
 * validation). Skipped when the API already reports the subscription validated.
 *
 * A failed ping never fails the run: the change itself was applied, and the subscription can still be
 * validated by hand (`status` prints how). It is logged as a warning.
 */
export function wantsPing(change: Change): boolean {
  return change.action === 'create' || (change.action === 'update' && change.diff.url_callback !== undefined);
}

export async function pingNew(
  api: TogglApi,
  change: Change,
  after: Subscription,
  logger: ReconcileLogger | undefined,
): Promise<void> {
  if (!wantsPing(change) || (typeof after.validated_at === 'string' && after.validated_at !== '')) return;
  const ctx = {
    workspace_id: change.workspace_id,
    subscription_id: after.subscription_id,
    description: change.description,
  };
  try {
    const answer = await api.ping(change.workspace_id, after.subscription_id);
    logger?.info({ ...ctx, ping_status: redact(String(answer?.status ?? '')) }, 'pinged (--ping-new)');
  } catch (err) {
    logger?.warn(
      ctx,
      redact(
        `ping failed (--ping-new); validate it by hand: ${err instanceof Error ? err.message : String(err)}`,
      ),
    );
  }
}
