import type { DesiredSubscription } from '../config/types.js';
import type { Marked } from '../sensitive/value.js';
import type { ApiEventFilter, Subscription, SubscriptionInput } from '../toggl/types.js';

export type ChangeAction = 'create' | 'update' | 'patch' | 'delete';

/**
 * What differs, for people: never holds a secret value, only whether it changed. A URL side is a
 * `Sensitive` when it is (docs/secrets.md): renderers show it as a placeholder without deciding anything.
 */
export interface ChangeDiff {
  description?: { before: string; after: string };
  /** `before` is null for a create: there is no previous value (not an empty one). */
  url_callback?: { before: Marked | null; after: Marked };
  event_filters?: { added: ApiEventFilter[]; removed: ApiEventFilter[] };
  enabled?: { before: boolean | null; after: boolean };
  secret?: { changed: true };
}

interface ChangeBase {
  workspace_id: number;
  description: string;
  diff: ChangeDiff;
}

export interface CreateChange extends ChangeBase {
  action: 'create';
  desired: DesiredSubscription;
  body: SubscriptionInput;
  /**
   * A rename: the live subscription (same url_callback, undeclared description) this one replaces.
   * The create runs first, and the old one is deleted only once it succeeded (docs/plan-rules.md).
   */
  replaces?: number;
}
export interface UpdateChange extends ChangeBase {
  action: 'update';
  subscription_id: number;
  desired: DesiredSubscription;
  live: Subscription;
  body: SubscriptionInput;
}
export interface PatchChange extends ChangeBase {
  action: 'patch';
  subscription_id: number;
  desired: DesiredSubscription;
  live: Subscription;
  enabled: boolean;
}
export interface DeleteChange extends ChangeBase {
  action: 'delete';
  subscription_id: number;
  live: Subscription;
  /** The description of the create that replaces this subscription (a rename), when there is one. */
  replaced_by?: string;
}

export type Change = CreateChange | UpdateChange | PatchChange | DeleteChange;

export interface WorkspacePlan {
  workspace_id: number;
  /** In execution order: renaming creates, deletes, disables, updates, enables and creates. */
  changes: Change[];
  /** Declared subscriptions that already match. */
  unchanged: number;
  /** Live subscriptions left alone because an `ignore` glob matched. */
  ignored: number;
  /** Live subscriptions not declared, kept because `prune: false`. */
  unmanaged: number;
  /** Live subscriptions before any change (for the mass-delete guard). */
  live_count: number;
  /**
   * Declared descriptions that more than one live subscription carries (by id, ascending): nothing is
   * planned for them and none of those subscriptions is touched; the check phase reports each.
   */
  ambiguous?: AmbiguousMatch[];
}

export interface AmbiguousMatch {
  description: string;
  subscription_ids: number[];
}

export interface Plan {
  workspaces: WorkspacePlan[];
}
