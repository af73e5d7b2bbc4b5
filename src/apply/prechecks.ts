import type { DesiredState } from '../config/types.js';
import { ConfigError, type LimitError, type TwsError } from '../errors.js';
import { catalogViolations } from '../plan/catalog.js';
import { limitViolations } from '../plan/limits.js';
import type { Plan, WorkspacePlan } from '../plan/types.js';
import type { EventFilterCatalog, Subscription, TogglApi, WorkspaceLimits } from '../toggl/types.js';
import { redact } from '../util/redact.js';
import type { ReconcileLogger } from './reconcile.js';
import type { WorkspaceFailure } from './types.js';

/**
 * Pre-checks between planning and applying: the workspace's documented limits (GET /limits/{ws}) and the
 * supported event filters (GET /event_filters). A plan the API would refuse half-way fails as a whole,
 * before any mutating call, in dry runs too (so CI catches it on the pull request).
 *
 * - Only plans with changes are checked, so a converged run still makes exactly one GET per workspace.
 * - Limits are read only for workspaces whose plan sends filters or enables something; the catalog only
 *   when some plan sends filters. Free plans have 30 requests per hour: every call counts.
 * - These endpoints are optional pre-checks: when one fails (a 404 on an API without it, a 5xx), the
 *   check is skipped with a warning. It never blocks a sync, and it never causes a delete either: a
 *   failed check only ever removes calls from a run, never adds one.
 */

/** Keeps GET /limits and GET /event_filters answers between reconciles (the daemon's loop). */
export interface PrecheckCache {
  ttlMs: number;
  limits: Map<number, { value: WorkspaceLimits; at: number }>;
  eventFilters?: { value: EventFilterCatalog; at: number } | undefined;
  now: () => number;
}

/** A cache for `reconcile({ precheckCache })`; limits and filters rarely change, so minutes are fine. */
export function createPrecheckCache(ttlMs = 15 * 60_000, now: () => number = Date.now): PrecheckCache {
  return { ttlMs, limits: new Map(), now };
}

export interface PrecheckOptions {
  plan: Plan;
  desired: DesiredState;
  live: ReadonlyMap<number, readonly Subscription[]>;
  api: TogglApi;
  logger?: ReconcileLogger | undefined;
  cache?: PrecheckCache | undefined;
}

/** The failures to report (stage `limit`); their workspaces must not be changed. */
export async function precheck(opts: PrecheckOptions): Promise<WorkspaceFailure[]> {
  const { plan, desired, live, api, logger, cache } = opts;
  const failures: WorkspaceFailure[] = [];
  const needsFilters = (wp: WorkspacePlan) =>
    wp.changes.some((c) => c.action === 'create' || c.action === 'update');
  const needsLimits = (wp: WorkspacePlan) =>
    wp.changes.some(
      (c) => c.action === 'create' || c.action === 'update' || (c.action === 'patch' && c.enabled),
    );

  let catalog: EventFilterCatalog | undefined;
  if (plan.workspaces.some(needsFilters)) catalog = await readCatalog(api, logger, cache);

  for (const wp of plan.workspaces) {
    const ws = wp.workspace_id;
    const declared = desired.workspaces.find((d) => d.workspace_id === ws);
    if (catalog && declared && needsFilters(wp)) {
      const sent = new Set(
        wp.changes.filter((c) => c.action === 'create' || c.action === 'update').map((c) => c.description),
      );
      const issues = catalogViolations(declared, catalog, sent);
      if (issues.length > 0) fail(failures, ws, new ConfigError(issues), logger);
    }
    if (!needsLimits(wp)) continue;
    const limits = await readLimits(api, ws, logger, cache);
    if (!limits) continue;
    for (const error of limitViolations(wp, live.get(ws) ?? [], limits)) fail(failures, ws, error, logger);
  }
  return failures;
}

function fail(
  failures: WorkspaceFailure[],
  ws: number,
  error: LimitError | ConfigError,
  logger: ReconcileLogger | undefined,
): void {
  failures.push({ workspace_id: ws, stage: 'limit', error });
  logger?.error({ workspace_id: ws, stage: 'limit', code: error.code }, redact(error.message));
}

async function readCatalog(
  api: TogglApi,
  logger: ReconcileLogger | undefined,
  cache: PrecheckCache | undefined,
): Promise<EventFilterCatalog | undefined> {
  if (cache?.eventFilters && cache.now() - cache.eventFilters.at < cache.ttlMs)
    return cache.eventFilters.value;
  try {
    const value = await api.eventFilters();
    if (cache) cache.eventFilters = { value, at: cache.now() };
    return value;
  } catch (err) {
    logger?.warn(
      { stage: 'limit', code: codeOf(err) },
      redact(`GET /event_filters failed, event filters are not checked before applying: ${messageOf(err)}`),
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
  const hit = cache?.limits.get(ws);
  if (cache && hit && cache.now() - hit.at < cache.ttlMs) return hit.value;
  try {
    const value = await api.limits(ws);
    cache?.limits.set(ws, { value, at: cache.now() });
    return value;
  } catch (err) {
    logger?.warn(
      { workspace_id: ws, stage: 'limit', code: codeOf(err) },
      redact(
        `GET /limits/${ws} failed, the workspace's limits are not checked before applying: ${messageOf(err)}`,
      ),
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
