import { createHash, createHmac } from 'node:crypto';
import { type DesiredState, type DesiredSubscription, tokenAlias } from '../config/types.js';
import type { ApiEventFilter, Subscription } from '../toggl/types.js';
import { filterKey } from './filters.js';
import type { Change, Plan } from './types.js';

/**
 * Plan identity: one content hash over what a plan would do and what it was computed from, so that
 * the plan a reviewer approved can be told apart from any other (docs/ci.md, "Reviewed plans").
 *
 * What goes in, per declared workspace: the token alias it uses, `prune`, `ignore`, every declared
 * subscription, every live subscription as listed (or "could not be read"), and the planned calls in
 * execution order. What stays out: file names and order, YAML layout and comments (only the loaded
 * values count), and the fields the API maintains by itself (`validated_at`, `has_pending_events`,
 * timestamps), which change without anyone editing and never change a plan.
 *
 * Secrets never enter as values, nor as plain hashes (a short secret could be found by trying
 * candidates against a plain hash in a plan file). `secret` and `url_callback` (a URL may carry
 * credentials) enter as HMAC-SHA256 digests keyed per token alias with a key derived from the API
 * token (`planKeyFromToken`): nobody without the token can test a guess. Consequence: the hash
 * changes when a token rotates, and a plan can only be checked by someone holding the same token.
 *
 * Pure: the same values and keys give the same hash on every run and machine.
 */

export const IDENTITY_VERSION = 1;

/** The document the hash is computed over; it holds no secret value and no unkeyed digest of one. */
export interface IdentityDocument {
  version: typeof IDENTITY_VERSION;
  workspaces: IdentityWorkspace[];
}

export interface IdentityWorkspace {
  workspace_id: number;
  /** The name of the variable holding the token, never the token. */
  token: string;
  /** A keyed digest of a fixed text: tells "token rotated" apart from "every value changed". */
  key_check: string;
  prune: boolean;
  ignore: string[];
  /** By description. */
  desired: IdentitySubscription[];
  /** By subscription_id; null when the workspace could not be listed. */
  live: IdentityLiveSubscription[] | null;
  /** In execution order. */
  changes: IdentityChange[];
}

export interface IdentitySubscription {
  description: string;
  url_callback_hmac: string;
  enabled: boolean;
  /** `entity:action`, sorted: the API treats filters as a set. */
  event_filters: string[];
  /** null when not declared (or, live, not returned). */
  secret_hmac: string | null;
}

export interface IdentityLiveSubscription extends IdentitySubscription {
  subscription_id: number;
}

export interface IdentityChange {
  action: Change['action'];
  description: string;
  subscription_id: number | null;
  /** The body a create or update sends; for a patch only `enabled`. */
  url_callback_hmac?: string;
  enabled?: boolean;
  event_filters?: string[];
  secret_hmac?: string | null;
}

export interface IdentityInput {
  desired: DesiredState;
  /** Live state as listed before any change; a declared workspace missing here could not be read. */
  live: ReadonlyMap<number, readonly Subscription[]>;
  plan: Plan;
  /** The key for a token alias (see planKeyFromToken). */
  keyFor: (alias: string) => Uint8Array;
  /**
   * Whether a live description would show a secret (the run's scrub would change it). Such a
   * description is written as a keyed digest, so a plan file, which CI often keeps as an artefact,
   * never holds it: it still changes the hash when it changes (docs/secrets.md).
   */
  showsSensitive?: (text: string) => boolean;
}

export interface PlanIdentity {
  hash: string;
  document: IdentityDocument;
}

const KEY_LABEL = 'toggl-webhooks-sync plan-hash key v1';
const KEY_CHECK_LABEL = 'toggl-webhooks-sync plan-hash key check v1';

/**
 * The digest key for one token: HMAC-SHA256(token, label). Toggl API tokens are 128-bit random values,
 * so the key cannot be found from the public plan file; the token itself never leaves this function.
 */
export function planKeyFromToken(token: string): Uint8Array {
  return createHmac('sha256', token).update(KEY_LABEL).digest();
}

export function planIdentity(input: IdentityInput): PlanIdentity {
  const document = identityDocument(input);
  return { hash: hashIdentityDocument(document), document };
}

/** SHA-256 of the canonical JSON of the document, lowercase hex. */
export function hashIdentityDocument(document: IdentityDocument): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

export function identityDocument(input: IdentityInput): IdentityDocument {
  const changesOf = new Map(input.plan.workspaces.map((wp) => [wp.workspace_id, wp.changes]));
  const workspaces = [...input.desired.workspaces]
    .sort((a, b) => a.workspace_id - b.workspace_id)
    .map((ws): IdentityWorkspace => {
      const alias = tokenAlias(ws);
      const key = input.keyFor(alias);
      const digest = (value: string) => hmacHex(key, value);
      // Live descriptions are text from the API; a declared one is the user's own.
      const liveDescription = (d: string) =>
        input.showsSensitive?.(d) ? `(sensitive description ${digest(d).slice(0, 16)})` : d;
      const live = input.live.get(ws.workspace_id);
      return {
        workspace_id: ws.workspace_id,
        token: alias,
        key_check: hmacHex(key, KEY_CHECK_LABEL).slice(0, 16),
        prune: ws.prune,
        ignore: [...new Set(ws.ignore)].sort(compareText),
        desired: [...ws.subscriptions.values()]
          .map((s) => desiredEntry(s, digest))
          .sort((a, b) => compareText(a.description, b.description)),
        live: live
          ? live
              .map((s) => liveEntry({ ...s, description: liveDescription(s.description) }, digest))
              .sort((a, b) => a.subscription_id - b.subscription_id)
          : null,
        changes: (changesOf.get(ws.workspace_id) ?? []).map((c) =>
          // A delete names a live subscription by its live description.
          changeEntry(
            c.action === 'delete' ? { ...c, description: liveDescription(c.description) } : c,
            digest,
          ),
        ),
      };
    });
  return { version: IDENTITY_VERSION, workspaces };
}

type Digest = (value: string) => string;

function desiredEntry(s: DesiredSubscription, digest: Digest): IdentitySubscription {
  return {
    description: s.description,
    url_callback_hmac: digest(s.url_callback),
    enabled: s.enabled,
    event_filters: filterList(s.event_filters),
    secret_hmac: s.secret === undefined ? null : digest(s.secret),
  };
}

function liveEntry(s: Subscription, digest: Digest): IdentityLiveSubscription {
  return {
    subscription_id: s.subscription_id,
    description: s.description,
    url_callback_hmac: digest(s.url_callback),
    enabled: s.enabled,
    event_filters: filterList(s.event_filters ?? []),
    secret_hmac: typeof s.secret === 'string' ? digest(s.secret) : null,
  };
}

function changeEntry(c: Change, digest: Digest): IdentityChange {
  const base = {
    action: c.action,
    description: c.description,
    subscription_id: c.action === 'create' ? null : c.subscription_id,
  };
  if (c.action === 'patch') return { ...base, enabled: c.enabled };
  if (c.action === 'delete') return base;
  return {
    ...base,
    url_callback_hmac: digest(c.body.url_callback),
    enabled: c.body.enabled,
    event_filters: filterList(c.body.event_filters),
    secret_hmac: c.body.secret === undefined ? null : digest(c.body.secret),
  };
}

/** Sorted but not deduplicated: a live duplicate filter is a difference worth seeing. */
function filterList(filters: readonly ApiEventFilter[]): string[] {
  return filters.map(filterKey).sort(compareText);
}

function hmacHex(key: Uint8Array, value: string): string {
  return createHmac('sha256', key).update(value, 'utf8').digest('hex');
}

/** Code-unit order, independent of locale (localeCompare differs between machines). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * JSON with object keys sorted at every level and no whitespace, so the text (and the hash) depends only
 * on the values, never on the order in which an object was built.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new TypeError('not a finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compareText(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
