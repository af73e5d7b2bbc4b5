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

/** The variable that holds the token of a workspace that names none (`token_env`). */
export const DEFAULT_TOKEN_ENV = 'TOGGL_API_TOKEN';

/** The alias of the token a workspace uses: the name of its variable (`token_env`), never the token. */
export function tokenAlias(workspace: { token?: string | undefined }): string {
  return workspace.token ?? DEFAULT_TOKEN_ENV;
}

export interface DesiredWorkspace {
  workspace_id: number;
  /**
   * `token_env`: the NAME of the variable (or NAME_FILE) holding this workspace's API token; also its
   * alias in logs, metrics and plans. Absent means DEFAULT_TOKEN_ENV. Never the token itself.
   */
  token?: string;
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
