import { dirname, join } from 'node:path';
import type { EventFilterCatalog, WorkspaceLimits } from '../toggl/types.js';
import { ensurePrivateDir, readPrivateFile, userCacheDir, writePrivateFile } from '../util/cache-dir.js';
import type { PrecheckCache } from './prechecks.js';

/**
 * The pre-check answers (GET /limits/{ws}, GET /event_filters) kept on disk between one-shot runs, so
 * a laptop's repeated `plan` of a growing change spends its quota on the list only
 * (docs/limits-and-budgets.md, "API quota"). The rules:
 * - Short-lived (10 minutes by default) and off in CI unless asked: a CI job's cache dies with its
 *   runner anyway, and a shared runner's home is not a place for anything of ours.
 * - Holds no secret, no URL, no description: the two answers hold none, and each is stored under an
 *   HMAC keyed with the token (`TokenRouting.cacheScope`), which reveals neither token nor API URL. A
 *   rotated token or another API starts afresh.
 * - Only ever saves a request. A file that is broken, foreign (another version, another owner, a
 *   symlink), oversized or from the future is ignored as a whole; nothing about it is an error. A
 *   stale limit at worst lets the API refuse one change (which a run reports like any refusal), or
 *   refuses a plan a raised limit would allow until the entry expires: it never adds a call, least of
 *   all a delete.
 */

export const PRECHECK_FILE_NAME = 'prechecks-v1.json';
/** Bound on the file read back: about 2,500 workspaces' limits. */
export const PRECHECK_FILE_MAX_BYTES = 256 * 1024;
export const PRECHECK_TTL_DEFAULT_MS = 10 * 60_000;
const TTL_MIN_MS = 1_000;
const TTL_MAX_MS = 60 * 60_000;
const VERSION = 1;

/** Variables whose presence means a CI job (GitHub Actions, GitLab, Buildkite, CircleCI, Azure, ...). */
const CI_VARIABLES = [
  'GITHUB_ACTIONS',
  'GITLAB_CI',
  'BUILDKITE',
  'CIRCLECI',
  'TRAVIS',
  'TF_BUILD',
  'JENKINS_URL',
  'TEAMCITY_VERSION',
  'BITBUCKET_BUILD_NUMBER',
  'CODEBUILD_BUILD_ID',
  'DRONE',
  'APPVEYOR',
  'CONTINUOUS_INTEGRATION',
];

export type PrecheckFileSettings =
  | { on: true; file: string; ttlMs: number }
  | { on: false; why: string; warning?: string | undefined };

/**
 * Whether and where one-shot runs keep pre-check answers, from the environment:
 * `TWS_PRECHECK_CACHE=on|off` (unset: on, except in CI) and `TWS_PRECHECK_CACHE_TTL_MS` (1 s to 1 h).
 * A value it cannot read turns the cache off with a warning: a cache setting never stops a run.
 */
export function precheckFileSettings(
  env: NodeJS.ProcessEnv,
  cacheDirOf: (env: NodeJS.ProcessEnv) => string | undefined = userCacheDir,
): PrecheckFileSettings {
  const mode = (env['TWS_PRECHECK_CACHE'] ?? '').trim().toLowerCase();
  const asked = ['on', '1', 'true', 'yes'].includes(mode);
  if (!asked && mode !== '') {
    if (['off', '0', 'false', 'no'].includes(mode)) return { on: false, why: 'TWS_PRECHECK_CACHE=off' };
    return {
      on: false,
      why: 'TWS_PRECHECK_CACHE is not on or off',
      warning: `TWS_PRECHECK_CACHE=${JSON.stringify(env['TWS_PRECHECK_CACHE'])} is neither on nor off: the pre-check cache is off`,
    };
  }
  if (!asked && runsInCi(env)) return { on: false, why: 'CI (TWS_PRECHECK_CACHE=on turns it on)' };
  const ttlText = (env['TWS_PRECHECK_CACHE_TTL_MS'] ?? '').trim();
  let ttlMs = PRECHECK_TTL_DEFAULT_MS;
  if (ttlText !== '') {
    ttlMs = /^\d{1,8}$/.test(ttlText) ? Number(ttlText) : Number.NaN;
    if (!(ttlMs >= TTL_MIN_MS && ttlMs <= TTL_MAX_MS))
      return {
        on: false,
        why: 'TWS_PRECHECK_CACHE_TTL_MS out of range',
        warning: `TWS_PRECHECK_CACHE_TTL_MS must be milliseconds from ${TTL_MIN_MS} to ${TTL_MAX_MS}: the pre-check cache is off`,
      };
  }
  const cacheDir = cacheDirOf(env);
  if (cacheDir === undefined) return { on: false, why: 'no cache directory (no home)' };
  return { on: true, file: join(cacheDir, PRECHECK_FILE_NAME), ttlMs };
}

function runsInCi(env: NodeJS.ProcessEnv): boolean {
  const ci = (env['CI'] ?? '').trim().toLowerCase();
  if (ci !== '' && ci !== 'false' && ci !== '0') return true;
  return CI_VARIABLES.some((name) => (env[name] ?? '') !== '');
}

export interface PrecheckFileCache extends PrecheckCache {
  /** Writes what this run asked the API into the file (merged with what is there); never throws. */
  save(): void;
}

export interface PrecheckFileOptions {
  file: string;
  ttlMs: number;
  /** The scope (API URL and token, as a digest) a workspace's answers belong to; undefined: no workspace. */
  scope: (workspaceId: number | undefined) => string;
  now?: () => number;
  /** Called when an answer comes from the file instead of the API. */
  onHit?: (request: string, ageMs: number) => void;
}

interface Stamped<T> {
  at: number;
  value: T;
}
interface ScopeEntries {
  limits: Map<number, Stamped<WorkspaceLimits>>;
  eventFilters?: Stamped<EventFilterCatalog> | undefined;
}
type Entries = Map<string, ScopeEntries>;

/**
 * A PrecheckCache over the file. The file is read on the first question only (a plan that grows no
 * limit never touches it) and written by `save` only when the run asked the API something.
 */
export function openPrecheckFile(opts: PrecheckFileOptions): PrecheckFileCache {
  const now = opts.now ?? Date.now;
  let read: Entries | undefined;
  const asked: Entries = new Map();
  const entries = (): Entries => {
    read ??= readEntries(opts.file, now(), opts.ttlMs);
    return read;
  };
  const scopeOf = (map: Entries, scope: string): ScopeEntries => {
    const found = map.get(scope) ?? { limits: new Map() };
    map.set(scope, found);
    return found;
  };
  const hit = <T>(request: string, entry: Stamped<T> | undefined): T | undefined => {
    if (!entry) return undefined;
    opts.onHit?.(request, now() - entry.at);
    return entry.value;
  };
  return {
    limits: (ws) => {
      const scope = opts.scope(ws);
      return (
        asked.get(scope)?.limits.get(ws)?.value ??
        hit(`GET /limits/${ws}`, entries().get(scope)?.limits.get(ws))
      );
    },
    eventFilters: () => {
      const scope = opts.scope(undefined);
      return (
        asked.get(scope)?.eventFilters?.value ?? hit('GET /event_filters', entries().get(scope)?.eventFilters)
      );
    },
    rememberLimits: (ws, value) => {
      const kept = keptLimits(value as unknown as Record<string, unknown>);
      scopeOf(asked, opts.scope(ws)).limits.set(ws, { at: now(), value: kept });
    },
    rememberEventFilters: (value) => {
      if (validCatalog(value)) scopeOf(asked, opts.scope(undefined)).eventFilters = { at: now(), value };
    },
    save: () => {
      if (asked.size === 0) return;
      try {
        if (!ensurePrivateDir(dirname(opts.file))) return;
        // Read again: another run may have written since; its entries are kept.
        const merged = readEntries(opts.file, now(), opts.ttlMs);
        for (const [scope, mine] of asked) {
          const into = scopeOf(merged, scope);
          for (const [ws, entry] of mine.limits) into.limits.set(ws, entry);
          if (mine.eventFilters) into.eventFilters = mine.eventFilters;
        }
        let text = serialise(merged);
        if (text.length > PRECHECK_FILE_MAX_BYTES) text = serialise(asked);
        if (text.length <= PRECHECK_FILE_MAX_BYTES) writePrivateFile(opts.file, text);
      } catch {
        // A cache that cannot be written is no cache; the run's result does not depend on it.
      }
    },
  };
}

/** The fresh entries of the file; anything unexpected about it means none at all. */
function readEntries(file: string, now: number, ttlMs: number): Entries {
  const bytes = readPrivateFile(file, PRECHECK_FILE_MAX_BYTES);
  if (!bytes) return new Map();
  try {
    return parseEntries(JSON.parse(bytes.toString('utf8')), now, ttlMs) ?? new Map();
  } catch {
    return new Map();
  }
}

/** Exported for tests. Undefined when the document is not one this version wrote. */
export function parseEntries(doc: unknown, now: number, ttlMs: number): Entries | undefined {
  if (!isRecord(doc) || doc['version'] !== VERSION || !isRecord(doc['scopes'])) return undefined;
  const fresh = (at: unknown): at is number =>
    Number.isSafeInteger(at) && (at as number) <= now && now - (at as number) < ttlMs;
  const out: Entries = new Map();
  for (const [scope, body] of Object.entries(doc['scopes'])) {
    if (!/^[0-9a-f]{64}$/.test(scope) || !isRecord(body)) return undefined;
    const entries: ScopeEntries = { limits: new Map() };
    const limits = body['limits'] ?? {};
    if (!isRecord(limits)) return undefined;
    for (const [key, entry] of Object.entries(limits)) {
      const ws = Number(key);
      if (!/^[1-9]\d{0,15}$/.test(key) || !Number.isSafeInteger(ws) || !isRecord(entry)) return undefined;
      const { at, ...value } = entry;
      // Exactly what `save` writes: the documented counts and nothing else.
      const kept = keptLimits(value);
      if (Object.keys(kept).length !== Object.keys(value).length) return undefined;
      if (fresh(at)) entries.limits.set(ws, { at, value: kept });
    }
    const filters = body['event_filters'];
    if (filters !== undefined) {
      if (!isRecord(filters) || !validCatalog(filters['catalog'])) return undefined;
      if (fresh(filters['at'])) entries.eventFilters = { at: filters['at'], value: filters['catalog'] };
    }
    out.set(scope, entries);
  }
  return out;
}

function serialise(entries: Entries): string {
  const scopes: Record<string, unknown> = {};
  for (const [scope, { limits, eventFilters }] of entries) {
    if (limits.size === 0 && !eventFilters) continue;
    const body: Record<string, unknown> = {};
    if (limits.size > 0)
      body['limits'] = Object.fromEntries([...limits].map(([ws, e]) => [ws, { at: e.at, ...e.value }]));
    if (eventFilters) body['event_filters'] = { at: eventFilters.at, catalog: eventFilters.value };
    scopes[scope] = body;
  }
  return `${JSON.stringify({ version: VERSION, scopes })}\n`;
}

const LIMIT_FIELDS = ['max_webhooks', 'max_events_per_webhook'] as const;

/**
 * The two documented numbers of a /limits answer, each only when it is a plain count: anything else
 * in an answer (a field added later, an odd value, which the check reads as "unknown") is not kept,
 * so what the file holds is exactly what a later check may use.
 */
function keptLimits(value: Record<string, unknown>): WorkspaceLimits {
  const kept: Partial<Record<(typeof LIMIT_FIELDS)[number], number>> = {};
  for (const field of LIMIT_FIELDS) {
    const count = value[field];
    if (Number.isSafeInteger(count) && (count as number) >= 0) kept[field] = count as number;
  }
  return kept as WorkspaceLimits;
}

/** Entity names to lists of action names, all short plain strings, in bounded numbers. */
function validCatalog(value: unknown): value is EventFilterCatalog {
  if (!isRecord(value)) return false;
  const entities = Object.entries(value);
  if (entities.length > 200) return false;
  return entities.every(
    ([entity, actions]) =>
      isShortName(entity) && Array.isArray(actions) && actions.length <= 100 && actions.every(isShortName),
  );
}

function isShortName(value: unknown): boolean {
  return typeof value === 'string' && value.length > 0 && value.length <= 100;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
