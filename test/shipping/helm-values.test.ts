import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Ajv, type ValidateFunction } from 'ajv';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  chartTemplates,
  helmMerge,
  isObject,
  type Json,
  type JsonObject,
  leafPaths,
  listFiles,
  ROOT,
  read,
  readYaml,
  schemaAt,
  valuesRefs,
} from './helpers.js';

// What `helm lint` / `helm install` do with values.schema.json, done with ajv: Helm validates the chart's
// values.yaml coalesced with the user's files against the schema (draft-07 here, which Helm 3 and 4 read).

const schema = JSON.parse(read(`${CHART_DIR}/values.schema.json`)) as JsonObject;
const defaults = readYaml(`${CHART_DIR}/values.yaml`);
let validate: ValidateFunction;

beforeAll(() => {
  // strict: unknown keywords or a malformed schema fail here instead of being ignored by helm.
  const ajv = new Ajv({ strict: true, allErrors: true, allowUnionTypes: true });
  validate = ajv.compile(schema);
});

function errorsOf(values: Json): string[] {
  return validate(values) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}

const CLI = join(ROOT, 'dist/cli.js');
const exampleFiles = listFiles('examples/kubernetes', /\.ya?ml$/);
const ciFiles = listFiles(`${CHART_DIR}/ci`, /\.ya?ml$/);

describe('values.schema.json', () => {
  it('is draft-07 with additionalProperties false at the top', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(schema.additionalProperties).toBe(false);
    expect(schema.type).toBe('object');
  });

  it('accepts the chart defaults', () => {
    expect(errorsOf(defaults)).toEqual([]);
  });

  it('ships example and CI values files', () => {
    expect(exampleFiles).toEqual([
      'examples/kubernetes/values-git-sync.yaml',
      'examples/kubernetes/values-production.yaml',
      'examples/kubernetes/values.yaml',
    ]);
    expect(ciFiles.length).toBeGreaterThanOrEqual(3);
  });

  it.each([...exampleFiles, ...ciFiles])('accepts %s merged over the defaults', (file) => {
    const override = readYaml(file);
    expect(isObject(override)).toBe(true);
    expect(errorsOf(helmMerge(defaults, override))).toEqual([]);
  });

  it.each<[string, JsonObject, string]>([
    ['replicaCount as a string', { replicaCount: 'one' }, '/replicaCount'],
    ['two replicas', { replicaCount: 2 }, '/replicaCount'],
    ['a bare number as interval', { daemon: { interval: 5 } }, '/daemon/interval'],
    ['an interval without unit', { daemon: { interval: '10' } }, '/daemon/interval'],
    ['a boolean as a string', { daemon: { dryRun: 'yes' } }, '/daemon/dryRun'],
    ['an unknown log level', { daemon: { logLevel: 'verbose' } }, '/daemon/logLevel'],
    ['a port out of range', { daemon: { port: 70000 } }, '/daemon/port'],
    ['an unknown top-level key', { replicas: 1 }, '/'],
    ['an unknown nested key (a typo)', { daemon: { intervall: '5m' } }, '/daemon'],
    ['a misplaced key', { token: { existingSecret: 's', name: 'x' } }, '/token'],
    [
      'a subscriptions file that is not YAML by name',
      { subscriptions: { 'main.json': '{}' } },
      '/subscriptions',
    ],
    [
      'subscription content that is not a string',
      { subscriptions: { 'a.yaml': { workspace_id: 1 } } },
      '/subscriptions',
    ],
    ['root as the daemon user', { securityContext: { runAsUser: 0 } }, '/securityContext/runAsUser'],
    ['an unknown git-sync auth method', { gitSync: { auth: { method: 'token' } } }, '/gitSync/auth/method'],
    ['a git-sync v3 image', { gitSync: { image: { tag: 'v3.6.9' } } }, '/gitSync/image/tag'],
    ['a subPath escaping the checkout', { gitSync: { subPath: 'a/../../etc' } }, '/gitSync/subPath'],
    ['an absolute subPath', { gitSync: { subPath: '/etc' } }, '/gitSync/subPath'],
    ['a malformed digest', { image: { digest: 'latest' } }, '/image/digest'],
    ['an API URL without scheme', { apiUrl: 'api.track.toggl.com' }, '/apiUrl'],
    ['a probe period of zero', { readinessProbe: { periodSeconds: 0 } }, '/readinessProbe/periodSeconds'],
    ['an unknown resources key', { resources: { request: { cpu: '1' } } }, '/resources'],
    [
      'a memory limit that is not a quantity',
      { resources: { limits: { memory: 'lots' } } },
      '/resources/limits/memory',
    ],
    ['a misspelt affinity key', { affinity: { nodeAfinity: {} } }, '/affinity'],
    [
      'a misspelt key deep in affinity',
      { affinity: { nodeAffinity: { requiredDuringScheduling: {} } } },
      '/affinity/nodeAffinity',
    ],
    ['an extraEnv item without value', { extraEnv: [{ name: 'FOO' }] }, '/extraEnv/0'],
    ['an extraEnv item with a typo', { extraEnv: [{ name: 'FOO', valu: 'x' }] }, '/extraEnv/0'],
    [
      'a toleration with an unknown key',
      { tolerations: [{ key: 'k', effects: 'NoSchedule' }] },
      '/tolerations/0',
    ],
    [
      'an extra container without image key typo',
      { extraContainers: [{ name: 'c', imag: 'x' }] },
      '/extraContainers/0',
    ],
    ['a volume mount without mountPath', { extraVolumeMounts: [{ name: 'v' }] }, '/extraVolumeMounts/0'],
    ['an unknown readiness mode', { readinessProbe: { mode: 'synced' } }, '/readinessProbe/mode'],
    [
      'a relabeling with an unknown action',
      { serviceMonitor: { relabelings: [{ action: 'erase' }] } },
      '/serviceMonitor/relabelings/0/action',
    ],
    [
      'an egress port out of range',
      { networkPolicy: { enabled: true, egressPorts: [0] } },
      '/networkPolicy/egressPorts/0',
    ],
    [
      'a git-sync securityContext typo',
      { gitSync: { securityContext: { runAsUsr: 1 } } },
      '/gitSync/securityContext',
    ],
    ['a non-string common label', { commonLabels: { team: 1 } }, '/commonLabels/team'],
  ])('rejects %s', (_name, override, path) => {
    const errors = errorsOf(helmMerge(defaults, override));
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.some((e) => e.startsWith(`${path} `) || e.startsWith(`${path}/`))).toBe(true);
  });

  it('covers every value of values.yaml, key by key', () => {
    // Free-form Kubernetes objects (annotations, affinity, ...) end the walk: their keys are the user's.
    const missing: string[] = [];
    const walk = (value: Json, node: JsonObject | undefined, path: string) => {
      if (!node) {
        missing.push(path);
        return;
      }
      if (!isObject(value) || !isObject(node.properties as Json)) return;
      for (const [key, child] of Object.entries(value)) {
        walk(child, (node.properties as Record<string, JsonObject>)[key], path ? `${path}.${key}` : key);
      }
    };
    walk(defaults, schema, '');
    expect(missing).toEqual([]);
  });

  it('closes every object it describes, except Kubernetes pass-through objects', () => {
    // securityContext objects are handed to Kubernetes as they are: new Kubernetes fields must pass.
    const passThrough = new Set(['podSecurityContext', 'securityContext']);
    const open: string[] = [];
    const walk = (node: JsonObject, path: string) => {
      if (
        isObject(node.properties as Json) &&
        node.additionalProperties !== false &&
        !passThrough.has(path)
      ) {
        open.push(path || '(root)');
      }
      for (const [key, child] of Object.entries((node.properties ?? {}) as Record<string, JsonObject>)) {
        walk(child, path ? `${path}.${key}` : key);
      }
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });

  it('describes every value the templates read', () => {
    const refs = [...valuesRefs(chartTemplates())].sort();
    expect(refs.filter((ref) => !schemaAt(schema, ref))).toEqual([]);
  });

  it('keeps the daemon at one replica at most, one by default', () => {
    expect(schemaAt(schema, 'replicaCount')?.enum).toEqual([0, 1]);
    expect((defaults as JsonObject).replicaCount).toBe(1);
  });
});

describe('values.yaml', () => {
  const refs = valuesRefs(chartTemplates());

  it('has only values some template uses', () => {
    // A leaf is used when a template reads it or one of its parents as a whole (toYaml .Values.resources).
    const unused = leafPaths(defaults).filter(
      (leaf) => ![...refs].some((ref) => leaf === ref || leaf.startsWith(`${ref}.`)),
    );
    expect(unused).toEqual([]);
  });

  it('has every value the templates read', () => {
    const absent = [...refs].filter((ref) => {
      let node: Json | undefined = defaults;
      for (const key of ref.split('.')) node = isObject(node) ? node[key] : undefined;
      return node === undefined;
    });
    expect(absent).toEqual([]);
  });

  it('documents each top-level value with a comment', () => {
    const lines = read(`${CHART_DIR}/values.yaml`).split('\n');
    const undocumented: string[] = [];
    const selfExplanatory = new Set(['nameOverride', 'fullnameOverride', 'podLabels', 'podAnnotations']);
    lines.forEach((line, i) => {
      const m = /^([A-Za-z]\w*):/.exec(line);
      if (!m || selfExplanatory.has(m[1] as string)) return;
      let j = i - 1;
      while (j >= 0 && lines[j]?.trim() === '') j--;
      const previous = lines[j] ?? '';
      // A comment right above, or a group of related values introduced by one comment.
      if (!previous.startsWith('#') && !/^[A-Za-z]\w*: /.test(previous)) undocumented.push(m[1] as string);
    });
    expect(undocumented).toEqual([]);
  });

  it('is secure by default', () => {
    const v = defaults as JsonObject;
    expect(v.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(v.podSecurityContext).toMatchObject({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const sc = v.securityContext as JsonObject;
    expect(Number.isInteger(sc.runAsUser) && (sc.runAsUser as number) > 0).toBe(true);
    expect(v.daemon).toMatchObject({ dryRun: false, allowMassDelete: false, interval: '10m', port: 9464 });
    expect(v.watch).toBe(true);
    expect(v.token).toEqual({ existingSecret: '', key: 'token', asFile: false });
  });
});

describe('subscription files inside values files', () => {
  const withFiles = [...exampleFiles, ...ciFiles].filter((file) =>
    isObject((readYaml(file) as JsonObject).subscriptions),
  );

  it.each(withFiles)('%s: pass `toggl-webhooks-sync validate`', async (file) => {
    const files = (readYaml(file) as JsonObject).subscriptions as Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'tws-values-'));
    try {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      // The ${VAR} references the files use, as extraEnv / extraEnvFrom would provide them.
      const env = {
        PATH: process.env.PATH,
        SLACK_HOOK_SECRET: 's3cret-value',
        BILLING_HOOK_TOKEN: 't0ken-value',
      };
      const result = await promisify(execFile)(process.execPath, [CLI, 'validate', dir], { env });
      expect(result.stderr).toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exist in the production example and the CI defaults', () => {
    expect(withFiles).toEqual(['examples/kubernetes/values.yaml', `${CHART_DIR}/ci/default-values.yaml`]);
  });
});
