import type { RunSecrets } from '../sensitive/run-secrets.js';
import type { Subscription, SubscriptionInput, TogglApi } from './types.js';

/**
 * The API as the run sees it, telling `secrets` every sensitive value that passes: live secrets and
 * URLs in answers, secrets in request bodies, validation codes. Nothing else changes.
 */
export function observeSecrets(api: TogglApi, secrets: RunSecrets): TogglApi {
  const seen = <T extends Subscription | Subscription[]>(value: T): T => {
    // A change's answer is undefined when it was not the subscription sent (state unknown).
    if (value !== undefined) secrets.addLive(Array.isArray(value) ? value : [value]);
    return value;
  };
  const sent = (body: SubscriptionInput) => secrets.addValues([body.secret]);
  return {
    listSubscriptions: async (ws) => seen(await api.listSubscriptions(ws)),
    createSubscription: async (ws, body) => {
      sent(body);
      return seen(await api.createSubscription(ws, body));
    },
    updateSubscription: async (ws, id, body) => {
      sent(body);
      return seen(await api.updateSubscription(ws, id, body));
    },
    setEnabled: async (ws, id, enabled) => seen(await api.setEnabled(ws, id, enabled)),
    deleteSubscription: (ws, id) => api.deleteSubscription(ws, id),
    ping: (ws, id) => api.ping(ws, id),
    validate: (ws, id, code) => {
      secrets.addValues([code]);
      return api.validate(ws, id, code);
    },
    eventFilters: () => api.eventFilters(),
    limits: (ws) => api.limits(ws),
    status: () => api.status(),
  };
}
