import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { ROOT } from './helpers.js';

/**
 * Offline validation of rendered Kubernetes objects: the strict schemas vendored in k8s-schemas/
 * (Kubernetes 1.36 for the built-in kinds, prometheus-operator CRDs for ServiceMonitor and
 * PrometheusRule). An object of a kind with no schema here is an error: a new template needs its schema.
 */

const DIR = join(ROOT, 'test/shipping/k8s-schemas');
const read = (file: string) => JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Record<string, unknown>;

const kubernetes = read('kubernetes.json') as {
  kubernetesVersion: string;
  kinds: Record<string, string>;
  definitions: Record<string, unknown>;
};
export const KUBERNETES_VERSION = kubernetes.kubernetesVersion;

/** The CRD schemas carry Go regular expressions: a `(?i)` group flag becomes JavaScript's `i` flag. */
const goRegExp = Object.assign(
  (pattern: string, flags: string) =>
    pattern.includes('(?i)')
      ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`)
      : new RegExp(pattern, flags),
  { code: 'goRegExp' },
);
// Formats (int32, date-time, ...) are documentation in these schemas; the API server checks types.
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { regExp: goRegExp } });
ajv.addSchema({ $id: 'k8s', definitions: kubernetes.definitions });

const validators = new Map<string, ValidateFunction>();
for (const [gvk, definition] of Object.entries(kubernetes.kinds)) {
  validators.set(gvk, ajv.compile({ $ref: `k8s#/definitions/${definition}` }));
}
for (const [gvk, file] of [
  ['monitoring.coreos.com/v1/ServiceMonitor', 'monitoring.coreos.com_servicemonitor_v1.json'],
  ['monitoring.coreos.com/v1/PrometheusRule', 'monitoring.coreos.com_prometheusrule_v1.json'],
] as const) {
  validators.set(gvk, ajv.compile(read(file)));
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

/** Schema errors of one object as "Kind/name: /path message" lines; empty when valid. */
export function schemaErrors(object: K8sObject): string[] {
  const where = `${object?.kind}/${object?.metadata?.name}`;
  const validate = validators.get(`${object?.apiVersion}/${object?.kind}`);
  if (!validate) return [`${where}: no schema for ${object?.apiVersion} ${object?.kind}`];
  if (validate(object)) return [];
  return (validate.errors ?? []).map(
    (e) =>
      `${where}: ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
  );
}
