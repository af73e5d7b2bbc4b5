import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tool } from '../support/tools.js';
import { CHART_DIR, type JsonObject, read, readYaml, stripTemplateComments } from './helpers.js';

// The chart's alerting rules, the Grafana queries and the PromQL of docs/helm-and-docker.md go through Prometheus' own
// parser and rule engine: promtool, which .ci/run installs with the Debian prometheus package.

const dir = mkdtempSync(join(tmpdir(), 'tws-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const promtoolTool = tool('promtool');

interface Run {
  code: number;
  output: string;
}

async function promtool(args: string[]): Promise<Run> {
  const run = await promtoolTool.run(args, { cwd: dir });
  return { code: run.code, output: `${run.stdout}${run.stderr}` };
}

const SELECTOR = 'namespace="toggl", job="tws"';
const p = (readYaml(`${CHART_DIR}/values.yaml`) as JsonObject).prometheusRule as JsonObject;

/**
 * The rules of templates/prometheusrule.yaml as helm renders them with the default values for a release
 * `tws` in namespace `toggl` (the selector and thresholds substituted the way the template does).
 */
function renderedRules(): JsonObject[] {
  const text = stripTemplateComments(read(`${CHART_DIR}/templates/prometheusrule.yaml`));
  const substitute = (s: string) =>
    s
      .replace(/\{\{- \$sel -\}\}/g, SELECTOR)
      .replace(/\{\{ `([^`]*)` \}\}/g, '$1')
      .replace(/\{\{ \$p\.(\w+) \}\}/g, (_m, key: string) => String(p[key]));
  const rules: JsonObject[] = [];
  const block =
    /- alert: (\w+)\n\s+expr: \|-\n\s+([^\n]+)\n(?:\s+for: ([^\n]+)\n)?\s+labels:\n\s+severity: (\w+)\n[\s\S]*?annotations:\n\s+summary: "([^"]*)"\n\s+description: "([^"]*)"/g;
  for (const m of text.matchAll(block)) {
    const [, alert, expr, forDuration, severity, summary, description] = m as unknown as string[];
    rules.push({
      alert: alert as string,
      expr: substitute(expr as string),
      ...(forDuration ? { for: substitute(forDuration) } : {}),
      labels: { severity: severity as string },
      annotations: { summary: substitute(summary as string), description: substitute(description as string) },
    });
  }
  return rules;
}

promtoolTool.describe('the chart alerts, in promtool', () => {
  const rules = renderedRules();
  const annotations = (name: string) => (rules.find((r) => r.alert === name) as JsonObject).annotations;

  it('are all extracted from the template', () => {
    expect(rules.map((r) => r.alert)).toEqual([
      'TogglWebhooksDriftPersists',
      'TogglWebhooksReconcileFailing',
      'TogglWebhooksNoRecentSuccess',
      'TogglWebhooksConfigInvalid',
      'TogglWebhooksMetricsAbsent',
    ]);
  });

  it('parse as Prometheus rules', async () => {
    writeFileSync(
      join(dir, 'chart-rules.yml'),
      stringify({ groups: [{ name: 'toggl-webhooks-sync', rules }] }),
    );
    const result = await promtool(['check', 'rules', 'chart-rules.yml']);
    expect(result.output).toContain('SUCCESS: 5 rules found');
    expect(result.code, result.output).toBe(0);
  });

  it('fire when they should and stay quiet otherwise', async () => {
    const series = (name: string, labels: string, values: string) => ({
      series: `${name}{${SELECTOR}${labels}}`,
      values,
    });
    const tests = {
      rule_files: ['chart-rules.yml'],
      evaluation_interval: '1m',
      tests: [
        {
          interval: '1m',
          input_series: [
            // Workspace 42 keeps one outstanding change; 43's drift is corrected after 10 minutes.
            series('toggl_webhooks_drift', ', workspace_id="42", action="update"', '1x90'),
            series('toggl_webhooks_drift', ', workspace_id="43", action="create"', '1x10 0x80'),
            // One failed reconcile at minute 11.
            series('toggl_webhooks_reconcile_total', ', result="error"', '0x10 1x80'),
            series('toggl_webhooks_reconcile_total', ', result="success"', '0+1x90'),
            // Successes every minute until minute 10 (value = time of the success), then none.
            series('toggl_webhooks_last_success_timestamp_seconds', '', '0+60x10 600x80'),
            // Invalid files from minute 11 to 30.
            series('toggl_webhooks_config_valid', '', '1x10 0x20 1x60'),
          ],
          alert_rule_test: [
            { eval_time: '29m', alertname: 'TogglWebhooksDriftPersists', exp_alerts: [] },
            {
              eval_time: '31m',
              alertname: 'TogglWebhooksDriftPersists',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', namespace: 'toggl', workspace_id: '42' },
                  exp_annotations: {
                    summary: 'Toggl workspace 42 has not matched git for 30m.',
                    description: String(
                      (annotations('TogglWebhooksDriftPersists') as JsonObject).description,
                    ).replace('{{ $value }}', '1'),
                  },
                },
              ],
            },
            { eval_time: '5m', alertname: 'TogglWebhooksReconcileFailing', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'TogglWebhooksReconcileFailing',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', namespace: 'toggl' },
                  exp_annotations: annotations('TogglWebhooksReconcileFailing'),
                },
              ],
            },
            { eval_time: '60m', alertname: 'TogglWebhooksReconcileFailing', exp_alerts: [] },
            { eval_time: '72m', alertname: 'TogglWebhooksNoRecentSuccess', exp_alerts: [] },
            {
              eval_time: '80m',
              alertname: 'TogglWebhooksNoRecentSuccess',
              exp_alerts: [
                {
                  exp_labels: { severity: 'critical', namespace: 'toggl' },
                  exp_annotations: annotations('TogglWebhooksNoRecentSuccess'),
                },
              ],
            },
            { eval_time: '5m', alertname: 'TogglWebhooksConfigInvalid', exp_alerts: [] },
            {
              eval_time: '15m',
              alertname: 'TogglWebhooksConfigInvalid',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', namespace: 'toggl' },
                  exp_annotations: annotations('TogglWebhooksConfigInvalid'),
                },
              ],
            },
            { eval_time: '45m', alertname: 'TogglWebhooksConfigInvalid', exp_alerts: [] },
            { eval_time: '45m', alertname: 'TogglWebhooksMetricsAbsent', exp_alerts: [] },
          ],
        },
        {
          // Nothing scraped at all (or a selector that matches nothing).
          interval: '1m',
          input_series: [{ series: 'up{job="something-else"}', values: '1x30' }],
          alert_rule_test: [
            { eval_time: '10m', alertname: 'TogglWebhooksMetricsAbsent', exp_alerts: [] },
            {
              eval_time: '20m',
              alertname: 'TogglWebhooksMetricsAbsent',
              exp_alerts: [
                {
                  exp_labels: { severity: 'warning', namespace: 'toggl', job: 'tws' },
                  exp_annotations: annotations('TogglWebhooksMetricsAbsent'),
                },
              ],
            },
            { eval_time: '20m', alertname: 'TogglWebhooksDriftPersists', exp_alerts: [] },
          ],
        },
      ],
    };
    writeFileSync(
      join(dir, 'chart-rules.yml'),
      stringify({ groups: [{ name: 'toggl-webhooks-sync', rules }] }),
    );
    writeFileSync(join(dir, 'chart-rules.test.yml'), stringify(tests));
    const result = await promtool(['test', 'rules', 'chart-rules.test.yml']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });
});

promtoolTool.describe('the other PromQL we ship, in promtool', () => {
  it('parses every Grafana query', async () => {
    const dashboard = JSON.parse(read('examples/grafana/dashboard.json')) as {
      panels: { targets?: { expr: string }[] }[];
    };
    const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThan(10);
    // Grafana's variables, as Grafana substitutes them before querying.
    const rules = exprs.map((expr, i) => ({
      record: `grafana:query_${i}`,
      expr: expr.replaceAll('$__rate_interval', '4m').replaceAll('$job', '.*').replaceAll('$workspace', '.*'),
    }));
    writeFileSync(join(dir, 'grafana.yml'), stringify({ groups: [{ name: 'grafana', rules }] }));
    const result = await promtool(['check', 'rules', 'grafana.yml']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('parses the alert expressions of docs/helm-and-docker.md', async () => {
    const doc = read('docs/helm-and-docker.md');
    const block = /```promql\n([\s\S]*?)```/.exec(doc)?.[1] ?? '';
    const exprs = block.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(exprs).toHaveLength(5);
    const rules = exprs.map((expr, i) => ({ alert: `Readme${i}`, expr }));
    writeFileSync(join(dir, 'readme.yml'), stringify({ groups: [{ name: 'readme', rules }] }));
    const result = await promtool(['check', 'rules', 'readme.yml']);
    expect(result.code, result.output).toBe(0);
  });
});
