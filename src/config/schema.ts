import type { ErrorObject, ValidateFunction } from 'ajv';
import type { ConfigIssue, SourcePosition } from '../errors.js';
import type { SubscriptionsDocument } from '../generated/schema-types.js';
import { validate as precompiled } from '../generated/schema-validator.js';
import { MAX_ISSUES_PER_FILE } from './limits.js';
import { describeProblem, type NodeProblem } from './messages.js';
import { keyNodeAt, nodeAt, type PathSegment, pointerToPath, type Tree, valueOffset } from './nodes.js';

/** The schema file, for editors and tests. */
export { SCHEMA_URL } from '../resources.js';

/**
 * ajv's validator for the schema, compiled ahead of time by scripts/gen-types.mjs (a test keeps it in
 * step with the schema) with `allErrors` and `verbose`: errors carry the failing value and its schema,
 * which the messages quote (allowed values, allowed keys). Importing ajv and compiling at start-up
 * would cost more than everything else `validate` does.
 */
const validator = precompiled as unknown as ValidateFunction<SubscriptionsDocument>;

export interface SchemaResult {
  issues: ConfigIssue[];
  /** Problems found but not described (past a screenful); counted in the "more problems" line. */
  hidden: number;
  /** Instance paths (as segments) of every node that failed, so callers can still use the parts that did not. */
  failedPaths: PathSegment[][];
}

/** Validates one document's data against the schema; every problem is positioned on its YAML node. */
export function validateDocument(
  value: unknown,
  tree: Tree,
  at: (offset: number) => SourcePosition,
): SchemaResult {
  const validate = validator;
  if (validate(value)) return { issues: [], hidden: 0, failedPaths: [] };
  const problems = collapse(validate.errors ?? []);
  const issues: ConfigIssue[] = [];
  // Past a screenful the rest is counted, not described: a mapping of 40,000 junk keys must stay cheap.
  for (const problem of problems.slice(0, MAX_ISSUES_PER_FILE)) {
    const message = describeProblem(problem, (path) => scalarSource(tree, path));
    let offset: number | undefined;
    if (problem.kind === 'unknown-key') {
      offset = keyNodeAt(tree, problem.path, problem.key)?.range?.[0];
    } else if (problem.kind === 'missing-keys') {
      offset = nodeAt(tree, problem.path).node?.range?.[0];
    } else {
      offset = valueOffset(nodeAt(tree, problem.path));
    }
    issues.push({ ...at(offset ?? tree.root?.range?.[0] ?? 0), message });
  }
  return {
    issues,
    hidden: Math.max(0, problems.length - MAX_ISSUES_PER_FILE),
    failedPaths: problems.flatMap(failedPathsOf),
  };
}

/**
 * The subtrees a problem makes unusable. An unknown or missing key spoils only that key, so a typo in
 * one place does not hide the merge checks (duplicate descriptions…) of the rest of the document.
 */
function failedPathsOf(problem: NodeProblem): PathSegment[][] {
  if (problem.kind === 'unknown-key') return [[...problem.path, problem.key]];
  if (problem.kind === 'missing-keys') return problem.keys.map((k) => [...problem.path, k]);
  return [problem.path];
}

/** The source text of a scalar, to quote a value as the user wrote it (`99999999999999999999`, not 1e20). */
function scalarSource(tree: Tree, path: readonly PathSegment[]): string | undefined {
  const { node } = nodeAt(tree, path);
  const source = (node as { source?: unknown } | undefined)?.source;
  return typeof source === 'string' ? source : undefined;
}

// Which ajv keyword speaks for a node when several fail on it: the most basic problem first.
const PRIORITY = ['type', 'enum', 'const', 'minLength', 'pattern', 'minimum', 'maximum', 'minItems'];

/**
 * Turns ajv's errors into one problem per node: unknown keys each on their own key, all missing keys
 * of a mapping together on the mapping, and for any other node only its most basic failure (a value
 * that is not in an enum also fails the pattern; the enum says more).
 */
function collapse(errors: readonly ErrorObject[]): NodeProblem[] {
  const byNode = new Map<string, NodeProblem>();
  const missing = new Map<string, Extract<NodeProblem, { kind: 'missing-keys' }>>();
  const chosen = new Map<string, ErrorObject>();
  for (const error of errors) {
    const path = pointerToPath(error.instancePath);
    if (error.keyword === 'additionalProperties') {
      const key = String((error.params as { additionalProperty: string }).additionalProperty);
      const allowed = Object.keys((error.parentSchema as { properties?: object }).properties ?? {});
      byNode.set(`${error.instancePath}\0key\0${key}`, { kind: 'unknown-key', path, key, allowed });
    } else if (error.keyword === 'required') {
      const key = String((error.params as { missingProperty: string }).missingProperty);
      const entry = missing.get(error.instancePath);
      if (entry) entry.keys.push(key);
      else missing.set(error.instancePath, { kind: 'missing-keys', path, keys: [key] });
    } else {
      const current = chosen.get(error.instancePath);
      if (!current || rank(error.keyword) < rank(current.keyword)) chosen.set(error.instancePath, error);
    }
  }
  for (const [pointer, error] of chosen) {
    byNode.set(pointer, {
      kind: 'value',
      path: pointerToPath(pointer),
      keyword: error.keyword,
      params: error.params as Record<string, unknown>,
      schema: error.parentSchema as Record<string, unknown> | undefined,
      data: error.data,
    });
  }
  for (const [pointer, problem] of missing) byNode.set(`${pointer}\0missing`, problem);
  return [...byNode.values()];
}

function rank(keyword: string): number {
  const i = PRIORITY.indexOf(keyword);
  return i === -1 ? PRIORITY.length : i;
}
