import { describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  chartTemplates,
  enclosingBlocks,
  type JsonObject,
  promqlMetricNames,
  read,
  readYaml,
  stripTemplateComments,
} from './helpers.js';

// helm cannot be installed on the build machines, so the templates are checked as text here; CI renders
// them with helm 3 and 4 and validates the output with kubeconform (.github/workflows/ci.yml).

const tpl = (name: string) => stripTemplateComments(read(`${CHART_DIR}/templates/${name}`));
const _deployment = tpl('deployment.yaml');
const _helpers = tpl('_helpers.tpl');
const _values = readYaml(`${CHART_DIR}/values.yaml`) as JsonObject;

/** The text of the container `name` in the deployment template, up to the next container. */
function _container(text: string, name: string): string {
  const start = text.indexOf(`- name: ${name}\n`);
  expect(start, `container ${name}`).toBeGreaterThan(-1);
  const rest = text.slice(start + 1);
  const next = rest.search(/\n {8}- name: |\n {6}volumes:|\n {6}containers:/);
  return next === -1 ? rest : rest.slice(0, next);
}

describe('Chart.yaml', () => {
  const chart = readYaml(`${CHART_DIR}/Chart.yaml`) as JsonObject;
  const pkg = JSON.parse(read('package.json')) as { version: string };

  it('is an apiVersion v2 application chart deploying this release', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'toggl-webhooks-sync', type: 'application' });
    expect(chart.appVersion).toBe(pkg.version);
    expect(String(chart.version)).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('templates', () => {
  it('open and close every block', () => {
    for (const { file, text } of chartTemplates()) {
      const opened = text.match(/\{\{-?\s*(if|with|range|define)\b/g)?.length ?? 0;
      const closed = text.match(/\{\{-?\s*end\s*-?\}\}/g)?.length ?? 0;
      expect(closed, file).toBe(opened);
      expect(text.match(/\{\{/g)?.length ?? 0, `${file} {{ vs }}`).toBe(text.match(/\}\}/g)?.length ?? 0);
    }
  });

  it('put every namespaced object in the release namespace', () => {
    for (const { file, text } of chartTemplates()) {
      if (!/^kind: /m.test(text)) continue;
      expect(text, file).toContain('namespace: {{ .Release.Namespace }}');
      expect(text, file).toContain('{{- include "toggl-webhooks-sync.labels" . | nindent 4 }}');
    }
  });
});

describe('the extractor used above', () => {
  it('finds metric names and skips functions, labels, keywords and template actions', () => {
    expect(
      promqlMetricNames(
        'histogram_quantile(0.95, sum by (le) (rate(a_bucket{job=~"$job", x="y{z}"}[$__rate_interval]))) / on (i) group_left b_total offset 5m > 1e+06 and bool c',
      ),
    ).toEqual(['a_bucket', 'b_total', 'c']);
    expect(promqlMetricNames('time() - max(d{ {{- $sel -}} }) > {{ $p.n }} or vector(0)')).toEqual(['d']);
  });

  it('tracks the blocks enclosing a position', () => {
    const text = '{{- if a }}{{ with b }}{{ end }}{{- if c }}X{{ end }}{{ end }}';
    expect(enclosingBlocks(text, text.indexOf('X'))).toEqual(['if a ', 'if c ']);
  });
});
