import type { DesiredWorkspace } from '../config/types.js';
import type { ConfigIssue } from '../errors.js';
import { SCHEMA_ACTIONS, SCHEMA_ENTITIES } from '../generated/event-filters.js';
import type { EventFilterCatalog } from '../toggl/types.js';

const BUILTIN_ENTITIES = new Set(SCHEMA_ENTITIES);
const BUILTIN_ACTIONS = new Set(SCHEMA_ACTIONS);

/**
 * Whether a filter is in the built-in catalogue: the entities and actions the schema enumerates, which
 * the loader already enforces. GET /event_filters (one request of a quota as small as 30 an hour) is
 * read only for a filter outside it, which only a loosened schema or a hand-built state can declare.
 */
export function inBuiltinCatalog(filter: { entity: string; action: string }): boolean {
  return (
    (filter.entity === '*' || BUILTIN_ENTITIES.has(filter.entity)) &&
    (filter.action === '*' || BUILTIN_ACTIONS.has(filter.action))
  );
}

/**
 * Checks declared event filters against the API's own list (GET /event_filters), so a typo the schema's
 * pattern allowed ("projects", "time_entries") is caught before the API refuses it half-way through a sync.
 * Entity `*` and action `*` are always allowed (the docs' "all events" filter). With entity `*`, the action
 * must be one that some entity supports.
 *
 * `only`, when given, limits the check to those descriptions: a sync checks only the subscriptions it is
 * about to send, so a live, unchanged subscription never blocks a workspace because the catalog changed.
 *
 * A catalog that lists nothing usable (empty, or not an object of string arrays) checks nothing:
 * an optional pre-check never blocks a sync on a guess. Pure: no I/O.
 */
export function catalogViolations(
  desired: DesiredWorkspace,
  catalog: EventFilterCatalog,
  only?: ReadonlySet<string>,
): ConfigIssue[] {
  const known = usableCatalog(catalog);
  if (!known) return [];
  const allActions = new Set<string>();
  for (const actions of known.values()) for (const a of actions) allActions.add(a);
  const entities = [...known.keys()].sort();

  const issues: ConfigIssue[] = [];
  for (const sub of desired.subscriptions.values()) {
    if (only && !only.has(sub.description)) continue;
    for (const { entity, action } of sub.event_filters) {
      const where = `subscription ${JSON.stringify(sub.description)}`;
      if (entity !== '*' && !known.has(entity)) {
        const hint = closest(entity, entities);
        issues.push({
          ...sub.source,
          message:
            `${where}: entity ${JSON.stringify(entity)} is not supported by the API ` +
            `(GET /event_filters lists ${entities.join(', ')})` +
            (hint ? `; did you mean ${JSON.stringify(hint)}?` : ''),
        });
        continue;
      }
      if (action === '*') continue;
      const actions = entity === '*' ? allActions : (known.get(entity) ?? new Set<string>());
      if (!actions.has(action)) {
        issues.push({
          ...sub.source,
          message:
            `${where}: action ${JSON.stringify(action)} is not supported for entity ${JSON.stringify(entity)} ` +
            `(GET /event_filters lists ${[...actions].sort().join(', ') || 'none'})`,
        });
      }
    }
  }
  return issues;
}

function usableCatalog(catalog: unknown): Map<string, Set<string>> | undefined {
  if (typeof catalog !== 'object' || catalog === null || Array.isArray(catalog)) return undefined;
  const out = new Map<string, Set<string>>();
  for (const [entity, actions] of Object.entries(catalog)) {
    if (!Array.isArray(actions)) return undefined;
    out.set(entity, new Set(actions.filter((a): a is string => typeof a === 'string')));
  }
  return out.size > 0 ? out : undefined;
}

/** The nearest known name within a small edit distance, for "did you mean". */
function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
