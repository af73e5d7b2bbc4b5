import { describe, expect, it } from 'vitest';
import { HELMS, lint, NAMESPACE, render, type Values } from './helm.js';
import { CHART_DIR, listFiles } from './helpers.js';
import { KUBERNETES_VERSION, schemaErrors } from './k8s-schema.js';

// Every values file the repository ships, and a matrix of toggles over the smallest install, through
// real Helm 3 and Helm 4: `helm lint --strict`, `helm template`, and every rendered object validated
// offline against the Kubernetes and prometheus-operator schemas (test/shipping/k8s-schemas/).

const DEFAULTS = `${CHART_DIR}/ci/default-values.yaml`;
const FILES = [...listFiles(`${CHART_DIR}/ci`, /\.ya?ml$/), ...listFiles('examples/kubernetes', /\.ya?ml$/)];

const TOGGLES: Record<string, Values[]> = {
  'watch off (checksum rolls the pod)': [DEFAULTS, { watch: false }],
  'paused (replicaCount 0) with alerts': [DEFAULTS, { replicaCount: 0, prometheusRule: { enabled: true } }],
  'dry run, mass delete allowed': [DEFAULTS, { daemon: { dryRun: true, allowMassDelete: true } }],
  'existing ConfigMap, no ServiceAccount': [
    { token: { existingSecret: 't' }, existingConfigMap: 'cm', serviceAccount: { create: false } },
  ],
  'git-sync over https': [
    {
      token: { existingSecret: 't' },
      gitSync: {
        enabled: true,
        repo: 'https://example.com/r.git',
        auth: { method: 'https', existingSecret: 'g' },
      },
    },
  ],
  'ServiceMonitor and PrometheusRule': [
    DEFAULTS,
    { serviceMonitor: { enabled: true }, prometheusRule: { enabled: true } },
  ],
  'image by digest': [DEFAULTS, { image: { digest: `sha256:${'a'.repeat(64)}` } }],
  'token file, NetworkPolicy, extras, relabelings, reconciled readiness': [
    DEFAULTS,
    {
      token: { asFile: true },
      readinessProbe: { mode: 'reconciled' },
      commonLabels: { team: 'platform' },
      grafanaDashboard: { enabled: true },
      networkPolicy: {
        enabled: true,
        metricsFrom: [{ podSelector: { matchLabels: { app: 'prometheus' } } }],
      },
      extraVolumes: [{ name: 'ca', configMap: { name: 'corp-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ca', readOnly: true }],
      extraContainers: [{ name: 'shipper', image: 'example/shipper:1' }],
      initContainers: [{ name: 'wait', image: 'example/wait:1', command: ['true'] }],
      serviceMonitor: {
        enabled: true,
        relabelings: [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
        metricRelabelings: [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }],
        targetLabels: ['team'],
      },
    },
  ],
  'git-sync with the platform assigning its user (OpenShift), NetworkPolicy': [
    `${CHART_DIR}/ci/git-sync-ssh-values.yaml`,
    { gitSync: { securityContext: { runAsUser: null, runAsGroup: null } }, networkPolicy: { enabled: true } },
  ],
};

const CASES: [string, Values[]][] = [
  ...FILES.map((f): [string, Values[]] => [f, [f]]),
  ...Object.entries(TOGGLES),
];

describe(`rendered objects (schemas: Kubernetes ${KUBERNETES_VERSION}, prometheus-operator CRDs)`, () => {
  for (const helm of HELMS) {
    helm.describe(helm.name, () => {
      it.each(CASES)('%s: lint --strict, template, every object valid', async (_name, values) => {
        const linted = await lint(helm, values);
        expect(linted.code, linted.output).toBe(0);
        const { code, stderr, objects } = await render(helm, values);
        expect(code, stderr).toBe(0);
        expect(objects.map((o) => o.kind)).toContain('Deployment');
        expect(objects.flatMap(schemaErrors)).toEqual([]);
        for (const o of objects) expect(o.metadata.namespace, `${o.kind} namespace`).toBe(NAMESPACE);
      });
    });
  }
});

describe('wrong values, refused by values.schema.json in Helm itself', () => {
  const REFUSED: [string, Values, string][] = [
    ['a memory limit that is not a quantity', { resources: { limits: { memory: 'lots' } } }, 'resources'],
    ['a misspelt affinity key', { affinity: { nodeAfinity: {} } }, 'nodeAfinity'],
    ['an extraEnv item without value', { extraEnv: [{ name: 'FOO' }] }, 'extraEnv'],
    ['an unknown readiness mode', { readinessProbe: { mode: 'synced' } }, 'readinessProbe'],
  ];
  for (const helm of HELMS) {
    helm.describe(helm.name, () => {
      it.each(REFUSED)('%s', async (_name, values, mentioned) => {
        const { code, stderr } = await render(helm, [DEFAULTS, values]);
        expect(code).not.toBe(0);
        expect(stderr).toContain("values don't meet the specifications of the schema");
        expect(stderr).toContain(mentioned);
      });
    });
  }
});

describe('the offline validator', () => {
  const deployment = () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'd', namespace: 'n' },
    spec: {
      selector: { matchLabels: { a: 'b' } },
      template: {
        metadata: { labels: { a: 'b' } },
        spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { memory: '256Mi', cpu: 1 } } }] },
      },
    },
  });

  it('accepts a valid object and names the path of each problem', () => {
    expect(schemaErrors(deployment())).toEqual([]);
    const typo = deployment();
    (typo.spec.template.spec as Record<string, unknown>)['affinty'] = {};
    expect(schemaErrors(typo)).toEqual([
      'Deployment/d: /spec/template/spec must NOT have additional properties (affinty)',
    ]);
    const lots = deployment();
    lots.spec.template.spec.containers[0]!.resources.limits.memory = 'lots';
    expect(schemaErrors(lots).join('\n')).toContain(
      '/spec/template/spec/containers/0/resources/limits/memory',
    );
    expect(schemaErrors({ ...deployment(), apiVersion: 'apps/v1beta1' })).toEqual([
      'Deployment/d: no schema for apps/v1beta1 Deployment',
    ]);
  });

  it('checks ServiceMonitor and PrometheusRule against the prometheus-operator CRDs', () => {
    const sm = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 's' },
      spec: { selector: {}, endpoints: [{ port: 'metrics', relabelings: [{ action: 'Keep' }] }] },
    };
    expect(schemaErrors(sm)).toEqual([]);
    sm.spec.endpoints[0]!.relabelings[0]!.action = 'keepit';
    expect(schemaErrors(sm).join('\n')).toContain('/spec/endpoints/0/relabelings/0/action');
  });
});
