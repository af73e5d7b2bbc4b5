/** Shapes of the Toggl Webhooks API v1 (see the official Swagger file: models.WebhookSubscription). */

export interface ApiEventFilter {
  entity: string;
  action: string;
}

export interface Subscription {
  subscription_id: number;
  workspace_id: number;
  user_id?: number;
  description: string;
  url_callback: string;
  enabled: boolean;
  event_filters: ApiEventFilter[];
  secret?: string;
  validated_at?: string | null;
  has_pending_events?: boolean;
  created_at?: string;
  updated_at?: string | null;
  deleted_at?: string | null;
}

/** Body of POST /subscriptions/{ws} and PUT /subscriptions/{ws}/{id}. */
export interface SubscriptionInput {
  description: string;
  url_callback: string;
  event_filters: ApiEventFilter[];
  enabled: boolean;
  secret?: string;
}

/** GET /limits/{ws} (limits.WorkspaceLimits). */
export interface WorkspaceLimits {
  max_webhooks: number;
  max_events_per_webhook: number;
}

/** GET /event_filters: entity name to the actions it supports. */
export type EventFilterCatalog = Record<string, string[]>;

/** The Webhooks API v1 as the rest of the program sees it. Implemented by `TogglClient`. */
export interface TogglApi {
  listSubscriptions(workspaceId: number): Promise<Subscription[]>;
  createSubscription(workspaceId: number, body: SubscriptionInput): Promise<Subscription>;
  updateSubscription(
    workspaceId: number,
    subscriptionId: number,
    body: SubscriptionInput,
  ): Promise<Subscription>;
  setEnabled(workspaceId: number, subscriptionId: number, enabled: boolean): Promise<Subscription>;
  deleteSubscription(workspaceId: number, subscriptionId: number): Promise<void>;
  ping(workspaceId: number, subscriptionId: number): Promise<{ status?: string }>;
  validate(workspaceId: number, subscriptionId: number, validationCode: string): Promise<void>;
  eventFilters(): Promise<EventFilterCatalog>;
  limits(workspaceId: number): Promise<WorkspaceLimits>;
  status(): Promise<{ status?: string }>;
}
