import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * Shared readers for the shipping tests. Neither helm nor a container engine runs on the build machines,
 * so the chart, the Dockerfile and the CI files are checked by reading them: YAML with the `yaml` package
 * (duplicate keys are errors), templates as text.
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CHART_DIR = 'helm/toggl-webhooks-sync';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function read(rel: string): string {
  return readFileSync(join(ROOT, rel), 'utf8');
}

export function readYaml(rel: string): Json {
  return parse(read(rel), { uniqueKeys: true, prettyErrors: true }) as Json;
}

export function listFiles(relDir: string, pattern: RegExp): string[] {
  return readdirSync(join(ROOT, relDir))
    .filter((f) => pattern.test(f))
    .sort()
    .map((f) => `${relDir}/${f}`);
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Follows `path` through nested objects; undefined when a segment is missing. */
export function at(value: Json | undefined, path: string): Json | undefined {
  let node: Json | undefined = value;
  for (const key of path.split('.')) {
    if (!isObject(node) || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/**
 * Helm's coalescing of a values file over the chart's values.yaml: maps merge key by key, anything
 * else (lists included) replaces, and null deletes the key. Helm validates the schema on the result.
 */
export function helmMerge(base: Json, override: Json): Json {
  if (!isObject(base) || !isObject(override)) return override;
  const out: JsonObject = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === null) delete out[key];
    else out[key] = key in base ? helmMerge(base[key] as Json, value) : value;
  }
  return out;
}

/** Dotted paths of the leaves: scalars, lists and empty maps. */
export function leafPaths(value: Json, prefix = ''): string[] {
  if (!isObject(value) || Object.keys(value).length === 0) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([key, v]) => leafPaths(v, prefix ? `${prefix}.${key}` : key));
}

export interface Template {
  file: string;
  text: string;
}

export function chartTemplates(): Template[] {
  return listFiles(`${CHART_DIR}/templates`, /\.(ya?ml|tpl|txt)$/).map((file) => ({
    file,
    text: stripTemplateComments(read(file)),
  }));
}

/** Removes `{{/* ... *\/}}` comments (and their trim markers), whose words are not template code. */
export function stripTemplateComments(text: string): string {
  return text.replace(/\{\{-?\s*\/\*[\s\S]*?\*\/\s*-?\}\}/g, '');
}

const PATH = '[A-Za-z_][A-Za-z0-9_]*(?:\\.[A-Za-z_][A-Za-z0-9_]*)*';

/**
 * Every `.Values.a.b` the templates read. `$p := .Values.prometheusRule` aliases are resolved
 * (`$p.driftFor` counts as `prometheusRule.driftFor`) and the alias definition itself is not a use.
 */
export function valuesRefs(templates: Template[]): Set<string> {
  const refs = new Set<string>();
  for (const { text } of templates) {
    const aliases = new Map<string, string>();
    const body = text.replace(
      new RegExp(`\\$(\\w+)\\s*:=\\s*\\.Values\\.(${PATH})\\s*-?\\}\\}`, 'g'),
      (_m, alias: string, target: string) => {
        aliases.set(alias, target);
        return '}}';
      },
    );
    for (const m of body.matchAll(new RegExp(`\\.Values\\.(${PATH})`, 'g'))) refs.add(m[1] as string);
    for (const [alias, target] of aliases) {
      for (const m of body.matchAll(new RegExp(`\\$${alias}\\.(${PATH})`, 'g')))
        refs.add(`${target}.${m[1]}`);
    }
  }
  return refs;
}

type Schema = { [key: string]: unknown };

/** The sub-schema describing `path` (through `properties` only), or undefined. */
export function schemaAt(schema: Schema, path: string): Schema | undefined {
  let node: Schema | undefined = schema;
  for (const key of path.split('.')) {
    const props = node?.properties as Record<string, Schema> | undefined;
    node = props?.[key];
    if (!node) return undefined;
  }
  return node;
}

/** A template action stack at `pos`: the conditions of the `if`/`with`/`range` blocks enclosing it. */
export function enclosingBlocks(text: string, pos: number): string[] {
  const stack: string[] = [];
  for (const m of text.slice(0, pos).matchAll(/\{\{-?\s*(if|with|range|define|else|end)\b([^}]*)\}\}/g)) {
    const [, keyword, rest] = m;
    if (keyword === 'end') stack.pop();
    else if (keyword === 'else') stack.push(`else ${stack.pop() ?? ''}`);
    else stack.push(`${keyword}${rest}`);
  }
  return stack;
}

/** Metric names referenced by a PromQL expression (functions, keywords, labels and templating removed). */
export function promqlMetricNames(expr: string): string[] {
  const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool']);
  const OPERATORS = new Set(['and', 'or', 'unless', 'offset', 'atan2']);
  const e = expr
    .replace(/\{\{[\s\S]*?\}\}/g, '') // Helm template actions inside a rule
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // label values
    .replace(/\{[^}]*\}/g, '') // label matchers
    .replace(/\[[^\]]*\]/g, '') // range and subquery selectors
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '') // label lists
    .replace(/\$\{?\w+\}?/g, ''); // Grafana variables
  const names: string[] = [];
  for (const m of e.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const index = m.index ?? 0;
    const before = e[index - 1] ?? ' ';
    if (/[0-9.]/.test(before)) continue; // the exponent of 1e+06
    if (
      e
        .slice(index + m[0].length)
        .trimStart()
        .startsWith('(')
    )
      continue; // a function call
    if (KEYWORDS.has(m[0]) || OPERATORS.has(m[0])) continue;
    names.push(m[0]);
  }
  return names;
}

/** The daemon's series (docs/daemon-and-metrics.md#metrics), plus the histogram's series. */
export const CORE_METRICS = [
  'toggl_webhooks_drift',
  'toggl_webhooks_drift_detected_total',
  'toggl_webhooks_changes_applied_total',
  'toggl_webhooks_reconcile_total',
  'toggl_webhooks_reconcile_duration_seconds_bucket',
  'toggl_webhooks_reconcile_duration_seconds_sum',
  'toggl_webhooks_reconcile_duration_seconds_count',
  'toggl_webhooks_last_success_timestamp_seconds',
  'toggl_webhooks_errors_total',
  'toggl_webhooks_api_requests_total',
  'toggl_webhooks_config_valid',
] as const;

/** `${name}` as written in Dockerfiles and Grafana JSON (kept out of string literals for the linter). */
export function dollarBrace(name: string): string {
  return '$' + '{' + name + '}';
}

/** `${{ inner }}`, a GitHub Actions expression. */
export function ghExpr(inner: string): string {
  return '$' + '{{ ' + inner + ' }}';
}

/** Beside the core series: the API quota gauge the daemon exports from X-Toggl-Quota-Remaining. */
export const EXTRA_METRICS = ['toggl_webhooks_api_quota_remaining'] as const;
