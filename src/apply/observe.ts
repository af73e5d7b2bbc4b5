import type { DesiredState } from '../config/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { asTwsError } from './failures.js';
import { inLanes, type LaneOf, ONE_LANE } from './lanes.js';
import type { ReconcileLogger } from './logger.js';
import type { WorkspaceFailure } from './types.js';

/** What the observe phase saw: the live state of every workspace that could be read. */
export interface Observation {
  live: Map<number, Subscription[]>;
  /** Workspaces whose list failed: never planned, never touched. */
  failures: WorkspaceFailure[];
  /** The stop signal came before every workspace was listed. */
  aborted: boolean;
}

/**
 * Observe: exactly one GET per declared workspace. A workspace whose list fails (403, 5xx after
 * retries, ...) is left out of `live`, so it is not planned or touched; the others proceed, since their
 * live state is known and a single inaccessible workspace must not freeze a daemon's whole reconcile.
 */
export async function observe(
  desired: DesiredState,
  api: TogglApi,
  signal: AbortSignal | undefined,
  logger: ReconcileLogger | undefined,
  laneOf: LaneOf = ONE_LANE,
): Promise<Observation> {
  const observation: Observation = { live: new Map(), failures: [], aborted: false };
  // Workspaces under different tokens are listed concurrently (src/apply/lanes.ts).
  const listed: Array<Subscription[] | WorkspaceFailure | undefined> = [];
  await inLanes(
    desired.workspaces,
    (ws) => laneOf(ws.workspace_id),
    async (ws, index) => {
      if (signal?.aborted) {
        observation.aborted = true;
        return false;
      }
      const id = ws.workspace_id;
      const token_alias = laneOf(id) || undefined;
      try {
        const subs = await api.listSubscriptions(id);
        listed[index] = subs;
        logger?.debug({ workspace_id: id, token_alias, live: subs.length }, 'listed live subscriptions');
      } catch (err) {
        const error = asTwsError(err);
        listed[index] = { workspace_id: id, stage: 'list', error };
        // Text from the API goes in `error`, which the logger scrubs as such (docs/secrets.md).
        logger?.error(
          { workspace_id: id, token_alias, stage: 'list', code: error.code, error: error.message },
          `workspace ${id}: could not list the live subscriptions`,
        );
      }
      return true;
    },
  );
  // In declaration order, whatever order the lanes finished in.
  desired.workspaces.forEach((ws, index) => {
    const got = listed[index];
    if (Array.isArray(got)) observation.live.set(ws.workspace_id, got);
    else if (got) observation.failures.push(got);
  });
  return observation;
}
