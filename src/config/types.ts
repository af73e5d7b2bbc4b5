import type { SourcePosition } from '../errors.js';

/**
 * The desired state the loader produces from the YAML files: validated, merged per workspace,
 * defaults applied and `${VAR}` references expanded. The raw file format itself is defined only by
 * `schemas/subscriptions.schema.json`; these types are what the rest of the program consumes.
 */

export interface EventFilter {
  entity: string;
  action: string;
}

/**
 * What of a subscription is sensitive, decided where the value enters (docs/secrets.md). A declared
 * `secret` is always sensitive and needs no mark.
 */
export interface SubscriptionMarks {
  /** Built from a `${VAR}` reference (as a whole), or carrying a credential in its own text. */
  url_callback: boolean;
  /** The values substituted for `${VAR}` references: sensitive on their own too, whatever their length. */
  substituted: string[];
}

export interface DesiredSubscription {
  description: string;
  url_callback: string;
  enabled: boolean;
  /** Only present when declared; an undeclared secret is never compared. Always sensitive. */
  secret?: string;
  sensitive: SubscriptionMarks;
  event_filters: EventFilter[];
  /** Where the subscription was declared (its `description` node), for messages. */
  source: SourcePosition;
}

export interface DesiredWorkspace {
  workspace_id: number;
  prune: boolean;
  /** Glob patterns on description; matching live subscriptions are never touched. */
  ignore: string[];
  /** Keyed by description, in declaration order. */
  subscriptions: Map<string, DesiredSubscription>;
  /** Every document that declared this workspace. */
  sources: SourcePosition[];
}

export interface DesiredState {
  /** Sorted by workspace_id. */
  workspaces: DesiredWorkspace[];
  /** The files that were read, sorted. */
  files: string[];
}
