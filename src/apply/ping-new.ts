import type { Change } from '../plan/types.js';
import type { TogglApi } from '../toggl/types.js';
import type { OnApplied } from './apply.js';
import type { ReconcileLogger } from './logger.js';

/**
 * `--ping-new`: after a create or a URL change was applied, ping the subscription once. A receiver that
 * echoes `{"validation_code": ...}` is then validated without manual steps (the docs' synchronous
 * validation). Skipped when the API's answer already shows the subscription validated.
 *
 * A failed ping never fails the run: the change itself was applied, and the subscription can still be
 * validated by hand (`status` prints how). It is logged as a warning.
 */
export function wantsPing(change: Change): boolean {
  return change.action === 'create' || (change.action === 'update' && change.diff.url_callback !== undefined);
}

/** The `onApplied` hook of `reconcile` for `--ping-new`. */
export function pingNewHook(api: TogglApi, logger?: ReconcileLogger): OnApplied {
  return async (outcome, live) => {
    const { change } = outcome;
    const id = outcome.subscription_id ?? ('subscription_id' in change ? change.subscription_id : undefined);
    if (outcome.status !== 'applied' || !wantsPing(change) || id === undefined) return;
    const ws = change.workspace_id;
    const after = live.get(ws)?.find((s) => s.subscription_id === id);
    if (typeof after?.validated_at === 'string' && after.validated_at !== '') return;
    const ctx = { workspace_id: ws, subscription_id: id, description: change.description };
    try {
      const answer = await api.ping(ws, id);
      logger?.info({ ...ctx, ping_status: String(answer?.status ?? '') }, 'pinged (--ping-new)');
    } catch (err) {
      logger?.warn(
        { ...ctx, error: err instanceof Error ? err.message : String(err) },
        'ping failed (--ping-new); validate it by hand',
      );
    }
  };
}
