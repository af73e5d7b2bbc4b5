import { isSensitive, type Marked, PLACEHOLDER, show } from './value.js';

/**
 * How renderers print a field that may be sensitive. A sensitive value is a fixed placeholder whose
 * length and shape say nothing; a change is still visible (`(sensitive) -> (sensitive, changed)`).
 * Never a partial URL: which host or path a secret sits in is itself a hint (docs/secrets.md).
 */

export const CHANGED_PLACEHOLDER = '(sensitive, changed)';

/** `before -> after` with each side shown or hidden according to its mark. */
export function showChange(before: Marked, after: Marked): string {
  return `${show(before)} -> ${isSensitive(after) ? CHANGED_PLACEHOLDER : after}`;
}

/** A field as JSON: the shown sides, and whether any side is hidden. */
export function jsonChange(
  before: Marked,
  after: Marked,
): { before: string; after: string; sensitive: boolean } {
  return {
    before: show(before),
    after: show(after),
    sensitive: isSensitive(before) || isSensitive(after),
  };
}

export { PLACEHOLDER };
