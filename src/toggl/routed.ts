import type {
  EventFilterCatalog,
  Subscription,
  SubscriptionInput,
  TogglApi,
  WorkspaceLimits,
} from './types.js';

/**
 * One TogglApi over several tokens (docs/configuration.md, "Several organisations"): each workspace's
 * calls go to the client of the token it declares, so each token keeps its own request spacing and
 * quota budget. Calls that name no workspace (event filters, status) use the first token's client:
 * their answers do not depend on the user.
 */
export class RoutedApi implements TogglApi {
  constructor(
    private readonly byWorkspace: ReadonlyMap<number, TogglApi>,
    private readonly fallback: TogglApi,
  ) {}

  private for(workspaceId: number): TogglApi {
    return this.byWorkspace.get(workspaceId) ?? this.fallback;
  }

  listSubscriptions(ws: number): Promise<Subscription[]> {
    return this.for(ws).listSubscriptions(ws);
  }
  createSubscription(ws: number, body: SubscriptionInput): Promise<Subscription> {
    return this.for(ws).createSubscription(ws, body);
  }
  updateSubscription(ws: number, id: number, body: SubscriptionInput): Promise<Subscription> {
    return this.for(ws).updateSubscription(ws, id, body);
  }
  setEnabled(ws: number, id: number, enabled: boolean): Promise<Subscription> {
    return this.for(ws).setEnabled(ws, id, enabled);
  }
  deleteSubscription(ws: number, id: number): Promise<void> {
    return this.for(ws).deleteSubscription(ws, id);
  }
  ping(ws: number, id: number): Promise<{ status?: string }> {
    return this.for(ws).ping(ws, id);
  }
  validate(ws: number, id: number, code: string): Promise<void> {
    return this.for(ws).validate(ws, id, code);
  }
  limits(ws: number): Promise<WorkspaceLimits> {
    return this.for(ws).limits(ws);
  }
  eventFilters(): Promise<EventFilterCatalog> {
    return this.fallback.eventFilters();
  }
  status(): Promise<{ status?: string }> {
    return this.fallback.status();
  }
}
