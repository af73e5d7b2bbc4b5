import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  chartTemplates,
  enclosingBlocks,
  type JsonObject,
  promqlMetricNames,
  ROOT,
  read,
  readYaml,
  stripTemplateComments,
} from './helpers.js';

// helm cannot be installed on the build machines, so the templates are checked as text here; CI renders
// them with helm 3 and 4 and validates the output with kubeconform (.github/workflows/ci.yml).

const tpl = (name: string) => stripTemplateComments(read(`${CHART_DIR}/templates/${name}`));
const deployment = tpl('deployment.yaml');
const helpers = tpl('_helpers.tpl');
const values = readYaml(`${CHART_DIR}/values.yaml`) as JsonObject;

/** The text of the container `name` in the deployment template, up to the next container. */
function container(text: string, name: string): string {
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

describe('deployment.yaml', () => {
  const daemon = container(deployment, 'daemon');

  it('runs one daemon, recreated rather than rolled', () => {
    expect(deployment).toContain('replicas: {{ .Values.replicaCount }}');
    expect(deployment).toMatch(/strategy:\n\s+type: Recreate\n/);
    expect(deployment).not.toContain('type: RollingUpdate');
    // The reason is written next to it, for whoever is tempted to change it.
    expect(deployment).toMatch(/Recreate, not RollingUpdate: [^\n]+\n[^\n]*reconcilers/);
  });

  it('runs `daemon` with the chart flags and reads the input path last', () => {
    const args = daemon.slice(daemon.indexOf('args:'), daemon.indexOf('env:'));
    expect(args).toMatch(/- daemon\n/);
    expect(args).toContain('"--interval=%s" .Values.daemon.interval');
    expect(args).toContain('"--listen=%s:%v" .Values.daemon.listenHost .Values.daemon.port');
    expect(args).toContain('"--log-level=%s" .Values.daemon.logLevel');
    const dryRun = args.indexOf('- --dry-run');
    expect(enclosingBlocks(args, dryRun)).toContain('if .Values.daemon.dryRun ');
    const massDelete = args.indexOf('- --allow-mass-delete');
    expect(enclosingBlocks(args, massDelete)).toContain('if .Values.daemon.allowMassDelete ');
    expect(enclosingBlocks(args, args.indexOf('- --no-watch'))).toContain('if not .Values.watch ');
    expect(args.trimEnd().endsWith('- {{ include "toggl-webhooks-sync.inputPath" . | quote }}')).toBe(true);
    expect(helpers).toContain('{{- print "/config" }}');
    expect(helpers).toContain('{{- $path := printf "/git/%s" .Values.gitSync.link }}');
  });

  it('passes only flags the built daemon command has, with the same defaults', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'dist/cli.js'),
      'daemon',
      '--help',
    ]);
    const help = stdout.replace(/\s+/g, ' ');
    const args = daemon.slice(daemon.indexOf('args:'), daemon.indexOf('env:'));
    const flags = [...new Set([...args.matchAll(/--[a-z][a-z-]+/g)].map((m) => m[0]))];
    expect(flags.sort()).toEqual([
      '--allow-mass-delete',
      '--dry-run',
      '--interval',
      '--listen',
      '--log-level',
      '--no-watch',
    ]);
    for (const flag of flags) expect(help).toContain(`${flag} `);
    const d = values.daemon as JsonObject;
    expect(help).toMatch(new RegExp(`--interval <duration> [^-]*\\(default: ${d.interval}\\)`));
    expect(help).toContain(`(default: ${d.listenHost}:${d.port})`);
  });

  it('probes /healthz for liveness and /readyz for readiness on the metrics port', () => {
    expect(daemon).toMatch(/livenessProbe:\n\s+httpGet:\n\s+path: \/healthz\n\s+port: metrics\n/);
    expect(daemon).toMatch(/readinessProbe:\n\s+httpGet:\n\s+path: \/readyz\n\s+port: metrics\n/);
    expect(daemon).toMatch(/- name: metrics\n\s+containerPort: \{\{ \.Values\.daemon\.port \}\}/);
  });

  it('takes the token from an existing Secret and never from values', () => {
    expect(daemon).toMatch(
      /- name: TOGGL_API_TOKEN\n\s+valueFrom:\n\s+secretKeyRef:\n\s+name: \{\{ \.Values\.token\.existingSecret \}\}\n\s+key: \{\{ \.Values\.token\.key \}\}/,
    );
    expect(helpers).toMatch(
      /required "token\.existingSecret is required[^"]*" \.Values\.token\.existingSecret/,
    );
    const apiUrl = daemon.indexOf('- name: TOGGL_API_URL');
    expect(enclosingBlocks(daemon, apiUrl)).toContain('with .Values.apiUrl ');
    expect(Object.keys(values.token as JsonObject).sort()).toEqual(['existingSecret', 'key']);
  });

  it('hardens the pod and the daemon container', () => {
    expect(deployment).toMatch(
      /securityContext:\n\s+\{\{- toYaml \.Values\.podSecurityContext \| nindent 8 \}\}/,
    );
    expect(daemon).toMatch(/securityContext:\n\s+\{\{- toYaml \.Values\.securityContext \| nindent 12 \}\}/);
    expect(daemon).toMatch(/resources:\n\s+\{\{- toYaml \.Values\.resources \| nindent 12 \}\}/);
    expect(deployment).toContain('automountServiceAccountToken: false');
    expect(tpl('serviceaccount.yaml')).toContain('automountServiceAccountToken: false');
  });

  it('gives the read-only root filesystem a small writable /tmp', () => {
    expect(daemon).toMatch(/- name: tmp\n\s+mountPath: \/tmp\n/);
    expect(deployment).toMatch(/- name: tmp\n\s+emptyDir:\n\s+sizeLimit: \d+Mi\n/);
  });

  it('mounts the whole ConfigMap (no subPath, so the kubelet updates it in place)', () => {
    expect(daemon).toMatch(/- name: config\n\s+mountPath: \/config\n\s+readOnly: true\n/);
    expect(deployment.split('\n').filter((l) => /^\s*[^#\s][^#]*subPath:/.test(l))).toEqual([]);
    expect(deployment).toMatch(
      /configMap:\n\s+name: \{\{ include "toggl-webhooks-sync\.configMapName" \. \}\}/,
    );
  });

  it('adds the config checksum only when file watching is off', () => {
    const checksum = deployment.indexOf('"checksum/config"');
    expect(checksum).toBeGreaterThan(-1);
    expect(enclosingBlocks(deployment, checksum)).toContain(
      'if and (not .Values.watch) .Values.subscriptions ',
    );
    expect(deployment).toContain('(include (print $.Template.BasePath "/configmap.yaml") . | sha256sum)');
    expect(deployment.match(/checksum\//g)).toHaveLength(1);
  });

  it('runs git-sync v4 as an init container and a sidecar sharing an emptyDir', () => {
    const gitSync = values.gitSync as JsonObject;
    expect((gitSync.image as JsonObject).repository).toBe('registry.k8s.io/git-sync/git-sync');
    expect(String((gitSync.image as JsonObject).tag)).toMatch(/^v4\.\d+\.\d+$/);
    for (const flag of ['--repo=', '--ref=', '--root=/git', '--link=', '--depth='])
      expect(helpers).toContain(flag);
    // v3 flag names, which v4 no longer documents.
    for (const flag of ['--branch', '--dest', '--wait', '--rev']) expect(helpers).not.toContain(`${flag}=`);
    const init = container(deployment, 'git-sync-init');
    expect(init).toContain('- --one-time');
    const sidecar = container(deployment, 'git-sync');
    expect(sidecar).toContain('"--period=%s" .Values.gitSync.period');
    expect(sidecar).toContain('"--max-failures=%v" .Values.gitSync.maxFailures');
    expect(enclosingBlocks(deployment, deployment.indexOf('- name: git-sync\n'))).toContain(
      'if .Values.gitSync.enabled ',
    );
    expect(deployment).toMatch(/- name: git\n\s+emptyDir:/);
    expect(daemon).toMatch(/- name: git\n\s+mountPath: \/git\n\s+readOnly: true\n/);
  });

  it('hardens the git-sync containers too and keeps credentials out of args', () => {
    const body = helpers.slice(helpers.indexOf('define "toggl-webhooks-sync.gitSyncContainer"'));
    for (const line of [
      'runAsNonRoot: true',
      'runAsUser: 65533',
      'readOnlyRootFilesystem: true',
      'allowPrivilegeEscalation: false',
      '- ALL',
      'type: RuntimeDefault',
    ]) {
      expect(body).toContain(line);
    }
    expect(body).toMatch(/- name: git-tmp\n\s+mountPath: \/tmp/);
    expect(helpers).toContain('--password-file=/etc/git-secret/password');
    expect(helpers).not.toMatch(/--password=|--username=/);
    expect(deployment).toContain('defaultMode: 256');
  });
});

describe('configmap.yaml, service.yaml, servicemonitor.yaml', () => {
  it('renders the ConfigMap only for files given in values', () => {
    const cm = tpl('configmap.yaml');
    expect(cm.split('\n')[0]).toBe(
      '{{- if and .Values.subscriptions (not .Values.existingConfigMap) (not .Values.gitSync.enabled) }}',
    );
    expect(cm).toContain('{{- toYaml .Values.subscriptions | nindent 2 }}');
  });

  it('exposes the metrics port, also while the pod is not ready', () => {
    const svc = tpl('service.yaml');
    expect(svc).toMatch(
      /- name: metrics\n\s+port: \{\{ \.Values\.service\.port \}\}\n\s+targetPort: metrics/,
    );
    expect(svc).toContain('publishNotReadyAddresses: true');
    expect(values.service).toMatchObject({ port: 9464 });
  });

  it('scrapes /metrics through an optional ServiceMonitor', () => {
    const sm = tpl('servicemonitor.yaml');
    expect(sm.split('\n')[0]).toBe('{{- if .Values.serviceMonitor.enabled }}');
    expect(sm).toContain('apiVersion: monitoring.coreos.com/v1');
    expect(sm).toMatch(/- port: metrics\n\s+path: \/metrics/);
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
