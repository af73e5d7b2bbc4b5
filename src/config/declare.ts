import type { Node } from 'yaml';
import type { ConfigIssue, SourcePosition } from '../errors.js';
import type { SubscriptionDeclaration, SubscriptionsDocument } from '../generated/schema-types.js';
import { urlCarriesCredential } from '../sensitive/url.js';
import { descriptionKey, firstInvisible } from '../util/unicode.js';
import { type ExpandProblem, expandVariables } from './expand.js';
import { globProblem } from './ignore.js';
import type { WorkspaceDeclaration } from './merge.js';
import { displayPath, nodeAt, type PathSegment, type Tree, valueOffset } from './nodes.js';
import type { ParsedDocument } from './parse.js';
import { validateDocument } from './schema.js';
import type { DesiredSubscription, EventFilter } from './types.js';

export interface DeclareContext {
  text: string;
  at: (offset: number) => SourcePosition;
  env: NodeJS.ProcessEnv;
}

/**
 * Validates one parsed document and turns what is valid in it into a declaration for the merge.
 * Every problem is collected; the parts of the document that are fine still take part in the merge
 * checks, so one run reports everything (a schema error does not hide a duplicate description).
 */
export function declareDocument(
  parsed: ParsedDocument,
  ctx: DeclareContext,
): { declaration?: WorkspaceDeclaration; issues: ConfigIssue[]; hidden?: number } {
  const issues: ConfigIssue[] = [...parsed.issues];
  if (parsed.empty || (issues.length > 0 && !parsed.usable)) return { issues };
  const { tree } = parsed;
  const { issues: schemaIssues, hidden, failedPaths } = validateDocument(parsed.value, tree, ctx.at);
  issues.push(...schemaIssues);
  const usable = unusableChecker(failedPaths);
  const posOf = (path: PathSegment[]) => ctx.at(valueOffset(nodeAt(tree, path)) ?? 0);

  const data = parsed.value as Partial<SubscriptionsDocument>;
  if (!usable(['workspace_id']) || typeof data.workspace_id !== 'number') return { issues, hidden };

  const declaration: WorkspaceDeclaration = {
    workspace_id: data.workspace_id,
    source: posOf(['workspace_id']),
    subscriptions: [],
  };
  if (data.prune !== undefined && usable(['prune'])) {
    declaration.prune = { value: data.prune, source: posOf(['prune']) };
  }
  if (data.ignore !== undefined && usable(['ignore'])) {
    const patterns = declareIgnore(data.ignore, posOf, issues);
    if (patterns) declaration.ignore = { value: patterns, source: posOf(['ignore']) };
  }
  if (data.token_env !== undefined && usable(['token_env'])) {
    const problem = tokenEnvProblem(data.token_env, data.workspace_id, ctx.env);
    if (problem) issues.push({ ...posOf(['token_env']), message: problem });
    else declaration.token = { value: data.token_env, source: posOf(['token_env']) };
  }
  if (Array.isArray(data.subscriptions)) {
    data.subscriptions.forEach((raw, i) => {
      const path: PathSegment[] = ['subscriptions', i];
      if (!usable(path)) {
        // Still take part in the duplicate-description check, so fixing this one reveals nothing new.
        const descPath = [...path, 'description'];
        if (usable(descPath) && typeof raw?.description === 'string') {
          declaration.subscriptions.push(placeholder(descriptionKey(raw.description), posOf(descPath)));
        }
        return;
      }
      const sub = declareSubscription(raw, path, tree, ctx, issues);
      if (sub) declaration.subscriptions.push(sub);
    });
  }
  return { declaration, issues, hidden };
}

function declareSubscription(
  raw: SubscriptionDeclaration,
  path: PathSegment[],
  tree: Tree,
  ctx: DeclareContext,
  issues: ConfigIssue[],
): DesiredSubscription | undefined {
  const label = (field: string) => displayPath([...path, field]);
  const url = expandField(raw.url_callback, [...path, 'url_callback'], tree, ctx, issues);
  if (url !== undefined) {
    const refs =
      url.names.length > 0 ? ` after expanding ${url.names.map((n) => `\${${n}}`).join(', ')}` : '';
    if (!isHttpUrl(url.value)) {
      issues.push({
        ...ctx.at(valueOffset(nodeAt(tree, [...path, 'url_callback'])) ?? 0),
        message: `${label('url_callback')} is not a valid http:// or https:// URL${refs}`,
      });
    }
  }

  let secret: string | undefined;
  const substituted = [...(url?.values ?? [])];
  if (raw.secret !== undefined) {
    const expanded = expandField(raw.secret, [...path, 'secret'], tree, ctx, issues);
    if (expanded) {
      secret = expanded.value;
      substituted.push(...expanded.values);
      if (secret === '') {
        const refs = expanded.names.map((n) => `\${${n}}`).join(', ');
        issues.push({
          ...ctx.at(valueOffset(nodeAt(tree, [...path, 'secret'])) ?? 0),
          message: `${label('secret')} is empty after expanding ${refs}; Toggl refuses an empty secret`,
        });
      }
    }
  }

  const filters: EventFilter[] = [];
  const seen = new Map<string, number>();
  raw.event_filters.forEach((f, j) => {
    const key = `${f.entity}\0${f.action}`;
    const first = seen.get(key);
    if (first !== undefined) {
      issues.push({
        ...ctx.at(nodeAt(tree, [...path, 'event_filters', j]).node?.range?.[0] ?? 0),
        message:
          `duplicate event filter {entity: ${f.entity}, action: ${f.action}} at ` +
          `${label('event_filters')}[${j}]: already listed at ${label('event_filters')}[${first}]`,
      });
      return;
    }
    seen.set(key, j);
    filters.push({ entity: f.entity, action: f.action });
  });

  const invisible = firstInvisible(raw.description);
  if (invisible) {
    issues.push({
      ...ctx.at(valueOffset(nodeAt(tree, [...path, 'description'])) ?? 0),
      message:
        `${label('description')} contains the invisible character ${invisible.codePoint} at position ` +
        `${invisible.index + 1}: a description that looks like another one would replace it ` +
        '(docs/plan-rules.md#descriptions); remove it',
    });
  }
  const urlValue = url?.value ?? raw.url_callback;
  const sub: DesiredSubscription = {
    // NFC: the form descriptions are compared in, so the same text typed on any system is one key.
    description: descriptionKey(raw.description),
    url_callback: urlValue,
    enabled: raw.enabled ?? true,
    event_filters: filters,
    source: ctx.at(valueOffset(nodeAt(tree, [...path, 'description'])) ?? 0),
    sensitive: {
      // The whole field, not only the substituted part: `https://x/${T}` printed as `https://x/…`
      // would still tell a reader where the secret goes and how long it is.
      url_callback: (url?.names.length ?? 0) > 0 || urlCarriesCredential(urlValue),
      substituted: [...new Set(substituted)],
    },
  };
  if (secret !== undefined) sub.secret = secret;
  return sub;
}

/** Expands `${NAME}` in one field, reporting each problem at the reference itself. */
function expandField(
  raw: string,
  path: PathSegment[],
  tree: Tree,
  ctx: DeclareContext,
  issues: ConfigIssue[],
): { value: string; names: string[]; values: string[] } | undefined {
  const result = expandVariables(raw, ctx.env);
  if (result.ok) {
    // Every substituted value is sensitive, whatever its length or shape: the marks say so as data,
    // and the outputs never search text for it (docs/secrets.md).
    return {
      value: result.value,
      names: [...new Set(result.variables.map((v) => v.name))],
      values: result.values,
    };
  }
  const located = nodeAt(tree, path);
  const node = located.node as Node | undefined;
  const start = valueOffset(located) ?? 0;
  const source = node?.range ? ctx.text.slice(node.range[0], node.range[1]) : '';
  let searchFrom = 0;
  for (const problem of result.problems) {
    const found = source.indexOf(problem.text, searchFrom);
    if (found !== -1) searchFrom = found + problem.text.length;
    const offset = found === -1 ? start : (node?.range?.[0] ?? 0) + found;
    issues.push({ ...ctx.at(offset), message: expandMessage(problem, displayPath(path)) });
  }
  return undefined;
}

function expandMessage(problem: ExpandProblem, label: string): string {
  if (problem.kind === 'unset') {
    return `environment variable ${problem.name} is not set (referenced in ${label})`;
  }
  return `invalid variable reference in ${label}: write \${NAME} with letters, digits and _ (or $\${ for a literal \${)`;
}

/**
 * `token_env` names a variable; the token itself never belongs in a file. A value shaped like a Toggl
 * token (32 hex digits) is refused as one pasted by mistake, and it is not echoed back. The variable
 * (or NAME_FILE) must be set, as a `${NAME}` reference must: a run must not discover half-way that one
 * organisation has no credential.
 */
function tokenEnvProblem(name: string, workspaceId: number, env: NodeJS.ProcessEnv): string | undefined {
  if (/^[0-9A-F]{20,}$/i.test(name)) {
    return 'token_env looks like an API token itself; put the token in an environment variable and name that variable here';
  }
  if (name.endsWith('_FILE')) {
    return `token_env: name the variable without _FILE (${name.slice(0, -5)}); ${name} is then read when ${name.slice(0, -5)} is unset`;
  }
  const set = (v: string | undefined) => v !== undefined && v.trim() !== '';
  if (!set(env[name]) && !set(env[`${name}_FILE`])) {
    return `token_env: neither ${name} nor ${name}_FILE is set (the API token for workspace ${workspaceId})`;
  }
  return undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Stands for an invalid subscription in the merge; the run fails anyway, so its fields are never used. */
/**
 * The ignore patterns, NFC-normalised like descriptions, each checked here so that an invalid one is
 * reported at its place in the file (a run with one refuses, rather than matching nothing and
 * pruning what it was meant to protect). Undefined when any pattern is invalid.
 */
function declareIgnore(
  patterns: readonly string[],
  posOf: (path: PathSegment[]) => SourcePosition,
  issues: ConfigIssue[],
): string[] | undefined {
  let valid = true;
  const out = patterns.map((raw, i) => {
    const pattern = descriptionKey(raw);
    const problem = globProblem(pattern);
    if (problem) {
      valid = false;
      issues.push({ ...posOf(['ignore', i]), message: `ignore[${i}] is not a valid pattern: ${problem}` });
    }
    return pattern;
  });
  return valid ? out : undefined;
}

function placeholder(description: string, source: SourcePosition): DesiredSubscription {
  return {
    description,
    url_callback: '',
    enabled: true,
    event_filters: [],
    source,
    sensitive: { url_callback: true, substituted: [] },
  };
}

/**
 * `usable(path)`: no problem at the path, below it (a bad filter spoils its subscription) or above it
 * (a document that is not a mapping spoils everything). Sets, so thousands of problems stay linear.
 */
function unusableChecker(failedPaths: readonly PathSegment[][]): (path: PathSegment[]) => boolean {
  const key = (path: readonly PathSegment[]) => path.join('\u0000');
  const failed = new Set(failedPaths.map(key));
  const failedOrAbove = new Set<string>();
  for (const path of failedPaths) {
    for (let n = 0; n <= path.length; n++) failedOrAbove.add(key(path.slice(0, n)));
  }
  return (path) => {
    if (failedOrAbove.has(key(path))) return false;
    for (let n = 0; n < path.length; n++) if (failed.has(key(path.slice(0, n)))) return false;
    return true;
  };
}
