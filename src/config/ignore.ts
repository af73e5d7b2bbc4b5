import { TwsError } from '../errors.js';
import { descriptionKey, withoutInvisible } from '../util/unicode.js';

/**
 * Compiles `ignore` globs into one predicate on descriptions. Descriptions are free text, not paths:
 * `*` matches any run of characters (including `/`, `.` and newlines), `?` exactly one character, and
 * `[abc]` / `[a-z]` / `[!abc]` a character class, `{a,b}` alternatives. Everything else matches itself; matching is
 * case-sensitive and covers the whole description. Path-glob libraries treat `/`, `.` segments and
 * newlines specially, which would let a subscription escape its ignore rule and be pruned.
 *
 * Matching follows the description rule (docs/plan-rules.md#descriptions): pattern and description
 * are compared in NFC, and a description also counts as matched when it matches with its invisible
 * characters removed, so neither `Zapier` typed in NFD nor `Zap\u200bier` escapes `Zapier*` and gets
 * pruned. Ignoring more only ever protects.
 */
export function compileIgnore(patterns: readonly string[]): (description: string) => boolean {
  if (patterns.length === 0) return () => false;
  const regexes = patterns.map((p) => globToRegExp(descriptionKey(p)));
  return (description) => {
    const key = descriptionKey(description);
    // Normalised again: `e\u200b\u0301` is `é` once the zero-width space between them is gone.
    const visible = descriptionKey(withoutInvisible(key));
    return regexes.some((r) => r.test(key) || r.test(visible));
  };
}

/** Why `glob` is not a valid pattern, or undefined when it is. */
export function globProblem(glob: string): string | undefined {
  try {
    new RegExp(`^${globBody(glob)}$`, 'u');
    return undefined;
  } catch {
    return 'a character range is reversed or malformed (e.g. `[z-a]`)';
  }
}

export function globToRegExp(glob: string): RegExp {
  try {
    return new RegExp(`^${globBody(glob)}$`, 'u');
  } catch {
    // e.g. a reversed range `[z-a]`: refuse the run rather than match nothing and prune what it meant.
    throw new TwsError('E_CONFIG', `invalid ignore pattern ${JSON.stringify(glob)}`);
  }
}

function globBody(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '{') {
      const end = glob.indexOf('}', i + 1);
      const inner = end === -1 ? '' : glob.slice(i + 1, end);
      if (end === -1 || !inner.includes(',') || inner.includes('{')) {
        out += '\\{';
        continue;
      }
      out += `(?:${inner.split(',').map(globBody).join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end === -1) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}
