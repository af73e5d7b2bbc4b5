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

export interface DesiredSubscription {
  description: string;
  url_callback: string;
  enabled: boolean;
  /** Only present when declared; an undeclared secret is never compared. */
  secret?: string;
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
