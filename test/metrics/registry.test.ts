import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/apply/types.js';
import { AuthError } from '../../src/errors.js';
import { createMetrics, MetricsRecorder, workspaceOfPath } from '../../src/metrics/index.js';
import type { Change } from '../../src/plan/types.js';
import { checkMetrics, promtool } from './promtool.js';

/**
 * The metrics table of docs/daemon-and-metrics.md, the documented contract of the daemon's series:
 * [name, type, label names] per row.
 */
function documentedSeries(): Array<[string, string, string[]]> {
  const doc = readFileSync(new URL('../../docs/daemon-and-metrics.md', import.meta.url), 'utf8');
  return doc
    .split('\n')
    .filter((line) => line.startsWith('| `toggl_webhooks_'))
    .map((line) => {
      const [, name = '', type = '', labels = ''] = line.split('|').map((cell) => cell.trim());
      return [
        name.replaceAll('`', ''),
        type.split(' ')[0] ?? '',
        [...labels.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? ''),
      ];
    });
}
const DOCUMENTED_SERIES = documentedSeries();

function change(ws: number, action: Change['action'], description = 'd'): Change {
  return { workspace_id: ws, action, description, diff: {} } as unknown as Change;
}

function result(
  outcomes: Array<[Change, 'planned' | 'applied' | 'failed']>,
  planned: number[],
  extra: Partial<ReconcileResult> = {},
): ReconcileResult {
  return {
    dryRun: false,
    plan: {
      workspaces: planned.map((ws) => ({
        workspace_id: ws,
        changes: outcomes.filter(([c]) => c.workspace_id === ws).map(([c]) => c),
        unchanged: 0,
        ignored: 0,
        unmanaged: 0,
        live_count: 0,
      })),
    },
    outcomes: outcomes.map(([c, status]) => ({
      change: c,
      status,
      ...(status === 'failed' ? { error: 'x' } : {}),
    })),
    failures: [],
    live: new Map(),
    ...extra,
  };
}

const ACTION_NAMES = ['create', 'update', 'patch', 'delete'];

async function values(rec: MetricsRecorder, name: string): Promise<Record<string, number>> {
  const m = await rec.metrics.registry.getSingleMetric(name)!.get();
  const out: Record<string, number> = {};
  for (const v of m.values) {
    const key = Object.entries(v.labels)
      .map(([k, x]) => `${k}=${x}`)
      .sort()
      .join(',');
    out[key] = v.value;
  }
  return out;
}

describe('metrics registry', () => {
  it('has exactly the series documented in docs/daemon-and-metrics.md, with their types and labels', async () => {
    expect(DOCUMENTED_SERIES.length).toBeGreaterThanOrEqual(11);
    const { registry } = createMetrics();
    const all = await registry.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith('toggl_webhooks_'));
    expect(ours.map((m) => m.name).sort()).toEqual(DOCUMENTED_SERIES.map(([n]) => n).sort());
    for (const [name, type, labels] of DOCUMENTED_SERIES) {
      const metric = registry.getSingleMetric(name) as unknown as { type: string; labelNames: string[] };
      expect(metric.type, name).toBe(type);
      expect([...metric.labelNames].sort(), name).toEqual([...labels].sort());
    }
    // Process metrics come along; the global default registry is left alone.
    expect(all.some((m) => m.name === 'process_resident_memory_bytes')).toBe(true);
    const second = createMetrics();
    expect(second.registry).not.toBe(registry);
  });

  it('shows the quota budget by token alias and the next planned reconcile', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    rec.quotaBudget({ alias: 'default', remaining: 21, budget: 5 });
    rec.quotaBudget({ alias: 'ci', remaining: undefined, budget: undefined });
    rec.nextReconcileAt(1_700_000_123_456);
    expect(await values(rec, 'toggl_webhooks_token_quota_remaining')).toEqual({ 'token=default': 21 });
    expect(await values(rec, 'toggl_webhooks_quota_budget_requests')).toEqual({ 'token=default': 5 });
    expect(await values(rec, 'toggl_webhooks_next_reconcile_timestamp_seconds')).toEqual({
      '': 1_700_000_123,
    });
  });

  it('starts with config_valid 0 and zeroed error and result counters', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    expect(await values(rec, 'toggl_webhooks_config_valid')).toEqual({ '': 0 });
    expect(await values(rec, 'toggl_webhooks_errors_total')).toEqual({
      'stage=config': 0,
      'stage=list': 0,
      'stage=apply': 0,
    });
    expect(await values(rec, 'toggl_webhooks_reconcile_total')).toEqual({
      'result=success': 0,
      'result=error': 0,
    });
  });
});

describe('MetricsRecorder', () => {
  it('drift is what is still outstanding; detected counts everything found; applied counts applied', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    rec.reconcileEnded({
      result: result(
        [
          [change(1, 'create'), 'applied'],
          [change(1, 'delete'), 'failed'],
          [change(2, 'update'), 'applied'],
        ],
        [1, 2],
      ),
      success: false,
      durationSeconds: 1.5,
      nowMs: 1_000_000,
    });
    expect(await values(rec, 'toggl_webhooks_drift')).toEqual({
      'action=create,workspace_id=1': 0,
      'action=update,workspace_id=1': 0,
      'action=patch,workspace_id=1': 0,
      'action=delete,workspace_id=1': 1,
      'action=create,workspace_id=2': 0,
      'action=update,workspace_id=2': 0,
      'action=patch,workspace_id=2': 0,
      'action=delete,workspace_id=2': 0,
    });
    // Every action of every planned workspace has its counter series, at 0 when nothing happened.
    const zeros = (ws: number) =>
      Object.fromEntries(ACTION_NAMES.map((a) => [`action=${a},workspace_id=${ws}`, 0]));
    expect(await values(rec, 'toggl_webhooks_drift_detected_total')).toEqual({
      ...zeros(1),
      ...zeros(2),
      'action=create,workspace_id=1': 1,
      'action=delete,workspace_id=1': 1,
      'action=update,workspace_id=2': 1,
    });
    expect(await values(rec, 'toggl_webhooks_changes_applied_total')).toEqual({
      ...zeros(1),
      ...zeros(2),
      'action=create,workspace_id=1': 1,
      'action=update,workspace_id=2': 1,
    });
    expect((await values(rec, 'toggl_webhooks_errors_total'))['stage=apply']).toBe(1);
    expect((await values(rec, 'toggl_webhooks_reconcile_total'))['result=error']).toBe(1);
    // Never succeeded: 0, so `time() - last_success` alerts from the start.
    expect(await values(rec, 'toggl_webhooks_last_success_timestamp_seconds')).toEqual({ '': 0 });
  });

  it('a dry run leaves every planned change as drift; an apply brings it back to 0', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    const planned = result(
      [
        [change(7, 'create', 'a'), 'planned'],
        [change(7, 'create', 'b'), 'planned'],
      ],
      [7],
      { dryRun: true },
    );
    rec.reconcileEnded({ result: planned, success: true, durationSeconds: 0.2, nowMs: 5_000 });
    expect((await values(rec, 'toggl_webhooks_drift'))['action=create,workspace_id=7']).toBe(2);
    expect(await values(rec, 'toggl_webhooks_last_success_timestamp_seconds')).toEqual({ '': 5 });
    rec.reconcileEnded({ result: result([], [7]), success: true, durationSeconds: 0.2, nowMs: 9_000 });
    expect((await values(rec, 'toggl_webhooks_drift'))['action=create,workspace_id=7']).toBe(0);
    expect((await values(rec, 'toggl_webhooks_drift_detected_total'))['action=create,workspace_id=7']).toBe(
      2,
    );
  });

  it('keeps the last drift of a workspace whose list failed, and drops workspaces no longer declared', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    rec.reconcileEnded({
      result: result([[change(1, 'patch'), 'planned']], [1, 2], { dryRun: true }),
      success: true,
      durationSeconds: 0.1,
      declaredWorkspaces: [1, 2],
      nowMs: 0,
    });
    const failed = result([], [2], {
      failures: [
        {
          workspace_id: 1,
          stage: 'list',
          error: new AuthError({ method: 'GET', path: '/subscriptions/1', status: 403 }),
        },
      ],
    });
    rec.reconcileEnded({
      result: failed,
      success: false,
      durationSeconds: 0.1,
      declaredWorkspaces: [1, 2],
      nowMs: 0,
    });
    expect((await values(rec, 'toggl_webhooks_drift'))['action=patch,workspace_id=1']).toBe(1);
    expect((await values(rec, 'toggl_webhooks_errors_total'))['stage=list']).toBe(1);

    rec.reconcileEnded({
      result: result([], [2]),
      success: true,
      durationSeconds: 0.1,
      declaredWorkspaces: [2],
      nowMs: 0,
    });
    const drift = await values(rec, 'toggl_webhooks_drift');
    expect(Object.keys(drift).some((k) => k.includes('workspace_id=1'))).toBe(false);
    expect(drift['action=create,workspace_id=2']).toBe(0);
  });

  it('counts API requests by method and status and keeps the quota per workspace', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    rec.apiResponse({
      method: 'get',
      path: '/subscriptions/42',
      status: 200,
      quotaRemaining: 29,
      quotaResetsIn: 3500,
    });
    rec.apiResponse({ method: 'GET', path: '/subscriptions/42', status: 200, quotaRemaining: 28 });
    rec.apiResponse({ method: 'POST', path: '/subscriptions/42', status: 402 });
    rec.apiResponse({ method: 'GET', path: '/event_filters', status: 200, quotaRemaining: 3 });
    rec.apiResponse({ method: 'GET', path: '/subscriptions/42', status: undefined });
    expect(await values(rec, 'toggl_webhooks_api_requests_total')).toEqual({
      'method=GET,status=200': 3,
      'method=POST,status=402': 1,
      'method=GET,status=0': 1,
    });
    expect(await values(rec, 'toggl_webhooks_api_quota_remaining')).toEqual({ 'workspace_id=42': 28 });
  });

  it('finds the workspace of every documented path', () => {
    expect(workspaceOfPath('/subscriptions/1')).toBe('1');
    expect(workspaceOfPath('/subscriptions/1/2')).toBe('1');
    expect(workspaceOfPath('/limits/3')).toBe('3');
    expect(workspaceOfPath('/ping/4/5')).toBe('4');
    expect(workspaceOfPath('/validate/6/7/abc')).toBe('6');
    expect(workspaceOfPath('/event_filters')).toBeUndefined();
    expect(workspaceOfPath('/status')).toBeUndefined();
  });
});

describe('exposition', () => {
  promtool.it('passes `promtool check metrics`', async () => {
    const rec = new MetricsRecorder(createMetrics());
    rec.configLoaded(true);
    rec.apiResponse({ method: 'GET', path: '/subscriptions/1', status: 200, quotaRemaining: 10 });
    rec.reconcileEnded({
      result: result([[change(1, 'create'), 'applied']], [1]),
      success: true,
      durationSeconds: 2,
      nowMs: Date.now(),
    });
    const text = await rec.metrics.registry.metrics();
    const { code, out } = await checkMetrics(text);
    expect(out).toBe('');
    expect(code).toBe(0);
  });
});
