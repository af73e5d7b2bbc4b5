import { LimitError, type SourcePosition } from '../errors.js';
import type { Subscription, WorkspaceLimits } from '../toggl/types.js';
import { compareText } from '../util/text.js';
import { filterKey } from './filters.js';
import type { WorkspacePlan } from './types.js';

/** How many descriptions a message lists before it says "and N more". */
const MAX_NAMES = 10;

/**
 * The documented per-workspace limits (GET /limits/{ws}) checked against a plan before any call is made,
 * so a plan the API would refuse half-way fails as a whole instead of leaving the workspace half-applied.
 *
 * `live` is the workspace's live list the plan was made from. Pure: no I/O.
 *
 * The API counts `max_webhooks` per user per workspace, but the list shows every user's subscriptions
 * and we cannot tell which user the token belongs to. So the count here is over the whole workspace,
 * which can only over-count; to never block a plan the API would accept, a plan is refused only when it
 * leaves more enabled subscriptions than the limit AND more than there are now. A workspace that is
 * already over (other users' subscriptions, a lowered limit) can still be cleaned up, updated or disabled.
 *
 * A limit that is not a positive integer (a missing field, an odd API answer) is treated as unknown and
 * not checked: an optional pre-check never blocks a sync on a guess.
 */
export function limitViolations(
  wp: WorkspacePlan,
  live: readonly Subscription[],
  limits: WorkspaceLimits,
): LimitError[] {
  const errors: LimitError[] = [];
  const ws = wp.workspace_id;

  const maxEvents = limits.max_events_per_webhook;
  if (isKnownLimit(maxEvents)) {
    for (const change of wp.changes) {
      if (change.action !== 'create' && change.action !== 'update') continue;
      const count = new Set(change.body.event_filters.map(filterKey)).size;
      if (count <= maxEvents) continue;
      errors.push(
        new LimitError(
          ws,
          `${at(change.desired.source)}workspace ${ws} allows ${plural(maxEvents, 'event filter')} per subscription ` +
            `(GET /limits: max_events_per_webhook); ${JSON.stringify(change.description)} declares ${count}`,
        ),
      );
    }
  }

  const maxWebhooks = limits.max_webhooks;
  if (isKnownLimit(maxWebhooks)) {
    const before = live.filter((s) => s.enabled).length;
    const after = enabledAfter(wp, live);
    if (after.length > maxWebhooks && after.length > before) {
      errors.push(
        new LimitError(
          ws,
          `workspace ${ws} allows ${plural(maxWebhooks, 'enabled subscription')} ` +
            `(GET /limits: max_webhooks); this plan would leave ${after.length} enabled: ${nameList(after)}`,
        ),
      );
    }
  }
  return errors;
}

/**
 * Whether the plan grows a quantity the API limits beyond what is already live: more enabled
 * subscriptions than `managed` has now (what limitViolations counts), or a subscription sent with more
 * distinct filters than any live subscription of the workspace carries (the API accepted those, so the
 * limit is at least that). When it does not, no limit can be newly exceeded and GET /limits is not
 * worth a request. `live` is the workspace's whole list; `managed` the part this run answers for.
 */
export function growsLimitedQuantity(
  wp: WorkspacePlan,
  managed: readonly Subscription[],
  live: readonly Subscription[],
): boolean {
  if (enabledAfter(wp, managed).length > managed.filter((s) => s.enabled).length) return true;
  let liveMost = 0;
  for (const s of live) liveMost = Math.max(liveMost, new Set(s.event_filters.map(filterKey)).size);
  return wp.changes.some(
    (c) =>
      (c.action === 'create' || c.action === 'update') &&
      new Set(c.body.event_filters.map(filterKey)).size > liveMost,
  );
}

/** Descriptions of the subscriptions that would be enabled once the plan is applied, sorted. */
export function enabledAfter(wp: WorkspacePlan, live: readonly Subscription[]): string[] {
  const state = new Map<number, { description: string; enabled: boolean }>();
  for (const s of live) state.set(s.subscription_id, { description: s.description, enabled: s.enabled });
  const created: string[] = [];
  for (const change of wp.changes) {
    switch (change.action) {
      case 'delete':
        state.delete(change.subscription_id);
        break;
      case 'patch':
        state.set(change.subscription_id, { description: change.description, enabled: change.enabled });
        break;
      case 'update':
        state.set(change.subscription_id, { description: change.description, enabled: change.body.enabled });
        break;
      case 'create':
        if (change.body.enabled) created.push(change.description);
        break;
    }
  }
  const names = [...state.values()].filter((s) => s.enabled).map((s) => s.description);
  return [...names, ...created].sort(compareText);
}

function at(source: SourcePosition | undefined): string {
  return source ? `${source.file}:${source.line}:${source.col}: ` : '';
}

function isKnownLimit(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0;
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function nameList(names: readonly string[]): string {
  const shown = names.slice(0, MAX_NAMES).map((n) => JSON.stringify(n));
  const rest = names.length - shown.length;
  return rest > 0 ? `${shown.join(', ')} and ${rest} more` : shown.join(', ');
}
