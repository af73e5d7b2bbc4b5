import type { DesiredState } from '../config/types.js';
import { ConfigError, type TwsError } from '../errors.js';
import { catalogViolations, inBuiltinCatalog } from '../plan/catalog.js';
import { growsLimitedQuantity, limitViolations } from '../plan/limits.js';
import type { EventFilterCatalog, TogglApi, WorkspaceLimits } from '../toggl/types.js';
import type { Preflight } from './check.js';
import type { ReconcileLogger } from './logger.js';
import type { WorkspaceFailure } from './types.js';

/**
 * Pre-checks between planning and applying: the workspace's documented limits (GET /limits/{ws}) and the
 * supported event filters (GET /event_filters). A plan the API would refuse half-way fails as a whole,
 * before any mutating call, in dry runs too (so CI catches it on the pull request).
 *
 * Quota-frugal (docs/limits-and-budgets.md, "API quota"): a pre-check request is made only when its
 * answer can change the outcome, because Free plans have 30 requests per hour shared by every user of
 * the token.
 * - GET /limits/{ws} only when the plan grows a limited quantity beyond what is live: more enabled
 *   subscriptions, or more filters on one subscription than any live one carries. A converged run, a
 *   plan that only deletes, disables, renames URLs or changes secrets reads nothing.
 * - GET /event_filters only when a filter being sent is outside the built-in catalogue (the schema's
 *   entities and actions, which the loader already enforces): in practice never.
 * - These endpoints are optional pre-checks: when one fails (a 404 on an API without it, a 5xx), the
 *   check is skipped with a warning. It never blocks a sync, and it never causes a delete either: a
 *   failed check only ever removes calls from a run, never adds one.
 */

/**
 * Answers of GET /limits and GET /event_filters kept beyond one run: in memory between the daemon's
 * reconciles (`createPrecheckCache`), on disk between one-shot runs (`apply/precheck-file.ts`). A
 * cached answer only ever saves a request: it is used where a fresh one would have been asked for.
 */
export interface PrecheckCache {
  /** A fresh enough answer of GET /limits/{ws}, or undefined (ask the API). */
  limits(workspaceId: number): WorkspaceLimits | undefined;
  rememberLimits(workspaceId: number, value: WorkspaceLimits): void;
  /** A fresh enough answer of GET /event_filters, or undefined (ask the API). */
  eventFilters(): EventFilterCatalog | undefined;
  rememberEventFilters(value: EventFilterCatalog): void;
}

/** The daemon's in-memory cache for `limitsPreflight({ cache })`; limits and filters rarely change. */
export function createPrecheckCache(ttlMs = 15 * 60_000, now: () => number = Date.now): PrecheckCache {
  const limits = new Map<number, { value: WorkspaceLimits; at: number }>();
  let filters: { value: EventFilterCatalog; at: number } | undefined;
  const fresh = <T>(entry: { value: T; at: number } | undefined): T | undefined =>
    entry && now() - entry.at < ttlMs ? entry.value : undefined;
  return {
    limits: (ws) => fresh(limits.get(ws)),
    rememberLimits: (ws, value) => limits.set(ws, { value, at: now() }),
    eventFilters: () => fresh(filters),
    rememberEventFilters: (value) => {
      filters = { value, at: now() };
    },
  };
}

export interface PreflightOptions {
  api: TogglApi;
  desired: DesiredState;
  logger?: ReconcileLogger | undefined;
  /** Keeps answers across runs (the daemon, or on disk); without it each run reads them afresh. */
  cache?: PrecheckCache | undefined;
}

export type { Preflight };

/**
 * The `preflight` hook of `reconcile`; create one per run. Reconcile calls it for each workspace plan
 * with changes, then logs and reports what it returns (stage `limit`) and refuses that workspace's plan.
 * GET /event_filters is read at most once per run (or per cache TTL), GET /limits once per workspace.
 */
export function limitsPreflight(opts: PreflightOptions): Preflight {
  const { api, desired, logger, cache } = opts;
  let catalog: Promise<EventFilterCatalog | undefined> | undefined;
  const byId = new Map(desired.workspaces.map((d) => [d.workspace_id, d]));
  return async (wp, live) => {
    const ws = wp.workspace_id;
    const failures: WorkspaceFailure[] = [];
    const sent = wp.changes.filter((c) => c.action === 'create' || c.action === 'update');
    const declared = byId.get(ws);

    const outsideCatalog = new Set(
      sent.filter((c) => !c.body.event_filters.every(inBuiltinCatalog)).map((c) => c.description),
    );
    if (outsideCatalog.size > 0 && declared) {
      catalog ??= readCatalog(api, logger, cache);
      const known = await catalog;
      if (known) {
        const issues = catalogViolations(declared, known, outsideCatalog);
        if (issues.length > 0)
          failures.push({ workspace_id: ws, stage: 'limit', error: new ConfigError(issues) });
      }
    }
    // The API counts enabled subscriptions per user; we cannot see whose token this is, so only the
    // subscriptions this run manages (declared or being deleted) are counted. Undercounting at worst
    // lets the API refuse one change; overcounting would block every run of a shared workspace.
    const deleting = new Set(wp.changes.flatMap((c) => (c.action === 'delete' ? [c.subscription_id] : [])));
    const managed = live.filter(
      (s) => deleting.has(s.subscription_id) || declared?.subscriptions.has(s.description) === true,
    );
    if (growsLimitedQuantity(wp, managed, live)) {
      const limits = await readLimits(api, ws, logger, cache);
      if (limits) {
        for (const error of limitViolations(wp, managed, limits))
          failures.push({ workspace_id: ws, stage: 'limit', error });
      }
    }
    return failures;
  };
}

async function readCatalog(
  api: TogglApi,
  logger: ReconcileLogger | undefined,
  cache: PrecheckCache | undefined,
): Promise<EventFilterCatalog | undefined> {
  const cached = cache?.eventFilters();
  if (cached) return cached;
  try {
    const value = await api.eventFilters();
    cache?.rememberEventFilters(value);
    return value;
  } catch (err) {
    logger?.warn(
      { stage: 'limit', code: codeOf(err), error: messageOf(err) },
      'GET /event_filters failed, event filters are not checked before applying',
    );
    return undefined;
  }
}

async function readLimits(
  api: TogglApi,
  ws: number,
  logger: ReconcileLogger | undefined,
  cache: PrecheckCache | undefined,
): Promise<WorkspaceLimits | undefined> {
  const cached = cache?.limits(ws);
  if (cached) return cached;
  try {
    const value = await api.limits(ws);
    cache?.rememberLimits(ws, value);
    return value;
  } catch (err) {
    logger?.warn(
      { workspace_id: ws, stage: 'limit', code: codeOf(err), error: messageOf(err) },
      `GET /limits/${ws} failed, the workspace's limits are not checked before applying`,
    );
    return undefined;
  }
}

function codeOf(err: unknown): string | undefined {
  return (err as Partial<TwsError> | undefined)?.code;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
