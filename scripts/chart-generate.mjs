#!/usr/bin/env node
// Keeps two generated parts of the Helm chart current:
// 1. the `definitions` of helm/toggl-webhooks-sync/values.schema.json: the Kubernetes objects users pass
//    through values (affinity, tolerations, env, volumes, containers, ...) as strict schemas taken from
//    the vendored Kubernetes 1.36 and prometheus-operator schemas (test/shipping/k8s-schemas/), so
//    `helm install` refuses a misspelt key or `memory: lots` before anything reaches the cluster;
// 2. the values table of helm/toggl-webhooks-sync/README.md, from values.yaml and its comments.
//
//   node scripts/chart-generate.mjs           rewrite both
//   node scripts/chart-generate.mjs --check   exit 1 when either is out of date (the tests run this)
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDocument } from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHART = join(ROOT, 'helm', 'toggl-webhooks-sync');
const SCHEMAS = join(ROOT, 'test', 'shipping', 'k8s-schemas');
const check = process.argv.includes('--check');

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

// --- 1. values.schema.json definitions ------------------------------------------------------------

const K8S_ROOTS = [
  'io.k8s.api.core.v1.Affinity',
  'io.k8s.api.core.v1.Toleration',
  'io.k8s.api.core.v1.EnvVar',
  'io.k8s.api.core.v1.EnvFromSource',
  'io.k8s.api.core.v1.Volume',
  'io.k8s.api.core.v1.VolumeMount',
  'io.k8s.api.core.v1.Container',
  'io.k8s.api.core.v1.SecurityContext',
  'io.k8s.api.networking.v1.NetworkPolicyPeer',
  'io.k8s.apimachinery.pkg.api.resource.Quantity',
];

function schemaDefinitions() {
  const k8s = readJson(join(SCHEMAS, 'kubernetes.json')).definitions;
  const out = {};
  const include = (name) => {
    if (out[name]) return;
    if (!k8s[name]) throw new Error(`${name} is not in test/shipping/k8s-schemas/kubernetes.json`);
    out[name] = k8s[name];
    JSON.stringify(k8s[name], (key, value) => {
      if (key === '$ref') include(value.replace('#/definitions/', ''));
      return value;
    });
  };
  for (const name of K8S_ROOTS) include(name);
  // The Prometheus Operator's RelabelConfig, as its ServiceMonitor CRD defines it (inline there).
  const sm = readJson(join(SCHEMAS, 'monitoring.coreos.com_servicemonitor_v1.json'));
  out['com.coreos.monitoring.v1.RelabelConfig'] = withoutDocs(
    sm.properties.spec.properties.endpoints.items.properties.relabelings.items,
  );
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}

/** Descriptions and formats dropped, as in kubernetes.json: the schema checks, the docs explain. */
function withoutDocs(node) {
  if (Array.isArray(node)) return node.map(withoutDocs);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !((key === 'description' || key === 'format') && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDocs(value)]),
  );
}

// --- 2. README values table -----------------------------------------------------------------------

/** Leaves of values.yaml (maps are walked; lists and scalars are leaves) with their comments. */
function valueRows() {
  const doc = parseDocument(readFileSync(join(CHART, 'values.yaml'), 'utf8'));
  const rows = [];
  const walk = (map, prefix) => {
    for (const [index, pair] of map.items.entries()) {
      const key = `${prefix}${pair.key.value}`;
      // The first key's comment sits on the map (the document's, for the top level).
      const raw = pair.key.commentBefore ?? (index === 0 ? (map.commentBefore ?? doc.commentBefore) : '');
      const comment = clean(raw) || '';
      const value = pair.value;
      if (value?.items && !Array.isArray(value.toJSON()) && value.items.length > 0) {
        // A map is a row of its own when it has a comment (what the group of values is for).
        if (comment) rows.push({ key, value: '', comment });
        walk(value, `${key}.`);
      } else {
        rows.push({ key, value: JSON.stringify(value?.toJSON?.() ?? value?.value ?? null), comment });
      }
    }
  };
  walk(doc.contents, '');
  return rows;
}

function clean(comment) {
  if (!comment) return '';
  // The paragraph right above the key (earlier ones belong to the file or to the previous key's
  // commented-out example); commented-out examples (indented YAML after the prose) are left out.
  const paragraphs = comment.split(/\n\s*\n/);
  const lines = (paragraphs[paragraphs.length - 1] ?? '').split('\n').map((l) => l.replace(/^ ?/, ''));
  const prose = [];
  for (const line of lines) {
    if (/^\s*-\s|^\s*[[{]|^\s*[\w.-]+:\s*([|[{]|$)|^\s{2,}[\w.-]+:\s/.test(line)) break;
    prose.push(line.trim());
  }
  return prose.join(' ').replace(/\s+/g, ' ').trim();
}

function valuesTable() {
  const cell = (s) => s.replaceAll('|', '\\|').replaceAll('<', '&lt;');
  const lines = ['| Key | Default | Description |', '|---|---|---|'];
  for (const row of valueRows()) {
    const value = row.value ? `\`${cell(row.value)}\`` : '';
    lines.push(`| \`${row.key}\` | ${value} | ${cell(row.comment)} |`);
  }
  return lines.join('\n');
}

// --- write or check -------------------------------------------------------------------------------

const BEGIN = '<!-- values-table:begin (node scripts/chart-generate.mjs) -->';
const END = '<!-- values-table:end -->';
const outdated = [];

const schemaFile = join(CHART, 'values.schema.json');
const schema = readJson(schemaFile);
schema.definitions = schemaDefinitions();
const schemaText = `${JSON.stringify(schema, null, 2)}\n`;
if (readFileSync(schemaFile, 'utf8') !== schemaText) outdated.push(schemaFile);

const readmeFile = join(CHART, 'README.md');
const readme = readFileSync(readmeFile, 'utf8');
const start = readme.indexOf(BEGIN);
const end = readme.indexOf(END);
if (start < 0 || end < start) throw new Error(`${readmeFile} lacks the ${BEGIN} ... ${END} markers`);
const readmeText = `${readme.slice(0, start + BEGIN.length)}\n${valuesTable()}\n${readme.slice(end)}`;
if (readme !== readmeText) outdated.push(readmeFile);

if (check) {
  if (outdated.length > 0) {
    console.error(`out of date (run node scripts/chart-generate.mjs): ${outdated.join(', ')}`);
    process.exit(1);
  }
} else {
  writeFileSync(schemaFile, schemaText);
  writeFileSync(readmeFile, readmeText);
  console.log(outdated.length > 0 ? `updated ${outdated.join(', ')}` : 'already current');
}
