/**
 * `${NAME}` references in `secret` and `url_callback` (and nowhere else). `$${` writes a literal `${`.
 * Anything else after `${` is an error rather than silently kept, so a typo like `${SLACK-SECRET}` or
 * `${TOKEN` cannot reach Toggl as part of a URL or a secret.
 */

export interface VariableUse {
  name: string;
  /** Index of the `${` in the raw string. */
  index: number;
  /** The reference as written, `${NAME}`. */
  text: string;
}

export interface ExpandProblem {
  /** Index in the raw string where the problem starts. */
  index: number;
  /** The text to look for in the source to find the position (`${NAME}`), when there is one. */
  text: string;
  kind: 'unset' | 'invalid';
  name?: string;
}

export type ExpandResult =
  | { ok: true; value: string; variables: VariableUse[]; values: string[] }
  | { ok: false; problems: ExpandProblem[] };

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/y;

export function expandVariables(raw: string, env: NodeJS.ProcessEnv): ExpandResult {
  let out = '';
  const variables: VariableUse[] = [];
  const values: string[] = [];
  const problems: ExpandProblem[] = [];
  let i = 0;
  while (i < raw.length) {
    const dollar = raw.indexOf('$', i);
    if (dollar === -1) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, dollar);
    if (raw.startsWith('$${', dollar)) {
      out += '${';
      i = dollar + 3;
      continue;
    }
    if (raw[dollar + 1] !== '{') {
      out += '$';
      i = dollar + 1;
      continue;
    }
    REFERENCE.lastIndex = dollar;
    const match = REFERENCE.exec(raw);
    if (!match) {
      problems.push({ index: dollar, text: '${', kind: 'invalid' });
      i = dollar + 2;
      continue;
    }
    const name = match[1]!;
    const value = env[name];
    if (value === undefined) {
      problems.push({ index: dollar, text: match[0], kind: 'unset', name });
    } else {
      out += value;
      values.push(value);
    }
    variables.push({ name, index: dollar, text: match[0] });
    i = dollar + match[0].length;
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: out, variables, values };
}

/** The inverse of expansion for literal text: `${` becomes `$${`, so writing a value back is lossless. */
export function escapeVariables(value: string): string {
  // A replacer function: in a replacement string `$$` means one `$`, which made this a no-op.
  return value.replaceAll('${', () => '$${');
}
