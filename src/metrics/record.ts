import type { ReconcileResult } from '../apply/types.js';
import type { DesiredState } from '../config/types.js';
import type { ChangeAction } from '../plan/types.js';
import { SecretSet } from '../sensitive/secret-set.js';
import { describedWorkspaces, type SubscriptionInfoLabels, subscriptionInfo } from '../status/info.js';
import type { DaemonMetrics, ErrorStage } from './registry.js';

const ACTIONS: readonly ChangeAction[] = ['create', 'update', 'patch', 'delete'];

/** What the API client reports after each response (`hooks.onResponse`). */
export interface ApiResponseInfo {
  method: string;
  path: string;
  /** HTTP status; 0 or undefined when no response arrived. */
  status?: number | undefined;
  durationMs?: number | undefined;
  quotaRemaining?: number | undefined;
  quotaResetsIn?: number | undefined;
}

/**
 * Turns reconcile results into the series of docs/daemon-and-metrics.md#metrics. Holds the per-workspace drift between
 * reconciles, so that a workspace whose list failed keeps its last known drift instead of reading 0.
 */
export class MetricsRecorder {
  private readonly drift = new Map<number, Map<ChangeAction, number>>();
  private readonly info = new Map<number, SubscriptionInfoLabels[]>();

  /** `secrets`: the run's, for label text that came from the API (a live description). */
  constructor(
    readonly metrics: DaemonMetrics,
    private readonly secrets: { readonly set: SecretSet } = { set: SecretSet.empty },
  ) {}

  /** The input files loaded (1) or were invalid (0); an invalid load also counts a `config` error. */
  configLoaded(valid: boolean): void {
    this.metrics.configValid.set(valid ? 1 : 0);
    if (!valid) this.metrics.errors.inc({ stage: 'config' });
  }

  /** The quota budget of one token after an answer or a scheduling decision (src/toggl/budget.ts). */
  quotaBudget(view: { alias: string; remaining?: number | undefined; budget?: number | undefined }): void {
    if (view.remaining !== undefined)
      this.metrics.tokenQuotaRemaining.set({ token: view.alias }, view.remaining);
    if (view.budget !== undefined) this.metrics.quotaBudget.set({ token: view.alias }, view.budget);
  }

  /** When the next periodic reconcile is planned (ms since epoch). */
  nextReconcileAt(atMs: number): void {
    this.metrics.nextReconcile.set(Math.floor(atMs / 1000));
  }

  error(stage: ErrorStage, count = 1): void {
    if (count > 0) this.metrics.errors.inc({ stage }, count);
  }

  /**
   * One reconcile ended. `success` is the caller's verdict (valid configuration and a fully
   * successful result); `result` is absent when there was nothing to reconcile or it threw.
   */
  reconcileEnded(opts: {
    result?: ReconcileResult | undefined;
    success: boolean;
    durationSeconds: number;
    declaredWorkspaces?: readonly number[] | undefined;
    nowMs: number;
  }): void {
    const { result, success } = opts;
    if (result) this.recordResult(result, opts.declaredWorkspaces);
    this.metrics.reconcileTotal.inc({ result: success ? 'success' : 'error' });
    this.metrics.reconcileDuration.observe(opts.durationSeconds);
    if (success) this.metrics.lastSuccess.set(Math.floor(opts.nowMs / 1000));
  }

  /**
   * The `toggl_webhooks_subscription_info` series after a reconcile (the same view as `status`). A
   * workspace whose list failed keeps its last series; one no longer declared loses them.
   */
  subscriptionsObserved(desired: DesiredState, result: ReconcileResult): void {
    for (const ws of describedWorkspaces(desired, result)) this.info.set(ws, []);
    for (const labels of subscriptionInfo(desired, result, (text) => this.secrets.set.scrub(text)))
      this.info.get(Number(labels.workspace_id))?.push(labels);
    const declared = new Set(desired.workspaces.map((w) => w.workspace_id));
    for (const ws of [...this.info.keys()]) if (!declared.has(ws)) this.info.delete(ws);
    this.metrics.subscriptionInfo.reset();
    for (const rows of this.info.values())
      for (const labels of rows) this.metrics.subscriptionInfo.set(labels, 1);
  }

  apiResponse(info: ApiResponseInfo): void {
    this.metrics.apiRequests.inc({ method: info.method.toUpperCase(), status: String(info.status ?? 0) });
    if (info.quotaRemaining !== undefined && Number.isFinite(info.quotaRemaining)) {
      const ws = workspaceOfPath(info.path);
      // The quota is per user per organization; a workspace id is the closest thing the client knows.
      if (ws !== undefined) this.metrics.quotaRemaining.set({ workspace_id: ws }, info.quotaRemaining);
    }
  }

  private recordResult(result: ReconcileResult, declared: readonly number[] | undefined): void {
    // Each planned workspace's counters exist from its first reconcile, at 0 when nothing drifted, so
    // increase() and the dashboard see a series after a restart with no drift instead of "no data".
    for (const wp of result.plan.workspaces) {
      for (const action of ACTIONS) {
        const labels = { workspace_id: String(wp.workspace_id), action };
        this.metrics.driftDetected.inc(labels, 0);
        this.metrics.changesApplied.inc(labels, 0);
      }
    }
    for (const o of result.outcomes) {
      const labels = { workspace_id: String(o.change.workspace_id), action: o.change.action };
      this.metrics.driftDetected.inc(labels);
      if (o.status === 'applied') this.metrics.changesApplied.inc(labels);
    }
    this.recordErrors(result);

    // Drift is recomputed for every workspace that was planned; a workspace whose list failed keeps
    // its last value (its state is unknown, not fixed); a workspace no longer declared is dropped.
    const planned = new Set(result.plan.workspaces.map((wp) => wp.workspace_id));
    for (const ws of planned) this.drift.set(ws, new Map(ACTIONS.map((a) => [a, 0])));
    for (const o of result.outcomes) {
      if (o.status === 'applied') continue;
      const counts = this.drift.get(o.change.workspace_id);
      if (counts) counts.set(o.change.action, (counts.get(o.change.action) ?? 0) + 1);
    }
    const keep = new Set(declared ?? [...planned, ...result.failures.map((f) => f.workspace_id)]);
    for (const ws of [...this.drift.keys()]) if (!keep.has(ws)) this.drift.delete(ws);

    this.metrics.drift.reset();
    for (const [ws, counts] of this.drift) {
      for (const [action, n] of counts) this.metrics.drift.set({ workspace_id: String(ws), action }, n);
    }
  }

  private recordErrors(result: ReconcileResult): void {
    let list = 0;
    let apply = 0;
    for (const f of result.failures) {
      // A guard or limit refusal is a change that could not be applied; the documented stages are
      // config, list and apply (docs/daemon-and-metrics.md#metrics).
      if (f.stage === 'list') list++;
      else apply++;
    }
    for (const o of result.outcomes) if (o.status === 'failed') apply++;
    this.error('list', list);
    this.error('apply', apply);
  }
}

/** `/subscriptions/123/9` -> `123`; paths without a workspace (event_filters, status) -> undefined. */
export function workspaceOfPath(path: string): string | undefined {
  const m = /^\/(?:subscriptions|limits|ping|validate)\/(\d+)(?:\/|$|\?)/.exec(path);
  return m?.[1];
}
