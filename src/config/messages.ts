import { escapeInvisible } from '../util/unicode.js';
import { displayPath, type PathSegment } from './nodes.js';

export type NodeProblem =
  | { kind: 'unknown-key'; path: PathSegment[]; key: string; allowed: string[] }
  | { kind: 'missing-keys'; path: PathSegment[]; keys: string[] }
  | {
      kind: 'value';
      path: PathSegment[];
      keyword: string;
      params: Record<string, unknown>;
      schema: Record<string, unknown> | undefined;
      data: unknown;
    };

/** Fields whose values are never quoted back: they may hold a token or a secret typed in clear. */
const SENSITIVE = new Set(['secret', 'url_callback']);

/**
 * The message for one problem, written for the person fixing the file: what is wrong, where in the
 * document (`subscriptions[0].enabled`), and what is allowed instead.
 */
export function describeProblem(
  problem: NodeProblem,
  sourceOf: (path: readonly PathSegment[]) => string | undefined,
): string {
  const where = displayPath(problem.path);
  const at = where === '' ? '' : ` at ${where}`;
  if (problem.kind === 'unknown-key') {
    if (problem.key === '<<') {
      return `YAML merge keys ('<<') are not supported${at}: write the keys out, or share a whole node with an alias`;
    }
    const hint = suggest(problem.key, problem.allowed);
    return (
      `unknown key ${quote(problem.key)}${at}: allowed keys are ${problem.allowed.join(', ')}` +
      (hint ? ` (did you mean '${hint}'?)` : '')
    );
  }
  if (problem.kind === 'missing-keys') {
    const keys = problem.keys.map((k) => `'${k}'`);
    const list = keys.length === 1 ? keys[0] : `${keys.slice(0, -1).join(', ')} and ${keys.at(-1)}`;
    return `missing required key${keys.length === 1 ? '' : 's'} ${list}${at}`;
  }

  const field = problem.path.at(-1);
  const label = where === '' ? 'the document' : where;
  const sensitive = typeof field === 'string' && SENSITIVE.has(field);
  const got = sensitive
    ? `got ${kindOf(problem.data)}`
    : `got ${shown(problem.data, sourceOf(problem.path))}`;
  const schema = problem.schema ?? {};

  switch (problem.keyword) {
    case 'type': {
      if (problem.path.length === 0) {
        return `a subscriptions document must be a mapping with workspace_id and subscriptions, ${got}`;
      }
      if (field === 'workspace_id') return `workspace_id must be a positive integer, ${got}`;
      const expected = expectedType(String(problem.params['type']));
      const quoteHint =
        expected === 'a string' && problem.data !== null && typeof problem.data !== 'object'
          ? ' (quote it)'
          : '';
      return `${label} must be ${expected}, ${got}${quoteHint}`;
    }
    case 'enum': {
      const allowed = (problem.params['allowedValues'] as unknown[] | undefined) ?? [];
      const parent = displayPath(problem.path.slice(0, -1));
      const hint = typeof problem.data === 'string' ? suggest(problem.data, allowed.map(String)) : undefined;
      return `invalid ${String(field)} ${shown(problem.data, sourceOf(problem.path))}${
        parent ? ` at ${parent}` : ''
      }: allowed values are ${allowed.join(', ')}${hint ? ` (did you mean '${hint}'?)` : ''}`;
    }
    case 'minimum':
      if (field === 'workspace_id') return `workspace_id must be a positive integer, ${got}`;
      return `${label} must be at least ${String(problem.params['limit'])}, ${got}`;
    case 'maximum':
      return `${label} is too large: it must be at most ${String(problem.params['limit'])}, ${got}`;
    case 'minLength':
      return `${label} must not be empty`;
    case 'pattern':
      if (field === 'url_callback') {
        return `${label} must be an http:// or https:// URL without spaces (or start with a \${NAME} reference)`;
      }
      if (field === 'description') return `${label} must not be empty or only whitespace`;
      if (field === 'entity' || field === 'action') {
        return `invalid ${field} ${shown(problem.data, undefined)}${at}: use letters, digits and _ or '*'`;
      }
      return `${label} does not match ${String(schema['pattern'] ?? problem.params['pattern'])}`;
    case 'minItems':
      if (field === 'event_filters') return `${label} must list at least one event filter`;
      return `${label} must have at least ${String(problem.params['limit'])} item(s)`;
    default:
      return `${label}: ${problem.keyword} check failed`;
  }
}

function expectedType(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'boolean':
      return 'true or false';
    case 'string':
      return 'a string';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    default:
      return type;
  }
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  return 'a number';
}

/** A value as the user wrote it, quoted and cut short. */
function shown(value: unknown, source: string | undefined): string {
  if (value === null || value === undefined) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return quote(value);
  return truncate(source && source !== '' ? source : String(value));
}

export function quote(text: string): string {
  return `'${displayed(truncate(text))}'`;
}

/**
 * Text as a message shows it: control characters JSON-escaped, invisible ones as `\uXXXX`. The
 * loader masks secrets in this form too (load.ts), since it is the form a message quotes them in.
 */
export function displayed(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: escaping control characters is the point
  const controls = text.replace(/[\u0000-\u001f\u007f]/g, (c) => JSON.stringify(c).slice(1, -1));
  return escapeInvisible(controls);
}

function truncate(text: string): string {
  if (text.length <= 60) return text;
  // Never between the two halves of a character outside the BMP: half of one is not text.
  const high = text.charCodeAt(56);
  return `${text.slice(0, high >= 0xd800 && high <= 0xdbff ? 56 : 57)}…`;
}

/** The allowed key closest to a mistyped one, if it is close enough to be a typo. */
function suggest(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of allowed) {
    const d = distance(key.toLowerCase(), candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(best.length / 4)) ? best : undefined;
}

function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}
