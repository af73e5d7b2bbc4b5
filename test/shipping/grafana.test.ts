import { collectDefaultMetrics, Registry } from 'prom-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { emulator, subsYaml } from '../daemon/fixtures.js';
import { waitFor } from '../daemon/helpers.js';
import { type LongRunning, scrape, startDaemon } from '../daemon/process.js';
import { assertBuilt } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { CORE_METRICS, dollarBrace, EXTRA_METRICS, promqlMetricNames, read } from './helpers.js';

const DS = dollarBrace('datasource');

interface Target {
  expr: string;
  refId: string;
  datasource: { type: string; uid: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  gridPos: { h: number; w: number; x: number; y: number };
  targets?: Target[];
}
interface Dashboard {
  panels: Panel[];
  templating: {
    list: { name: string; type: string; query: { query: string } | string; datasource: { uid: string } }[];
  };
  uid: string;
  title: string;
  schemaVersion: number;
}

const dashboard = JSON.parse(read('examples/grafana/dashboard.json')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));

/** Process metrics prom-client's collectDefaultMetrics exports (the daemon registers them). */
async function processMetricNames(): Promise<Set<string>> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const names = new Set<string>();
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram')
      for (const s of ['_bucket', '_sum', '_count']) names.add(`${m.name}${s}`);
  }
  return names;
}

describe('examples/grafana/dashboard.json', () => {
  it('picks its Prometheus through a datasource variable (sidecar provisioning and import alike)', () => {
    // No __inputs: a provisioned dashboard (Grafana's sidecar) never resolves ${DS_...} inputs.
    expect(dashboard).not.toHaveProperty('__inputs');
    expect(read('examples/grafana/dashboard.json')).not.toContain(dollarBrace('DS_PROMETHEUS'));
    expect(dashboard.templating.list[0]).toMatchObject({
      name: 'datasource',
      type: 'datasource',
      query: 'prometheus',
    });
    expect(dashboard.uid).toBe('toggl-webhooks-sync');
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    for (const p of panels) {
      expect(p.datasource, p.title).toEqual({ type: 'prometheus', uid: DS });
      for (const t of p.targets ?? []) expect(t.datasource.uid).toBe(DS);
    }
    for (const v of dashboard.templating.list.slice(1)) expect(v.datasource.uid).toBe(DS);
  });

  it('lays panels out on the 24-column grid with unique ids', () => {
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
    for (const p of panels) expect((p.targets ?? []).length, p.title).toBeGreaterThan(0);
  });

  it('uses only the documented metrics, the quota gauge and process metrics', async () => {
    const allowed = new Set<string>([...CORE_METRICS, ...EXTRA_METRICS, ...(await processMetricNames())]);
    for (const { panel, expr } of exprs) {
      const names = promqlMetricNames(expr);
      expect(names.length, `${panel}: ${expr}`).toBeGreaterThan(0);
      expect(
        names.filter((n) => !allowed.has(n)),
        `${panel}: ${expr}`,
      ).toEqual([]);
    }
  });

  it('references only series the daemon registers', async () => {
    const { registry } = createMetrics();
    const exported = new Set<string>();
    for (const m of await registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) exported.add(`${m.name}${s}`);
    }
    const used = new Set(exprs.flatMap(({ expr }) => promqlMetricNames(expr)));
    expect([...used].filter((n) => !exported.has(n))).toEqual([]);
  });

  it('shows drift, reconciles, duration quantiles, API calls, errors, last success, config and quota', () => {
    const find = (pattern: RegExp) =>
      exprs.filter(({ expr }) => pattern.test(expr)).map(({ panel }) => panel);
    expect(find(/sum by \(workspace_id, action\) \(toggl_webhooks_drift\{/)).toHaveLength(1);
    expect(find(/sum by \(result\) \(increase\(toggl_webhooks_reconcile_total/)).toHaveLength(1);
    expect(find(/histogram_quantile\(0\.5, .*toggl_webhooks_reconcile_duration_seconds_bucket/)).toHaveLength(
      1,
    );
    expect(
      find(/histogram_quantile\(0\.95, .*toggl_webhooks_reconcile_duration_seconds_bucket/),
    ).toHaveLength(1);
    expect(find(/sum by \(method, status\) \(increase\(toggl_webhooks_api_requests_total/)).toHaveLength(1);
    expect(find(/sum by \(stage\) \(increase\(toggl_webhooks_errors_total/)).toHaveLength(1);
    expect(find(/^time\(\) - max\(toggl_webhooks_last_success_timestamp_seconds/)).toHaveLength(1);
    expect(find(/toggl_webhooks_config_valid/)).toHaveLength(1);
    expect(find(/toggl_webhooks_api_quota_remaining/).length).toBeGreaterThanOrEqual(1);
    expect(find(/toggl_webhooks_drift_detected_total/)).toHaveLength(1);
    expect(find(/toggl_webhooks_changes_applied_total/)).toHaveLength(1);
  });

  it('filters by job and workspace through template variables', () => {
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'workspace']);
    for (const { expr } of exprs) expect(expr).toContain('job=~"$job"');
  });
});

describe('the dashboard against a live daemon', () => {
  let emu: Emulator | undefined;
  let daemon: (LongRunning & { url: string }) | undefined;
  beforeAll(() => assertBuilt());
  afterEach(async () => {
    await daemon?.stop();
    await emu?.close();
    daemon = undefined;
    emu = undefined;
  });

  it('queries only series a restarted daemon with nothing to change exports from its first scrape', async () => {
    const setup = await emulator();
    emu = setup.emu;
    const dir = writeTree({ 'a.yaml': subsYaml([{ description: 'Slack: projects' }]) });
    // The first daemon creates the subscription; the second starts on a workspace already in sync, the
    // state after any restart: no drift, no change applied, nothing counted yet.
    for (let run = 0; run < 2; run++) {
      await daemon?.stop();
      daemon = await startDaemon(['--interval', '1h', dir], setup.env);
      const url = daemon.url;
      await waitFor(async () => (await fetch(`${url}/readyz`)).status === 200, 'the daemon to be ready');
    }
    const exposed = new Set(
      (await scrape(daemon!.url))
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0]),
    );
    const queries = [
      ...exprs.map(({ panel, expr }) => ({ where: panel, expr })),
      ...dashboard.templating.list
        .filter((v) => v.type === 'query')
        .map((v) => ({ where: `$${v.name}`, expr: typeof v.query === 'string' ? v.query : v.query.query })),
    ];
    const missing = queries.flatMap(({ where, expr }) =>
      promqlMetricNames(expr.replace(/^label_values\((.*), \w+\)$/, '$1'))
        .filter((n) => !exposed.has(n))
        .map((n) => `${where}: ${n}`),
    );
    expect(missing).toEqual([]);
    expect(queries.length).toBeGreaterThan(15);
  });
});
