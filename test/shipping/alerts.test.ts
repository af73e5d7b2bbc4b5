import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tool } from '../support/tools.js';
import { HELMS, render } from './helm.js';
import {
  CHART_DIR,
  CORE_METRICS,
  EXTRA_METRICS,
  type JsonObject,
  promqlMetricNames,
  read,
} from './helpers.js';

// The chart's alerting rules as real Helm renders them, run by Prometheus' own rule engine
// (`promtool test rules`) through the situations a daemon lives through: each alert fires when it
// should and stays quiet across a restart, a Toggl outage shorter than its window and a config rollout.

const promtool = tool('promtool');
const helm = HELMS.find((h) => h.path) ?? (HELMS[1] as (typeof HELMS)[number]);
const dir = mkdtempSync(join(tmpdir(), 'tws-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]): Promise<{ code: number; output: string }> {
  const r = await promtool.run(args, { cwd: dir });
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
}

const NS = 'toggl';
const JOB = 'tws-toggl-webhooks-sync';
const ALERTS = [
  'TogglWebhooksDriftPersists',
  'TogglWebhooksReconcileFailing',
  'TogglWebhooksNoRecentSuccess',
  'TogglWebhooksConfigInvalid',
  'TogglWebhooksMetricsAbsent',
];

interface Rule {
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

let rules: Rule[] = [];

/** A series of the release, as a ServiceMonitor scrape labels it (pod tells restarts apart). */
function series(name: string, values: string, labels: Record<string, string> = {}, pod = 'a') {
  const all = { namespace: NS, job: JOB, pod, ...labels };
  const text = Object.entries(all)
    .map(([k, v]) => `${k}="${v}"`)
    .join(', ');
  return { series: `${name}{${text}}`, values };
}

/** The alert as promtool reports it: the rule's labels plus the series', annotations expanded. */
function firing(alert: string, labels: Record<string, string>, value = '') {
  const rule = rules.find((r) => r.alert === alert) as Rule;
  const expand = (s: string) =>
    s
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k] ?? '')
      .replace('{{ $value }}', value);
  return {
    exp_labels: { ...rule.labels, ...labels },
    exp_annotations: Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, expand(v)])),
  };
}

/** Asserts at `eval_time` exactly `expected` alerts of each name (none for the others). */
function at(evalTime: string, expected: Record<string, ReturnType<typeof firing>[]> = {}) {
  return ALERTS.map((alertname) => ({
    eval_time: evalTime,
    alertname,
    exp_alerts: expected[alertname] ?? [],
  }));
}

async function testRules(name: string, tests: JsonObject[]): Promise<void> {
  writeFileSync(
    join(dir, `${name}.rules.yml`),
    stringify({ groups: [{ name: 'toggl-webhooks-sync', rules }] }),
  );
  writeFileSync(
    join(dir, `${name}.test.yml`),
    stringify({ rule_files: [`${name}.rules.yml`], evaluation_interval: '1m', tests }),
  );
  const result = await run(['test', 'rules', `${name}.test.yml`]);
  expect(result.output).toContain('SUCCESS');
  expect(result.code, result.output).toBe(0);
}

const ns = { namespace: NS };

helm.describe(`the chart's alerts (rendered by ${helm.name})`, () => {
  promtool.describe('in promtool', () => {
    beforeAll(async () => {
      const { code, stderr, objects } = await render(helm, [
        `${CHART_DIR}/ci/default-values.yaml`,
        { prometheusRule: { enabled: true } },
      ]);
      expect(code, stderr).toBe(0);
      const rule = objects.find((o) => o.kind === 'PrometheusRule') as unknown as {
        spec: { groups: { rules: Rule[] }[] };
      };
      rules = rule.spec.groups[0]!.rules;
    });

    it('are five, each with a runbook on docs/troubleshooting.md, and parse', async () => {
      expect(rules.map((r) => r.alert)).toEqual(ALERTS);
      const anchors = headingAnchors(read('docs/troubleshooting.md'));
      for (const r of rules) {
        const url = new URL(r.annotations['runbook_url'] as string);
        expect(url.pathname, r.alert).toMatch(/\/docs\/troubleshooting\.md$/);
        expect(anchors, `${r.alert} -> ${url.hash}`).toContain(url.hash.slice(1));
      }
      writeFileSync(join(dir, 'check.yml'), stringify({ groups: [{ name: 'g', rules }] }));
      const result = await run(['check', 'rules', 'check.yml']);
      expect(result.output).toContain('SUCCESS: 5 rules found');
      expect(result.code, result.output).toBe(0);
    });

    it('fire when they should', async () => {
      await testRules('fire', [
        {
          interval: '1m',
          input_series: [
            // Workspace 42 keeps one outstanding change; 43's drift is corrected after 10 minutes.
            series('toggl_webhooks_drift', '1x90', { workspace_id: '42', action: 'update' }),
            series('toggl_webhooks_drift', '1x10 0x80', { workspace_id: '43', action: 'create' }),
            // Successes every minute until minute 10, then only failures.
            series('toggl_webhooks_reconcile_total', '0+1x10 11x80', { result: 'success' }),
            series('toggl_webhooks_reconcile_total', '0x10 1+1x80', { result: 'error' }),
            series('toggl_webhooks_last_success_timestamp_seconds', '0+60x10 600x80'),
            series('process_start_time_seconds', '0x90'),
            // Invalid files from minute 11 to 30.
            series('toggl_webhooks_config_valid', '1x10 0x20 1x60'),
          ],
          alert_rule_test: [
            ...at('29m', {
              TogglWebhooksConfigInvalid: [firing('TogglWebhooksConfigInvalid', ns)],
            }),
            // The error window still holds the successes of minutes 0-10.
            ...at('38m', {
              TogglWebhooksDriftPersists: [
                firing('TogglWebhooksDriftPersists', { ...ns, workspace_id: '42' }, '1'),
              ],
            }),
            ...at('42m', {
              TogglWebhooksDriftPersists: [
                firing('TogglWebhooksDriftPersists', { ...ns, workspace_id: '42' }, '1'),
              ],
              TogglWebhooksReconcileFailing: [firing('TogglWebhooksReconcileFailing', ns)],
            }),
            // Last success at 10m: more than an hour without one from 70m, for 5m.
            ...at('74m', {
              TogglWebhooksDriftPersists: [
                firing('TogglWebhooksDriftPersists', { ...ns, workspace_id: '42' }, '1'),
              ],
              TogglWebhooksReconcileFailing: [firing('TogglWebhooksReconcileFailing', ns)],
            }),
            {
              eval_time: '76m',
              alertname: 'TogglWebhooksNoRecentSuccess',
              exp_alerts: [firing('TogglWebhooksNoRecentSuccess', ns)],
            },
          ],
        },
        {
          // A fresh install that never reaches Toggl: it pages once it has tried for the threshold.
          interval: '1m',
          input_series: [
            series('toggl_webhooks_reconcile_total', '0x90', { result: 'success' }),
            series('toggl_webhooks_reconcile_total', '0+1x90', { result: 'error' }),
            series('toggl_webhooks_last_success_timestamp_seconds', '0x90'),
            series('process_start_time_seconds', '0x90'),
            series('toggl_webhooks_config_valid', '1x90'),
          ],
          alert_rule_test: [
            ...at('62m', {
              TogglWebhooksReconcileFailing: [firing('TogglWebhooksReconcileFailing', ns)],
            }),
            {
              eval_time: '66m',
              alertname: 'TogglWebhooksNoRecentSuccess',
              exp_alerts: [firing('TogglWebhooksNoRecentSuccess', ns)],
            },
          ],
        },
        {
          // Nothing scraped at all (or a selector that matches nothing).
          interval: '1m',
          input_series: [{ series: 'up{job="something-else"}', values: '1x30' }],
          alert_rule_test: [
            ...at('10m'),
            ...at('20m', {
              TogglWebhooksMetricsAbsent: [firing('TogglWebhooksMetricsAbsent', { namespace: NS, job: JOB })],
            }),
          ],
        },
      ]);
    });

    it('stay quiet across a restart during an outage, then page from the last real success', async () => {
      // Pod a succeeded until minute 10, Toggl went away, pod a was replaced at minute 30 by pod b,
      // which exports last_success 0 (it never succeeded) while the outage goes on.
      await testRules('restart', [
        {
          interval: '1m',
          input_series: [
            series('toggl_webhooks_last_success_timestamp_seconds', '0+60x10 600x19 stale'),
            series('process_start_time_seconds', '0x29 stale'),
            series('toggl_webhooks_config_valid', '1x29 stale'),
            series('toggl_webhooks_last_success_timestamp_seconds', '_x31 0x70', {}, 'b'),
            series('process_start_time_seconds', '_x31 1860x70', {}, 'b'),
            series('toggl_webhooks_config_valid', '_x31 1x70', {}, 'b'),
          ],
          alert_rule_test: [
            ...at('36m'),
            ...at('50m'),
            ...at('74m'),
            {
              eval_time: '76m',
              alertname: 'TogglWebhooksNoRecentSuccess',
              exp_alerts: [firing('TogglWebhooksNoRecentSuccess', ns)],
            },
          ],
        },
      ]);
    });

    it('stay quiet through a Toggl outage shorter than their windows', async () => {
      // Reconciles every minute; from minute 20 to 34 every one fails (a 15-minute outage), then they
      // succeed again.
      await testRules('outage', [
        {
          interval: '1m',
          input_series: [
            series('toggl_webhooks_reconcile_total', '0+1x20 20x14 21+1x50', { result: 'success' }),
            series('toggl_webhooks_reconcile_total', '0x20 1+1x14 15x50', { result: 'error' }),
            series('toggl_webhooks_last_success_timestamp_seconds', '0+60x20 1200x14 2100+60x50'),
            series('process_start_time_seconds', '0x85'),
            series('toggl_webhooks_drift', '0x85', { workspace_id: '42', action: 'create' }),
            series('toggl_webhooks_config_valid', '1x85'),
          ],
          alert_rule_test: [...at('25m'), ...at('34m'), ...at('40m'), ...at('70m')],
        },
      ]);
    });

    it('stay quiet through a config rollout that replaces the pod', async () => {
      // watch off: a new config rolls the pod. Pod a is healthy until minute 30; pod b appears at
      // minute 32, loads the new files, finds one change to make and applies it on its first reconcile.
      await testRules('rollout', [
        {
          interval: '1m',
          input_series: [
            series('toggl_webhooks_reconcile_total', '0+1x29 stale', { result: 'success' }),
            series('toggl_webhooks_reconcile_total', '0x29 stale', { result: 'error' }),
            series('toggl_webhooks_last_success_timestamp_seconds', '0+60x29 stale'),
            series('process_start_time_seconds', '0x29 stale'),
            series('toggl_webhooks_config_valid', '1x29 stale'),
            series('toggl_webhooks_drift', '0x29 stale', { workspace_id: '42', action: 'create' }),
            series('toggl_webhooks_reconcile_total', '_x32 0 1+1x60', { result: 'success' }, 'b'),
            series('toggl_webhooks_reconcile_total', '_x32 0x61', { result: 'error' }, 'b'),
            series('toggl_webhooks_last_success_timestamp_seconds', '_x32 0 1980+60x60', {}, 'b'),
            series('process_start_time_seconds', '_x32 1915x61', {}, 'b'),
            series('toggl_webhooks_config_valid', '_x32 0 1x60', {}, 'b'),
            series('toggl_webhooks_drift', '_x32 1 0x60', { workspace_id: '42', action: 'update' }, 'b'),
          ],
          alert_rule_test: [...at('31m'), ...at('33m'), ...at('40m'), ...at('60m'), ...at('90m')],
        },
      ]);
    });

    it('read only the series the daemon exports', () => {
      const allowed = new Set<string>([...CORE_METRICS, ...EXTRA_METRICS, 'process_start_time_seconds']);
      for (const r of rules) {
        const names = promqlMetricNames(r.expr);
        expect(names.length, r.expr).toBeGreaterThan(0);
        expect(
          names.filter((n) => !allowed.has(n)),
          r.expr,
        ).toEqual([]);
      }
    });

    it('leave out the absent-metrics alert while the daemon is paused (replicaCount 0)', async () => {
      const { objects } = await render(helm, [
        `${CHART_DIR}/ci/default-values.yaml`,
        { replicaCount: 0, prometheusRule: { enabled: true } },
      ]);
      const paused = objects.find((o) => o.kind === 'PrometheusRule') as unknown as {
        spec: { groups: { rules: Rule[] }[] };
      };
      expect(paused.spec.groups[0]!.rules.map((r) => r.alert)).toEqual(ALERTS.slice(0, 4));
    });

    it('are the ones docs/helm-and-docker.md shows', () => {
      const doc = read('docs/helm-and-docker.md');
      const block = (/```promql\n([\s\S]*?)```/.exec(doc)?.[1] ?? '').replace(/\s+/g, ' ');
      for (const r of rules) {
        const unscoped = r.expr
          .replaceAll(`namespace="${NS}", job="${JOB}", `, '')
          .replaceAll(`{namespace="${NS}", job="${JOB}"}`, '')
          .replace(/\s+/g, ' ');
        expect(block, r.alert).toContain(unscoped);
      }
    });
  });
});

promtool.describe('the other PromQL we ship, in promtool', () => {
  it('parses every Grafana query', async () => {
    const dashboard = JSON.parse(read('examples/grafana/dashboard.json')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    // Grafana's variables, as Grafana substitutes them before querying.
    const recording = exprs.map((expr, i) => ({
      record: `grafana:query_${i}`,
      expr: expr
        .replaceAll('$__rate_interval', '4m')
        .replaceAll('$job', '.*')
        .replaceAll('$workspace', '.*')
        .replaceAll('$namespace', '.*'),
    }));
    writeFileSync(join(dir, 'grafana.yml'), stringify({ groups: [{ name: 'grafana', rules: recording }] }));
    const result = await run(['check', 'rules', 'grafana.yml']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${recording.length} rules found`);
  });
});

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
function headingAnchors(markdown: string): string[] {
  return [...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
    (m[1] as string)
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-'),
  );
}

describe('headingAnchors', () => {
  it('derives the anchors GitHub gives headings', () => {
    expect(headingAnchors('# Troubleshooting\n## `402` / API quota exhausted\n### No metrics')).toEqual([
      'troubleshooting',
      '402--api-quota-exhausted',
      'no-metrics',
    ]);
  });
});
