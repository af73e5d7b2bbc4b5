import type { ApiEventFilter } from '../toggl/types.js';

/** The identity of a filter; the API treats filters as a set, so order never matters. */
export function filterKey(f: ApiEventFilter): string {
  return `${f.entity}:${f.action}`;
}

/** Set difference both ways: what `after` adds to `before` and what it removes, in a stable order. */
export function diffFilters(
  before: readonly ApiEventFilter[],
  after: readonly ApiEventFilter[],
): { added: ApiEventFilter[]; removed: ApiEventFilter[] } {
  const beforeKeys = new Set(before.map(filterKey));
  const afterKeys = new Set(after.map(filterKey));
  const added = dedupe(after.filter((f) => !beforeKeys.has(filterKey(f))));
  const removed = dedupe(before.filter((f) => !afterKeys.has(filterKey(f))));
  return { added, removed };
}

export function sameFilters(a: readonly ApiEventFilter[], b: readonly ApiEventFilter[]): boolean {
  const { added, removed } = diffFilters(a, b);
  return added.length === 0 && removed.length === 0;
}

function dedupe(filters: ApiEventFilter[]): ApiEventFilter[] {
  const seen = new Set<string>();
  return filters
    .filter((f) => {
      const key = filterKey(f);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((f) => ({ entity: f.entity, action: f.action }));
}
