import type { ReconcileResult } from './types.js';

/** Counts for the summary line, the JSON `summary` object and exit codes. */
export interface Summary {
  create: number;
  update: number;
  patch: number;
  delete: number;
  /** Declared subscriptions that already matched. */
  unchanged: number;
  /** Changes that were attempted and failed. */
  failed: number;
  /** Changes that were attempted and succeeded. */
  applied: number;
  /** Live subscriptions left alone: matched by `ignore`, or undeclared with `prune: false`. */
  ignored: number;
  unmanaged: number;
}

export function summarize(result: ReconcileResult): Summary {
  const s: Summary = {
    create: 0,
    update: 0,
    patch: 0,
    delete: 0,
    unchanged: 0,
    failed: 0,
    applied: 0,
    ignored: 0,
    unmanaged: 0,
  };
  for (const wp of result.plan.workspaces) {
    s.unchanged += wp.unchanged;
    s.ignored += wp.ignored;
    s.unmanaged += wp.unmanaged;
  }
  for (const o of result.outcomes) {
    s[o.change.action]++;
    if (o.status === 'failed') s.failed++;
    else if (o.status === 'applied') s.applied++;
  }
  return s;
}

/** True when the run did everything it set out to do: no workspace failure, no failed or skipped change. */
export function succeeded(result: ReconcileResult): boolean {
  if (result.failures.length > 0 || result.aborted) return false;
  if (result.dryRun) return true;
  return result.outcomes.every((o) => o.status === 'applied');
}

/**
 * Exit codes (docs/outputs.md#exit-codes): 0 success, 1 any error (list failure, guard refusal, failed
 * change, interrupted run), 2 only with `--detailed-exitcode` when the run succeeded and the plan was
 * not empty.
 */
export function exitCodeFor(result: ReconcileResult, detailedExitcode: boolean): 0 | 1 | 2 {
  if (!succeeded(result)) return 1;
  return detailedExitcode && result.outcomes.length > 0 ? 2 : 0;
}
