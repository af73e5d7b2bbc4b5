import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { SUBSCRIPTION_INFO_LABELS } from '../status/info.js';

/**
 * The daemon's Prometheus series (docs/daemon-and-metrics.md#metrics), on a registry of their own so that nothing else
 * in the process (or a second daemon in a test process) can add to or collide with them.
 *
 * Labels only ever carry workspace ids, change actions, HTTP methods and status codes, result and
 * stage enums: never a URL, token or secret, which is also what keeps cardinality bounded. The one
 * exception is `toggl_webhooks_subscription_info`, whose `description` label is the user's own name for
 * a subscription (one series per subscription, bounded by the workspaces' max_webhooks).
 */
export interface DaemonMetrics {
  registry: Registry;
  drift: Gauge<'workspace_id' | 'action'>;
  driftDetected: Counter<'workspace_id' | 'action'>;
  changesApplied: Counter<'workspace_id' | 'action'>;
  reconcileTotal: Counter<'result'>;
  reconcileDuration: Histogram;
  lastSuccess: Gauge;
  errors: Counter<'stage'>;
  apiRequests: Counter<'method' | 'status'>;
  configValid: Gauge;
  quotaRemaining: Gauge<'workspace_id'>;
  tokenQuotaRemaining: Gauge<'token'>;
  quotaBudget: Gauge<'token'>;
  nextReconcile: Gauge;
  subscriptionInfo: Gauge<(typeof SUBSCRIPTION_INFO_LABELS)[number]>;
}

export const ERROR_STAGES = ['config', 'list', 'apply'] as const;
export type ErrorStage = (typeof ERROR_STAGES)[number];

export interface CreateMetricsOptions {
  /** Process metrics (CPU, memory, event loop, file descriptors). Default true. */
  processMetrics?: boolean;
}

export function createMetrics(opts: CreateMetricsOptions = {}): DaemonMetrics {
  const registry = new Registry();
  if (opts.processMetrics !== false) addProcessMetrics(registry);
  const registers = [registry];

  const m: DaemonMetrics = {
    registry,
    drift: new Gauge({
      name: 'toggl_webhooks_drift',
      help: 'Changes still outstanding after the last reconcile (in dry-run: every planned change).',
      labelNames: ['workspace_id', 'action'],
      registers,
    }),
    driftDetected: new Counter({
      name: 'toggl_webhooks_drift_detected_total',
      help: 'Changes found by reconciles, including drift that was then corrected.',
      labelNames: ['workspace_id', 'action'],
      registers,
    }),
    changesApplied: new Counter({
      name: 'toggl_webhooks_changes_applied_total',
      help: 'Changes applied to the Toggl API.',
      labelNames: ['workspace_id', 'action'],
      registers,
    }),
    reconcileTotal: new Counter({
      name: 'toggl_webhooks_reconcile_total',
      help: 'Reconciles run, by result (success or error).',
      labelNames: ['result'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'toggl_webhooks_reconcile_duration_seconds',
      help: 'Wall time of one reconcile: loading the files, listing, planning and applying.',
      // Requests are spaced one per second, so a reconcile takes seconds to minutes.
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600],
      registers,
    }),
    lastSuccess: new Gauge({
      name: 'toggl_webhooks_last_success_timestamp_seconds',
      help: 'Unix time of the last reconcile that succeeded with a valid configuration.',
      registers,
    }),
    errors: new Counter({
      name: 'toggl_webhooks_errors_total',
      help: 'Errors by stage: config (invalid files), list (reading live state), apply (a change failed or was refused).',
      labelNames: ['stage'],
      registers,
    }),
    apiRequests: new Counter({
      name: 'toggl_webhooks_api_requests_total',
      help: 'Requests made to the Toggl Webhooks API, by method and HTTP status (0: no response).',
      labelNames: ['method', 'status'],
      registers,
    }),
    configValid: new Gauge({
      name: 'toggl_webhooks_config_valid',
      help: '1 when the last load of the input files succeeded, 0 when they are invalid (the last good configuration stays in force).',
      registers,
    }),
    quotaRemaining: new Gauge({
      name: 'toggl_webhooks_api_quota_remaining',
      help: 'Requests left in the current API quota window (X-Toggl-Quota-Remaining), by the workspace of the last request that reported it.',
      labelNames: ['workspace_id'],
      registers,
    }),
    tokenQuotaRemaining: new Gauge({
      name: 'toggl_webhooks_token_quota_remaining',
      help: 'Requests left in the API quota window by the last answer to a request made with this token (label: the token alias, never the token).',
      labelNames: ['token'],
      registers,
    }),
    quotaBudget: new Gauge({
      name: 'toggl_webhooks_quota_budget_requests',
      help: "Requests the daemon's periodic reconciles may still spend with this token in the current quota window (its share of the quota, docs/daemon-and-metrics.md).",
      labelNames: ['token'],
      registers,
    }),
    nextReconcile: new Gauge({
      name: 'toggl_webhooks_next_reconcile_timestamp_seconds',
      help: 'Unix time of the next planned periodic reconcile (later than the interval when the quota budget delays it).',
      registers,
    }),
    subscriptionInfo: new Gauge({
      name: 'toggl_webhooks_subscription_info',
      help: 'Always 1: one series per subscription of each declared workspace after the last reconcile, with its enabled, validated and sync status (in_sync or the change still outstanding).',
      labelNames: SUBSCRIPTION_INFO_LABELS,
      registers,
    }),
  };
  // Every stage and result exists from the start, so rate() and alerts see a 0 before the first error.
  for (const stage of ERROR_STAGES) m.errors.inc({ stage }, 0);
  for (const result of ['success', 'error']) m.reconcileTotal.inc({ result }, 0);
  m.configValid.set(0);
  return m;
}

/**
 * prom-client's default process and Node.js metrics, minus the few gauges it names `*_total`
 * (`nodejs_active_handles_total` ...), which `promtool check metrics` rejects as non-counters with a
 * counter suffix; their per-type breakdowns (`nodejs_active_handles` ...) stay.
 */
function addProcessMetrics(registry: Registry): void {
  const scratch = new Registry();
  collectDefaultMetrics({ register: scratch });
  for (const { name, type } of scratch.getMetricsAsArray()) {
    const metric = scratch.getSingleMetric(name);
    if (!metric || (name.endsWith('_total') && String(type) !== 'counter')) continue;
    registry.registerMetric(metric);
  }
}
