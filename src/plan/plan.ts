import { compileIgnore } from '../config/ignore.js';
import type { DesiredState, DesiredSubscription, DesiredWorkspace } from '../config/types.js';
import { GuardError } from '../errors.js';
import { liveUrlIsSensitive } from '../sensitive/collect.js';
import { mark } from '../sensitive/value.js';
import type { Subscription, SubscriptionInput } from '../toggl/types.js';
import { descriptionKey } from '../util/unicode.js';
import { diffFilters, sameFilters } from './filters.js';
import type {
  AmbiguousMatch,
  Change,
  ChangeDiff,
  PatchChange,
  Plan,
  UpdateChange,
  WorkspacePlan,
} from './types.js';

/**
 * The planner: a pure function from desired and live state to the minimal list of calls
 * (docs/plan-rules.md).
 * No I/O happens here, so everything about "what would change" is testable with plain values.
 */
export function planAll(desired: DesiredState, live: ReadonlyMap<number, readonly Subscription[]>): Plan {
  const workspaces: WorkspacePlan[] = [];
  for (const ws of desired.workspaces) {
    const current = live.get(ws.workspace_id);
    // A workspace whose live state is unknown (its list call failed) is never planned: no guesses.
    if (current) workspaces.push(planWorkspace(ws, current));
  }
  return { workspaces };
}

/**
 * Execution groups, in the documented order (docs/plan-rules.md#order-of-calls): free per-workspace
 * limits before using them.
 */
enum Group {
  /** The new half of a rename: created before the old one is deleted, so a failed create loses nothing. */
  RenameCreate = -1,
  Delete = 0,
  Disable = 1,
  UpdateDisabling = 2,
  Update = 3,
  UpdateEnabling = 4,
  Enable = 5,
  Create = 6,
}

export function planWorkspace(desired: DesiredWorkspace, live: readonly Subscription[]): WorkspacePlan {
  const ws = desired.workspace_id;
  const isIgnored = compileIgnore(desired.ignore);
  // Within a group, calls run by description (deletes by id): the same declarations give the same
  // calls in the same order whatever the order of files and documents, which keeps the plan hash
  // (docs/ci.md) independent of file layout.
  const grouped: Array<{ group: Group; order: string | number; change: Change }> = [];
  const add = (group: Group, order: string | number, change: Change) =>
    grouped.push({ group, order, change });

  const liveByDescription = new Map<string, Subscription[]>();
  for (const sub of [...live].sort((a, b) => a.subscription_id - b.subscription_id)) {
    // Declared descriptions are NFC (the loader); live ones are compared in the same form.
    const key = descriptionKey(sub.description);
    const list = liveByDescription.get(key);
    if (list) list.push(sub);
    else liveByDescription.set(key, [sub]);
  }

  let unchanged = 0;
  let ignored = 0;
  let unmanaged = 0;
  const matched = new Set<Subscription>();
  const ambiguous: AmbiguousMatch[] = [];

  for (const want of desired.subscriptions.values()) {
    const order = want.description;
    // "Never touched" is absolute: the loader refuses a declared description that an ignore glob matches.
    if (isIgnored(want.description)) continue;
    const candidates = liveByDescription.get(descriptionKey(want.description)) ?? [];
    if (candidates.length > 1) {
      // The API keeps descriptions unique, yet two live subscriptions carry this one (a copy that
      // slipped in, or one in NFC and one in NFD). Choosing would delete the other, perhaps the one
      // that matters: refuse to guess, plan nothing for it and touch neither (docs/plan-rules.md).
      for (const c of candidates) matched.add(c);
      ambiguous.push({
        description: want.description,
        subscription_ids: candidates.map((c) => c.subscription_id),
      });
      continue;
    }
    const have = candidates[0];
    if (!have) {
      add(Group.Create, order, {
        action: 'create',
        workspace_id: ws,
        description: want.description,
        desired: want,
        body: createBody(want),
        diff: createDiff(want),
      });
      continue;
    }
    matched.add(have);
    const change = planSubscription(ws, want, have);
    if (!change) unchanged++;
    else if (change.action === 'patch') add(want.enabled ? Group.Enable : Group.Disable, order, change);
    else {
      const group =
        have.enabled === want.enabled
          ? Group.Update
          : want.enabled
            ? Group.UpdateEnabling
            : Group.UpdateDisabling;
      add(group, order, change);
    }
  }

  for (const sub of live) {
    if (matched.has(sub)) continue;
    if (isIgnored(sub.description)) {
      ignored++;
      continue;
    }
    if (!desired.prune) {
      unmanaged++;
      continue;
    }
    add(Group.Delete, sub.subscription_id, {
      action: 'delete',
      workspace_id: ws,
      description: sub.description,
      subscription_id: sub.subscription_id,
      live: sub,
      diff: {},
    });
  }

  pairRenames(grouped);
  grouped.sort((a, b) => a.group - b.group || compareOrder(a.order, b.order));
  return {
    workspace_id: ws,
    changes: grouped.map((g) => g.change),
    unchanged,
    ignored,
    unmanaged,
    live_count: live.length,
    ...(ambiguous.length > 0 ? { ambiguous } : {}),
  };
}

/**
 * The one call that makes an existing subscription `have` match `want`, or undefined when it already
 * does: a PATCH when only `enabled` differs, else a PUT of the whole subscription. Used for every
 * matched subscription of a plan, and by reconcile to converge a subscription it adopted.
 */
export function planSubscription(
  ws: number,
  want: DesiredSubscription,
  have: Subscription,
): UpdateChange | PatchChange | undefined {
  const diffs = differences(want, have);
  if (diffs.length === 0) return undefined;
  if (diffs.length === 1 && diffs[0] === 'enabled') {
    return {
      action: 'patch',
      workspace_id: ws,
      description: want.description,
      subscription_id: have.subscription_id,
      desired: want,
      live: have,
      enabled: want.enabled,
      diff: { enabled: { before: have.enabled, after: want.enabled } },
    };
  }
  return {
    action: 'update',
    workspace_id: ws,
    description: want.description,
    subscription_id: have.subscription_id,
    desired: want,
    live: have,
    body: updateBody(want, have),
    diff: updateDiff(want, have),
  };
}

/** Numbers (ids) numerically, text by code unit: never locale-dependent. */
function compareOrder(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}

type Field = 'url_callback' | 'event_filters' | 'secret' | 'enabled';

/** Which compared fields differ. A secret is compared only when declared and when the API shows one. */
export function differences(want: DesiredSubscription, have: Subscription): Field[] {
  const out: Field[] = [];
  if (want.url_callback !== have.url_callback) out.push('url_callback');
  if (!sameFilters(want.event_filters, have.event_filters ?? [])) out.push('event_filters');
  // A live secret the API did not return cannot be compared; planning a PUT for it on every run would
  // never converge, so an unknown live secret counts as equal.
  if (want.secret !== undefined && typeof have.secret === 'string' && want.secret !== have.secret) {
    out.push('secret');
  }
  if (want.enabled !== have.enabled) out.push('enabled');
  return out;
}

function createBody(want: DesiredSubscription): SubscriptionInput {
  const body: SubscriptionInput = {
    description: want.description,
    url_callback: want.url_callback,
    event_filters: want.event_filters.map((f) => ({ entity: f.entity, action: f.action })),
    enabled: want.enabled,
  };
  if (want.secret !== undefined) body.secret = want.secret;
  return body;
}

function updateBody(want: DesiredSubscription, have: Subscription): SubscriptionInput {
  const body = createBody(want);
  // PUT replaces the whole subscription and refuses an empty secret: keep the live one unless declared.
  if (body.secret === undefined && typeof have.secret === 'string' && have.secret !== '')
    body.secret = have.secret;
  return body;
}

function createDiff(want: DesiredSubscription): ChangeDiff {
  const diff: ChangeDiff = {
    url_callback: { before: null, after: mark(want.url_callback, want.sensitive.url_callback) },
    event_filters: diffFilters([], want.event_filters),
    enabled: { before: null, after: want.enabled },
  };
  if (want.secret !== undefined) diff.secret = { changed: true };
  return diff;
}

function updateDiff(want: DesiredSubscription, have: Subscription): ChangeDiff {
  const diff: ChangeDiff = {};
  for (const field of differences(want, have)) {
    if (field === 'url_callback') {
      diff.url_callback = {
        before: mark(have.url_callback, liveUrlIsSensitive(have, want)),
        after: mark(want.url_callback, want.sensitive.url_callback),
      };
    } else if (field === 'event_filters')
      diff.event_filters = diffFilters(have.event_filters ?? [], want.event_filters);
    else if (field === 'secret') diff.secret = { changed: true };
    else diff.enabled = { before: have.enabled, after: want.enabled };
  }
  return diff;
}

/**
 * The mass-delete guard (docs/plan-rules.md#the-mass-delete-guard): deleting every live subscription of a workspace, or more than
 * half of them when it has 4 or more, is almost always a broken file or a wrong workspace id.
 */
export function massDeleteViolation(wp: WorkspacePlan): GuardError | undefined {
  const deletes = wp.changes.filter((c) => c.action === 'delete').length;
  // Ignored and (with prune: false) undeclared subscriptions can never be deleted; counting them would
  // let a plan that deletes everything the tool manages slip under the ratio.
  // Nor are subscriptions left alone because their description is ambiguous.
  const untouchable = (wp.ambiguous ?? []).reduce((n, a) => n + a.subscription_ids.length, 0);
  const total = wp.live_count - wp.ignored - wp.unmanaged - untouchable;
  if (deletes === 0) return undefined;
  const all = deletes >= total;
  const majority = total >= 4 && deletes * 2 > total;
  if (!all && !majority) return undefined;
  const what = all ? `all ${total}` : `${deletes} of ${total}`;
  return new GuardError(
    wp.workspace_id,
    `refusing to delete ${what} live subscriptions of workspace ${wp.workspace_id} (mass-delete guard); ` +
      'check the files and the workspace_id, then re-run with --allow-mass-delete if this is intended',
  );
}

/**
 * Renames: the plan compares by description, so a renamed subscription is a delete of the old
 * description and a create of the new. A create and a delete with the same url_callback and the same
 * event filters (a rename keeps its endpoint and events) are paired, one to one in plan order: the create runs first and the delete only
 * once it succeeded (src/apply/apply.ts), so an unreachable URL or a refused create never leaves the
 * workspace without the subscription. When the workspace's enabled-subscription limit refuses the
 * create, apply falls back to delete-then-create and says the order was forced, but only when the
 * delete frees a slot for the token's user (docs/plan-rules.md#renames).
 */
function pairRenames(grouped: Array<{ group: number; order: string | number; change: Change }>): void {
  const deletes = grouped.filter((g) => g.change.action === 'delete');
  const taken = new Set<number>();
  for (const entry of grouped) {
    const create = entry.change;
    if (create.action !== 'create') continue;
    const match = deletes.find(
      (d) =>
        d.change.action === 'delete' &&
        !taken.has(d.change.subscription_id) &&
        // A rename keeps its endpoint and its events: same URL and the same filters. Anything else
        // is two unrelated subscriptions, and the documented order (deletes first) stands.
        d.change.live.url_callback === create.body.url_callback &&
        sameFilters(d.change.live.event_filters, create.body.event_filters),
    );
    if (match?.change.action !== 'delete') continue;
    taken.add(match.change.subscription_id);
    create.replaces = match.change.subscription_id;
    match.change.replaced_by = create.description;
    entry.group = Group.RenameCreate;
  }
}
