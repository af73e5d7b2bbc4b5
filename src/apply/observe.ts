import type { DesiredState } from '../config/types.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { redact, registerSecret } from '../util/redact.js';
import { asTwsError } from './failures.js';
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
): Promise<Observation> {
  const observation: Observation = { live: new Map(), failures: [], aborted: false };
  for (const ws of desired.workspaces) {
    if (signal?.aborted) {
      observation.aborted = true;
      break;
    }
    const id = ws.workspace_id;
    try {
      const subs = await api.listSubscriptions(id);
      for (const s of subs) registerSecret(s.secret);
      observation.live.set(id, subs);
      logger?.debug({ workspace_id: id, live: subs.length }, 'listed live subscriptions');
    } catch (err) {
      const error = asTwsError(err);
      observation.failures.push({ workspace_id: id, stage: 'list', error });
      logger?.error(
        { workspace_id: id, stage: 'list', code: error.code },
        redact(`workspace ${id}: ${error.message}`),
      );
    }
  }
  return observation;
}
