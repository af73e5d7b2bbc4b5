import { escapeInvisible } from './unicode.js';

/** Code-point order: the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * User text (a description) quoted for a YAML comment or a message: JSON escaping, plus the characters
 * some YAML readers and editors treat as line breaks, so user text can never end a comment line or
 * forge an extra line of output.
 */
export function quote(text: string): string {
  // U+0085, U+2028 and U+2029 are among the invisible characters escaped.
  return escapeInvisible(JSON.stringify(text));
}
