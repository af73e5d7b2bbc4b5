import type { ApiError, TwsError } from '../errors.js';
import type { Change, Plan } from '../plan/types.js';
import type { Subscription } from '../toggl/types.js';

/**
 * The settings of one run, owned in one place (as gitops-engine's sync context owns its options): a
 * command builds this once from its flags and every layer below (daemon loop, reconcile, outputs)
 * reads the same object.
 */
export interface RunSettings {
  /** Plan only: list each workspace, make no other call. */
  dryRun: boolean;
  /** Lets a plan through that the mass-delete guard would refuse (docs/plan-rules.md). */
  allowMassDelete: boolean;
}

export type ChangeStatus = 'planned' | 'applied' | 'failed';

export interface ChangeOutcome {
  change: Change;
  status: ChangeStatus;
  /** For `failed`: the API's message (or the error's), already free of secrets. */
  error?: string;
  /** The id the API answered with; for a create, the new subscription's id once applied. */
  subscription_id?: number;
}

/** Why a workspace could not be planned or applied as a whole. */
export interface WorkspaceFailure {
  workspace_id: number;
  /**
   * `list`: reading live state failed; `guard`: mass-delete guard; `limit`: over a documented limit;
   * `plan`: not the reviewed plan (`sync --plan`, `--expect-plan-hash`); `ambiguous`: a declared
   * description that several live subscriptions carry (nothing planned for it; the rest proceeds).
   */
  stage: 'list' | 'guard' | 'limit' | 'plan' | 'ambiguous';
  error: TwsError;
}

/**
 * Everything one reconcile did, for outputs (text/json/markdown), the daemon's metrics and exit codes.
 * `outcomes` is in execution order. A dry run has every outcome `planned`.
 */
export interface ReconcileResult {
  dryRun: boolean;
  plan: Plan;
  outcomes: ChangeOutcome[];
  failures: WorkspaceFailure[];
  /** Live state per workspace after the run (taken from API responses, not re-read), secrets removed. */
  live: Map<number, Subscription[]>;
  /** Set when the run was stopped (signal) before every planned change was attempted. */
  aborted?: boolean;
  /** The plan's content hash (docs/ci.md), when the command computed it. */
  planHash?: string;
}

export type { ApiError };
