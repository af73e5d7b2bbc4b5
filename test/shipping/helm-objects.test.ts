import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, expect, it } from 'vitest';
import { HELMS, NAMESPACE, notes, render, type Values } from './helm.js';
import { CHART_DIR, ROOT, read } from './helpers.js';
import type { K8sObject } from './k8s-schema.js';

// What the chart renders, read from real `helm template` output as objects (not the templates as text).

const helm = HELMS.find((h) => h.path) ?? (HELMS[1] as (typeof HELMS)[number]);
const DEFAULTS = `${CHART_DIR}/ci/default-values.yaml`;
const GIT_SYNC = `${CHART_DIR}/ci/git-sync-ssh-values.yaml`;

// biome-ignore lint/suspicious/noExplicitAny: rendered Kubernetes objects are walked freely in assertions
type Any = any;

async function objects(...values: Values[]): Promise<K8sObject[]> {
  const r = await render(helm, values);
  if (r.code !== 0) throw new Error(r.stderr);
  return r.objects;
}
const kind = (list: K8sObject[], k: string): Any => list.find((o) => o.kind === k);
const podSpec = (list: K8sObject[]): Any => kind(list, 'Deployment').spec.template.spec;
const containerNamed = (list: K8sObject[], name: string): Any =>
  [...(podSpec(list).initContainers ?? []), ...podSpec(list).containers].find((c: Any) => c.name === name);

helm.describe(`the chart as ${helm.name} renders it`, () => {
  let base: K8sObject[];
  beforeAll(async () => {
    base = await objects(DEFAULTS);
  });

  it('runs one daemon, recreated rather than rolled', () => {
    const spec = kind(base, 'Deployment').spec;
    expect(spec.replicas).toBe(1);
    expect(spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('runs `daemon` with flags the built CLI has, the input path last', async () => {
    const args: string[] = containerNamed(base, 'daemon').args;
    expect(args).toEqual([
      'daemon',
      '--interval=10m',
      '--listen=0.0.0.0:9464',
      '--log-level=info',
      '/config',
    ]);
    const toggled = containerNamed(
      await objects(DEFAULTS, { watch: false, daemon: { dryRun: true, allowMassDelete: true } }),
      'daemon',
    ).args;
    expect(toggled.slice(4)).toEqual(['--dry-run', '--allow-mass-delete', '--no-watch', '/config']);
    const { stdout } = await promisify(execFile)(process.execPath, [
      join(ROOT, 'dist/cli.js'),
      'daemon',
      '--help',
    ]);
    for (const arg of [...args, ...toggled].filter((a) => a.startsWith('--'))) {
      expect(stdout).toContain(`${arg.split('=')[0]} `);
    }
    expect(stdout.replace(/\s+/g, ' ')).toContain('(default: 0.0.0.0:9464)');
  });

  it("keeps the image's entrypoint, so its node flags (the lean daemon's) hold in the pod", async () => {
    for (const rendered of [base, await objects(GIT_SYNC)]) {
      const daemon = containerNamed(rendered, 'daemon');
      expect(daemon.command).toBeUndefined();
      expect(daemon.args[0]).toBe('daemon');
    }
  });

  it('probes liveness on /healthz, readiness by readinessProbe.mode', async () => {
    const daemon = containerNamed(base, 'daemon');
    expect(daemon.ports).toEqual([{ name: 'metrics', containerPort: 9464, protocol: 'TCP' }]);
    expect(daemon.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    // Default: Ready while serving, so a Toggl outage never fails helm --wait / Flux / Argo CD.
    expect(daemon.readinessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    const reconciled = containerNamed(
      await objects(DEFAULTS, { readinessProbe: { mode: 'reconciled' } }),
      'daemon',
    );
    expect(reconciled.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
  });

  it('takes the token from the Secret: as env by default, as a mounted file with token.asFile', async () => {
    const env = containerNamed(base, 'daemon').env;
    expect(env[0]).toEqual({
      name: 'TOGGL_API_TOKEN',
      valueFrom: { secretKeyRef: { name: 'toggl-api-token', key: 'token' } },
    });
    const asFile = await objects(DEFAULTS, { token: { asFile: true, key: 'api' } });
    const daemon = containerNamed(asFile, 'daemon');
    expect(daemon.env.map((e: Any) => e.name)).not.toContain('TOGGL_API_TOKEN');
    expect(daemon.env[0]).toEqual({
      name: 'TOGGL_API_TOKEN_FILE',
      value: '/var/run/secrets/toggl-webhooks-sync/token',
    });
    expect(daemon.volumeMounts).toContainEqual({
      name: 'toggl-token',
      mountPath: '/var/run/secrets/toggl-webhooks-sync',
      readOnly: true,
    });
    expect(podSpec(asFile).volumes).toContainEqual({
      name: 'toggl-token',
      secret: { secretName: 'toggl-api-token', defaultMode: 0o440, items: [{ key: 'api', path: 'token' }] },
    });
    const missing = await render(helm, [{ subscriptions: { 'a.yaml': 'x: 1\n' } }]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('token.existingSecret is required');
  });

  it('hardens the pod and every container, with a small writable /tmp', async () => {
    const pod = podSpec(base);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(kind(base, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(pod.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 1000,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const hardened = {
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    expect(containerNamed(base, 'daemon').securityContext).toMatchObject(hardened);
    expect(containerNamed(base, 'daemon').volumeMounts).toContainEqual({ name: 'tmp', mountPath: '/tmp' });
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '16Mi' } });
    const git = await objects(GIT_SYNC);
    for (const name of ['git-sync-init', 'git-sync']) {
      expect(containerNamed(git, name).securityContext).toMatchObject({ ...hardened, runAsUser: 65533 });
    }
  });

  it("lets git-sync's user be assigned by the platform (OpenShift)", async () => {
    const openshift = await objects(GIT_SYNC, {
      gitSync: { securityContext: { runAsUser: null, runAsGroup: null } },
    });
    const sc = containerNamed(openshift, 'git-sync').securityContext;
    expect(sc).not.toHaveProperty('runAsUser');
    expect(sc).not.toHaveProperty('runAsGroup');
    expect(sc).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true });
  });

  it('mounts the whole ConfigMap (no subPath, so the kubelet updates it in place); checksum only with watch off', async () => {
    expect(containerNamed(base, 'daemon').volumeMounts).toContainEqual({
      name: 'config',
      mountPath: '/config',
      readOnly: true,
    });
    const everyMount = [...podSpec(base).containers, ...(podSpec(base).initContainers ?? [])].flatMap(
      (c: Any) => c.volumeMounts ?? [],
    );
    expect(everyMount.filter((m: Any) => m.subPath)).toEqual([]);
    expect(kind(base, 'ConfigMap').data).toHaveProperty('main.yaml');
    expect(kind(base, 'Deployment').spec.template.metadata.annotations).toBeUndefined();
    const unwatched = await objects(DEFAULTS, { watch: false });
    const checksum = kind(unwatched, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    expect(checksum).toMatch(/^[0-9a-f]{64}$/);
    const edited = await objects(DEFAULTS, {
      watch: false,
      subscriptions: { 'main.yaml': 'workspace_id: 2\n' },
    });
    expect(kind(edited, 'Deployment').spec.template.metadata.annotations['checksum/config']).not.toBe(
      checksum,
    );
  });

  it('runs git-sync v4 as an init container and a sidecar, credentials out of args', async () => {
    const git = await objects(GIT_SYNC);
    const init = containerNamed(git, 'git-sync-init');
    expect(init.image).toMatch(/^registry\.k8s\.io\/git-sync\/git-sync:v4\.\d+\.\d+$/);
    expect(init.args).toContain('--one-time');
    const sidecar = containerNamed(git, 'git-sync');
    expect(sidecar.args).toEqual(
      expect.arrayContaining(['--root=/git', '--period=5m', '--max-failures=-1', '--ssh']),
    );
    expect(containerNamed(git, 'daemon').args.at(-1)).toBe('/git/live/teams/platform');
    expect(kind(git, 'ConfigMap')).toBeUndefined();
    const https = await objects({
      token: { existingSecret: 't' },
      gitSync: {
        enabled: true,
        repo: 'https://example.com/r.git',
        auth: { method: 'https', existingSecret: 'g' },
      },
    });
    const args: string[] = containerNamed(https, 'git-sync').args;
    expect(args).toContain('--password-file=/etc/git-secret/password');
    expect(args.filter((a) => /--(password|username)=/.test(a))).toEqual([]);
    expect(podSpec(https).volumes.find((v: Any) => v.name === 'git-secret').secret.defaultMode).toBe(0o400);
  });

  it('adds extra volumes, mounts, containers and init containers where they belong', async () => {
    const extra = await objects(GIT_SYNC, {
      extraVolumes: [{ name: 'ca', configMap: { name: 'corp-ca' } }],
      extraVolumeMounts: [{ name: 'ca', mountPath: '/etc/ca', readOnly: true }],
      extraContainers: [{ name: 'shipper', image: 'example/shipper:1' }],
      initContainers: [{ name: 'wait', image: 'example/wait:1' }],
    });
    const pod = podSpec(extra);
    expect(pod.initContainers.map((c: Any) => c.name)).toEqual(['git-sync-init', 'wait']);
    expect(pod.containers.map((c: Any) => c.name)).toEqual(['daemon', 'git-sync', 'shipper']);
    expect(pod.volumes).toContainEqual({ name: 'ca', configMap: { name: 'corp-ca' } });
    expect(containerNamed(extra, 'daemon').volumeMounts).toContainEqual({
      name: 'ca',
      mountPath: '/etc/ca',
      readOnly: true,
    });
  });

  it('puts commonLabels on every object and the pod, never in the selector', async () => {
    const labelled = await objects(DEFAULTS, {
      commonLabels: { team: 'platform' },
      serviceMonitor: { enabled: true },
      prometheusRule: { enabled: true },
      networkPolicy: { enabled: true },
    });
    expect(labelled.length).toBeGreaterThanOrEqual(7);
    for (const o of labelled) expect(o.metadata.labels?.['team'], o.kind).toBe('platform');
    const deployment = kind(labelled, 'Deployment');
    expect(deployment.spec.template.metadata.labels.team).toBe('platform');
    expect(deployment.spec.selector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'toggl-webhooks-sync',
      'app.kubernetes.io/instance': 'tws',
    });
  });

  it('exposes the metrics port, also while the pod is not ready, and scrapes it with the ServiceMonitor', async () => {
    const svc = kind(base, 'Service').spec;
    expect(svc.publishNotReadyAddresses).toBe(true);
    expect(svc.ports).toEqual([{ name: 'metrics', port: 9464, targetPort: 'metrics', protocol: 'TCP' }]);
    expect(kind(base, 'ServiceMonitor')).toBeUndefined();
    const drop = [{ sourceLabels: ['__name__'], regex: 'nodejs_.*', action: 'drop' }];
    const keep = [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }];
    const sm = kind(
      await objects(DEFAULTS, {
        serviceMonitor: { enabled: true, relabelings: keep, metricRelabelings: drop, targetLabels: ['team'] },
      }),
      'ServiceMonitor',
    ).spec;
    expect(sm.namespaceSelector).toEqual({ matchNames: [NAMESPACE] });
    expect(sm.targetLabels).toEqual(['team']);
    expect(sm.endpoints).toEqual([
      {
        port: 'metrics',
        path: '/metrics',
        interval: '60s',
        scrapeTimeout: '10s',
        relabelings: keep,
        metricRelabelings: drop,
      },
    ]);
  });

  it("ships the Grafana dashboard as a ConfigMap for Grafana's sidecar, byte for byte", async () => {
    expect(kind(base, 'ConfigMap').metadata.name).not.toMatch(/dashboard/);
    const list = await objects(DEFAULTS, {
      grafanaDashboard: { enabled: true, annotations: { grafana_folder: 'Toggl' } },
    });
    const cm = list.find((o) => o.metadata.name.endsWith('-dashboard')) as Any;
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'Toggl' });
    expect(cm.data['toggl-webhooks-sync.json']).toBe(read('examples/grafana/dashboard.json'));
  });

  it('restricts the pod with the optional NetworkPolicy: DNS and the given ports out, Prometheus in', async () => {
    expect(kind(base, 'NetworkPolicy')).toBeUndefined();
    const from = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }];
    const np = kind(
      await objects(DEFAULTS, { networkPolicy: { enabled: true, metricsFrom: from } }),
      'NetworkPolicy',
    ).spec;
    expect(np.podSelector.matchLabels).toEqual(kind(base, 'Deployment').spec.selector.matchLabels);
    expect(np.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.ingress).toEqual([{ from, ports: [{ port: 'metrics', protocol: 'TCP' }] }]);
    expect(np.egress).toEqual([
      {
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
      },
      { ports: [{ port: 443, protocol: 'TCP' }] },
    ]);
    // git-sync over ssh needs port 22; no metricsFrom means no ingress at all.
    const ssh = kind(await objects(GIT_SYNC, { networkPolicy: { enabled: true } }), 'NetworkPolicy').spec;
    expect(ssh.ingress).toBeUndefined();
    expect(ssh.egress[1].ports).toEqual([
      { port: 443, protocol: 'TCP' },
      { port: 22, protocol: 'TCP' },
    ]);
  });
});

const helm4 = HELMS[1] as (typeof HELMS)[number];
helm4.describe('NOTES.txt (helm4 install --dry-run=client)', () => {
  it('tells what the values say: watching, readiness, warnings', async () => {
    const watched = await notes(helm4, [DEFAULTS]);
    expect(watched).toContain('and on every file change');
    expect(watched).toContain('Ready as soon as the daemon serves');
    const unwatched = await notes(helm4, [
      DEFAULTS,
      { watch: false, readinessProbe: { mode: 'reconciled' } },
    ]);
    expect(unwatched).not.toContain('on every file change');
    expect(unwatched).toContain('file watching is off: a change of the files rolls the pod');
    expect(unwatched).toContain('Ready after the first successful reconcile');
    const git = await notes(helm4, [GIT_SYNC]);
    expect(git).toContain('new commits wait for the next interval');
    const closed = await notes(helm4, [DEFAULTS, { networkPolicy: { enabled: true } }]);
    expect(closed).toContain('WARNING: networkPolicy is enabled with an empty networkPolicy.metricsFrom');
  });
});

it('keeps the chart README values table and the schema definitions current', async () => {
  const run = await promisify(execFile)(process.execPath, [
    join(ROOT, 'scripts/chart-generate.mjs'),
    '--check',
  ]).then(
    () => 0,
    (err: { code?: number; stderr?: string }) => {
      throw new Error(`node scripts/chart-generate.mjs --check failed: ${err.stderr}`);
    },
  );
  expect(run).toBe(0);
});
