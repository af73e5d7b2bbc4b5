import { NotFoundError } from '../errors.js';
import type { Change } from '../plan/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';

/**
 * The API call a planned change stands for, with the body the planner made. Resolves to the API's
 * answer (the subscription as it is now), or undefined for a delete.
 */
export async function execute(api: TogglApi, change: Change): Promise<Subscription | undefined> {
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

/** Puts the API's answer for a subscription into the working live state. */
export function replaceLive(live: Map<number, Subscription[]>, ws: number, sub: Subscription): void {
  const list = live.get(ws) ?? [];
  const i = list.findIndex((s) => s.subscription_id === sub.subscription_id);
  if (i === -1) list.push(sub);
  else list[i] = sub;
  live.set(ws, list);
}

export function removeLive(live: Map<number, Subscription[]>, ws: number, id: number): void {
  const list = live.get(ws);
  if (list)
    live.set(
      ws,
      list.filter((s) => s.subscription_id !== id),
    );
}
