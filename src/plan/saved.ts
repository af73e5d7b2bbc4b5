import type { DesiredState } from '../config/types.js';
import { PlanError } from '../errors.js';
import {
  canonicalJson,
  hashIdentityDocument,
  IDENTITY_VERSION,
  type IdentityChange,
  type IdentityDocument,
  type IdentityLiveSubscription,
  type IdentitySubscription,
  type IdentityWorkspace,
} from './identity.js';

/**
 * Saved plans (`plan --out FILE`, `sync --plan FILE`, `sync --expect-plan-hash H`; docs/ci.md).
 *
 * A plan file is JSON a reviewer can read: the changes as `--output json` shows them, where each
 * declaration sits, and the identity document the hash is computed over (no secret values; secrets and
 * URLs only as keyed digests). `sync --plan` never executes anything *from* the file: it plans again
 * from the files and the live state and applies that plan only if its hash equals the saved one. A
 * forged or edited plan file can therefore make a run refuse, never make it call something else.
 *
 * Everything here is pure: reading the file and the clock happen in the command.
 */

export const SAVED_PLAN_FORMAT = 'toggl-webhooks-sync plan';
export const SAVED_PLAN_VERSION = 1;

/** Longest plan file read (a plan of thousands of subscriptions is well under 1 MiB). */
export const MAX_PLAN_FILE_BYTES = 16 * 1024 * 1024;

/** `--max-plan-age` default: a reviewed plan is applied the same day or planned again. */
export const DEFAULT_MAX_PLAN_AGE_MS = 24 * 3_600_000;

/** A plan "from the future" beyond this is refused: the file's clock or its date is wrong. */
export const CLOCK_SKEW_MS = 5 * 60_000;

export interface SavedPlan {
  format: typeof SAVED_PLAN_FORMAT;
  format_version: typeof SAVED_PLAN_VERSION;
  plan_hash: string;
  /** ISO 8601, UTC. */
  created_at: string;
  created_by: string;
  /** The paths the plan was made from; `sync --plan` reads these when given none. */
  paths: string[];
  /** For people: the changes as `--output json` prints them. Not used to decide anything. */
  review: unknown;
  /** Where each workspace and subscription was declared, to name the file of a difference. */
  sources: SavedSources;
  identity: IdentityDocument;
}

export interface SavedSources {
  [workspaceId: string]: { declared_in: string[]; subscriptions: Record<string, string> };
}

export function sourcesOf(desired: DesiredState): SavedSources {
  const out: SavedSources = {};
  for (const ws of desired.workspaces) {
    const subscriptions: Record<string, string> = {};
    for (const s of ws.subscriptions.values()) subscriptions[s.description] = place(s.source);
    out[String(ws.workspace_id)] = { declared_in: ws.sources.map(place), subscriptions };
  }
  return out;
}

function place(p: { file: string; line: number; col: number }): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
}

export function buildSavedPlan(input: {
  hash: string;
  identity: IdentityDocument;
  createdAt: Date;
  createdBy: string;
  paths: string[];
  review: unknown;
  desired: DesiredState;
}): SavedPlan {
  return {
    format: SAVED_PLAN_FORMAT,
    format_version: SAVED_PLAN_VERSION,
    plan_hash: input.hash,
    created_at: input.createdAt.toISOString(),
    created_by: input.createdBy,
    paths: [...input.paths],
    review: input.review,
    sources: sourcesOf(input.desired),
    identity: input.identity,
  };
}

/**
 * Parses and checks a plan file: its shape, that its hash is the hash of its own identity document (an
 * edited file is refused), and its age. Throws PlanError naming the problem.
 */
export function parseSavedPlan(text: string, where: string, now: Date, maxAgeMs: number): SavedPlan {
  if (text.length > MAX_PLAN_FILE_BYTES) {
    throw new PlanError(`${where}: larger than ${MAX_PLAN_FILE_BYTES} bytes; not a plan file`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new PlanError(`${where}: not JSON (${(err as Error).message}); write it with plan --out`);
  }
  const problem = savedPlanProblem(raw);
  if (problem) throw new PlanError(`${where}: not a plan file of this tool: ${problem}`);
  const plan = raw as SavedPlan;
  if (hashIdentityDocument(plan.identity) !== plan.plan_hash) {
    throw new PlanError(
      `${where}: the file was changed after it was written (its plan_hash is not the hash of its content); plan again`,
    );
  }
  const created = Date.parse(plan.created_at);
  const age = now.getTime() - created;
  if (age < -CLOCK_SKEW_MS) {
    throw new PlanError(`${where}: created_at ${plan.created_at} is in the future; refusing the plan`);
  }
  if (age > maxAgeMs) {
    throw new PlanError(
      `${where}: the plan is ${formatAge(age)} old, older than --max-plan-age ${formatAge(maxAgeMs)}; plan again`,
    );
  }
  return plan;
}

export function formatAge(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
  return `${Math.floor(hours / 24)}d${hours % 24 ? `${hours % 24}h` : ''}`;
}

const HEX64 = /^[0-9a-f]{64}$/;

/** What is wrong with the shape of a would-be plan file, or undefined when it is one. */
function savedPlanProblem(raw: unknown): string | undefined {
  if (!isObject(raw)) return 'not an object';
  if (raw['format'] !== SAVED_PLAN_FORMAT) return `format is not "${SAVED_PLAN_FORMAT}"`;
  if (raw['format_version'] !== SAVED_PLAN_VERSION) {
    return `format_version ${JSON.stringify(raw['format_version'])} is not supported (expected ${SAVED_PLAN_VERSION})`;
  }
  if (typeof raw['plan_hash'] !== 'string' || !HEX64.test(raw['plan_hash'])) return 'plan_hash is not a hash';
  if (typeof raw['created_at'] !== 'string' || Number.isNaN(Date.parse(raw['created_at']))) {
    return 'created_at is not a date';
  }
  if (!isStringArray(raw['paths'])) return 'paths is not a list of paths';
  if (!isObject(raw['sources'])) return 'sources is missing';
  for (const entry of Object.values(raw['sources'])) {
    if (!isObject(entry) || !isStringArray(entry['declared_in']) || !isObject(entry['subscriptions'])) {
      return 'sources is malformed';
    }
    if (!Object.values(entry['subscriptions']).every((v) => typeof v === 'string'))
      return 'sources is malformed';
  }
  const identity = raw['identity'];
  if (
    !isObject(identity) ||
    identity['version'] !== IDENTITY_VERSION ||
    !Array.isArray(identity['workspaces'])
  ) {
    return 'identity is missing or of another version';
  }
  for (const ws of identity['workspaces']) {
    const p = workspaceProblem(ws);
    if (p) return `identity: ${p}`;
  }
  return undefined;
}

function workspaceProblem(ws: unknown): string | undefined {
  if (!isObject(ws)) return 'a workspace is not an object';
  if (!isId(ws['workspace_id'])) return 'workspace_id';
  if (typeof ws['token'] !== 'string' || typeof ws['key_check'] !== 'string') return 'token';
  if (typeof ws['prune'] !== 'boolean' || !isStringArray(ws['ignore'])) return 'prune / ignore';
  if (!Array.isArray(ws['desired']) || !ws['desired'].every((s) => isSubscription(s, false)))
    return 'desired';
  if (
    ws['live'] !== null &&
    (!Array.isArray(ws['live']) || !ws['live'].every((s) => isSubscription(s, true)))
  ) {
    return 'live';
  }
  if (!Array.isArray(ws['changes']) || !ws['changes'].every(isChange)) return 'changes';
  return undefined;
}

function isSubscription(s: unknown, live: boolean): boolean {
  return (
    isObject(s) &&
    typeof s['description'] === 'string' &&
    typeof s['url_callback_hmac'] === 'string' &&
    typeof s['enabled'] === 'boolean' &&
    isStringArray(s['event_filters']) &&
    (s['secret_hmac'] === null || typeof s['secret_hmac'] === 'string') &&
    (!live || isId(s['subscription_id']))
  );
}

function isChange(c: unknown): boolean {
  return (
    isObject(c) &&
    ['create', 'update', 'patch', 'delete'].includes(c['action'] as string) &&
    typeof c['description'] === 'string' &&
    (c['subscription_id'] === null || isId(c['subscription_id']))
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}
function isId(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0;
}

/** One thing that changed since a plan was made, for one workspace (0: the run as a whole). */
export interface PlanDifference {
  workspace_id: number;
  message: string;
}

/**
 * What changed between the saved plan and the plan made now, named the way a person can check it: the
 * file and declaration, or the live subscription, and the field. Empty only when the identities agree.
 */
export function explainDifferences(
  saved: { identity: IdentityDocument; sources: SavedSources },
  current: { identity: IdentityDocument; sources: SavedSources },
): PlanDifference[] {
  const out: PlanDifference[] = [];
  const before = new Map(saved.identity.workspaces.map((w) => [w.workspace_id, w]));
  const after = new Map(current.identity.workspaces.map((w) => [w.workspace_id, w]));
  for (const [id, was] of before) {
    if (!after.has(id)) {
      const where = saved.sources[String(id)]?.declared_in.join(', ') ?? 'the files';
      out.push({
        workspace_id: id,
        message: `workspace ${id} is no longer declared (was declared in ${where})`,
      });
    }
    const now = after.get(id);
    if (now)
      out.push(...workspaceDifferences(was, now, saved.sources[String(id)], current.sources[String(id)]));
  }
  for (const [id] of after) {
    if (!before.has(id)) {
      const where = current.sources[String(id)]?.declared_in.join(', ') ?? 'the files';
      out.push({ workspace_id: id, message: `workspace ${id} is newly declared in ${where}` });
    }
  }
  if (out.length === 0 && hashIdentityDocument(saved.identity) !== hashIdentityDocument(current.identity)) {
    out.push({
      workspace_id: 0,
      message: 'the planned calls differ from the saved ones (was the plan made by another version?)',
    });
  }
  return out;
}

type Sources = SavedSources[string] | undefined;

function workspaceDifferences(
  was: IdentityWorkspace,
  now: IdentityWorkspace,
  srcWas: Sources,
  srcNow: Sources,
): PlanDifference[] {
  const id = now.workspace_id;
  const out: string[] = [];
  const declaredIn = (srcNow ?? srcWas)?.declared_in.join(', ') ?? 'the files';
  if (was.token !== now.token) {
    out.push(`its token changed from ${was.token} to ${now.token} (declared in ${declaredIn})`);
  } else if (was.key_check !== now.key_check) {
    // Every keyed digest differs with another key: naming each field would only mislead.
    out.push(
      `the API token in ${now.token} is not the one the plan was made with (rotated?); plan again with the current token`,
    );
    return out.map((message) => ({ workspace_id: id, message: `workspace ${id}: ${message}` }));
  }
  if (was.prune !== now.prune)
    out.push(`prune changed from ${was.prune} to ${now.prune} (declared in ${declaredIn})`);
  if (was.ignore.join('\n') !== now.ignore.join('\n')) out.push(`ignore changed (declared in ${declaredIn})`);

  const desiredWas = new Map(was.desired.map((s) => [s.description, s]));
  const desiredNow = new Map(now.desired.map((s) => [s.description, s]));
  for (const [name, s] of desiredNow) {
    const at = srcNow?.subscriptions[name] ?? 'the files';
    const old = desiredWas.get(name);
    if (!old) out.push(`${JSON.stringify(name)} was added in ${at}`);
    else {
      const fields = fieldDifferences(old, s);
      if (fields.length > 0) out.push(`${JSON.stringify(name)} in ${at} changed: ${fields.join(', ')}`);
    }
  }
  for (const name of desiredWas.keys()) {
    if (!desiredNow.has(name)) {
      out.push(
        `${JSON.stringify(name)} was removed (was declared in ${srcWas?.subscriptions[name] ?? 'the files'})`,
      );
    }
  }

  if (was.live === null || now.live === null) {
    if (was.live !== now.live) {
      out.push(
        was.live === null
          ? 'its live subscriptions could not be listed when the plan was made'
          : 'its live subscriptions cannot be listed now',
      );
    }
  } else {
    const liveWas = new Map(was.live.map((s) => [s.subscription_id, s]));
    const liveNow = new Map(now.live.map((s) => [s.subscription_id, s]));
    for (const [sid, s] of liveNow) {
      const old = liveWas.get(sid);
      if (!old) out.push(`live subscription ${sid} ${JSON.stringify(s.description)} appeared since the plan`);
      else {
        const fields = fieldDifferences(old, s);
        if (old.description !== s.description)
          fields.unshift(`description (was ${JSON.stringify(old.description)})`);
        if (fields.length > 0) {
          out.push(
            `live subscription ${sid} ${JSON.stringify(s.description)} changed since the plan: ${fields.join(', ')}`,
          );
        }
      }
    }
    for (const [sid, s] of liveWas) {
      if (!liveNow.has(sid))
        out.push(`live subscription ${sid} ${JSON.stringify(s.description)} was deleted since the plan`);
    }
  }
  if (out.length === 0 && !sameChanges(was.changes, now.changes)) {
    out.push('the planned calls differ from the saved ones (was the plan made by another version?)');
  }
  return out.map((message) => ({ workspace_id: id, message: `workspace ${id}: ${message}` }));
}

/** Compared fields that differ; the description is the key and is handled by the caller. */
function fieldDifferences(
  a: IdentitySubscription | IdentityLiveSubscription,
  b: IdentitySubscription | IdentityLiveSubscription,
): string[] {
  const fields: string[] = [];
  if (a.url_callback_hmac !== b.url_callback_hmac) fields.push('url_callback');
  if (a.enabled !== b.enabled) fields.push(`enabled (${a.enabled} -> ${b.enabled})`);
  if (a.event_filters.join(' ') !== b.event_filters.join(' ')) {
    const added = b.event_filters.filter((f) => !a.event_filters.includes(f)).map((f) => `+${f}`);
    const removed = a.event_filters.filter((f) => !b.event_filters.includes(f)).map((f) => `-${f}`);
    fields.push(`event_filters (${[...added, ...removed].join(' ') || 'duplicates'})`);
  }
  if (a.secret_hmac !== b.secret_hmac) fields.push('secret');
  return fields;
}

function sameChanges(a: IdentityChange[], b: IdentityChange[]): boolean {
  return canonicalJson(a) === canonicalJson(b);
}
