import { compileIgnore } from '../config/ignore.js';
import type { DesiredState, DesiredWorkspace } from '../config/types.js';
import { TwsError } from '../errors.js';
import { differences, planWorkspace } from '../plan/plan.js';
import type { Change } from '../plan/types.js';
import type { BudgetView } from '../toggl/budget.js';
import type { Subscription, TogglApi } from '../toggl/types.js';
import { compareText } from '../util/text.js';

/**
 * `status`: what each declared workspace looks like live, subscription by subscription: in sync or the
 * change a sync would make, and whether it can receive events (enabled, validated, no pending events).
 * Only `planWorkspace` decides "in sync", so status and sync can never disagree.
 */

/** `ambiguous`: one of several live subscriptions with a declared description; sync changes none of them. */
export type SyncStatus =
  | 'in_sync'
  | 'create'
  | 'update'
  | 'patch'
  | 'delete'
  | 'ignored'
  | 'unmanaged'
  | 'ambiguous';

export type ProblemKind = 'unvalidated' | 'pending_events' | 'disabled';

export interface Problem {
  kind: ProblemKind;
  /** Unhealthy problems fail `--detailed-exitcode`; the others (an intended disable) are notices. */
  unhealthy: boolean;
  hint: string;
}

export interface SubscriptionStatus {
  description: string;
  /** Null when it is not live yet. */
  subscription_id: number | null;
  declared: boolean;
  sync_status: SyncStatus;
  /** For `update` and `patch`: which fields differ (never their values). */
  changed_fields: string[];
  /** Live values; null when not live, or when the API did not say. */
  enabled: boolean | null;
  validated: boolean | null;
  validated_at: string | null;
  has_pending_events: boolean | null;
  problems: Problem[];
}

export interface WorkspaceStatus {
  workspace_id: number;
  /** Set when the live list could not be read; `subscriptions` is then empty. */
  error?: string;
  subscriptions: SubscriptionStatus[];
}

export interface StatusReport {
  workspaces: WorkspaceStatus[];
  /** The API quota as this run's answers reported it, and a daemon's share of it (src/toggl/budget.ts). */
  quota?: BudgetView | undefined;
}

export interface StatusSummary {
  workspaces: number;
  subscriptions: number;
  in_sync: number;
  pending: number;
  unhealthy: number;
  errors: number;
}

/**
 * One GET per declared workspace and nothing else; a failing workspace is reported, the others still
 * are. `onLive` sees each live list (the shell adds its sensitive values to the run's secrets). Error
 * messages are kept as they came: the renderers scrub them (docs/secrets.md).
 */
export async function collectStatus(
  desired: DesiredState,
  api: TogglApi,
  onLive: (live: readonly Subscription[]) => void = () => {},
): Promise<StatusReport> {
  const workspaces: WorkspaceStatus[] = [];
  for (const ws of desired.workspaces) {
    try {
      const live = await api.listSubscriptions(ws.workspace_id);
      onLive(live);
      workspaces.push(workspaceStatus(ws, live));
    } catch (err) {
      const message = err instanceof TwsError || err instanceof Error ? err.message : String(err);
      workspaces.push({ workspace_id: ws.workspace_id, error: message, subscriptions: [] });
    }
  }
  return { workspaces };
}

/** Pure: the status of one workspace from its declaration and its live list. */
export function workspaceStatus(desired: DesiredWorkspace, live: readonly Subscription[]): WorkspaceStatus {
  const ws = desired.workspace_id;
  const plan = planWorkspace(desired, live);
  const byDescription = new Map<string, Change>();
  const deletes = new Map<number, Change>();
  for (const c of plan.changes) {
    if (c.action === 'delete') deletes.set(c.subscription_id, c);
    else byDescription.set(c.description, c);
  }
  const isIgnored = compileIgnore(desired.ignore);
  const liveByDescription = new Map<string, Subscription[]>();
  for (const s of [...live].sort((a, b) => a.subscription_id - b.subscription_id)) {
    liveByDescription.set(s.description, [...(liveByDescription.get(s.description) ?? []), s]);
  }

  const out: SubscriptionStatus[] = [];
  const shown = new Set<Subscription>();
  const ambiguous = new Map((plan.ambiguous ?? []).map((a) => [a.description, a.subscription_ids]));
  for (const want of desired.subscriptions.values()) {
    // The loader refuses a declaration an ignore glob matches; the planner skips it, so does status.
    if (isIgnored(want.description)) continue;
    const copies = ambiguous.get(want.description);
    if (copies) {
      // As the planner: several live copies, none chosen (docs/plan-rules.md#matching-by-description).
      for (const id of copies) {
        const have = live.find((l) => l.subscription_id === id);
        if (!have) continue;
        shown.add(have);
        out.push(row(ws, want.description, have, true, 'ambiguous', [], want.enabled));
      }
      continue;
    }
    const change = byDescription.get(want.description);
    if (change?.action === 'create') {
      out.push(row(ws, want.description, undefined, true, 'create', [], want.enabled));
      continue;
    }
    const candidates = liveByDescription.get(want.description) ?? [];
    const have =
      change && change.action !== 'delete'
        ? change.live
        : (candidates.find((c) => differences(want, c).length === 0) ?? candidates[0]);
    if (!have) continue;
    shown.add(have);
    const fields = change && change.action !== 'delete' ? differences(want, have) : [];
    out.push(row(ws, want.description, have, true, change?.action ?? 'in_sync', fields, want.enabled));
  }
  for (const s of [...live].sort((a, b) => compareText(a.description, b.description))) {
    if (shown.has(s)) continue;
    const status: SyncStatus = deletes.has(s.subscription_id)
      ? 'delete'
      : isIgnored(s.description)
        ? 'ignored'
        : 'unmanaged';
    out.push(row(ws, s.description, s, false, status, [], undefined));
  }
  return { workspace_id: ws, subscriptions: out };
}

function row(
  ws: number,
  description: string,
  live: Subscription | undefined,
  declared: boolean,
  sync_status: SyncStatus,
  changed_fields: string[],
  declaredEnabled: boolean | undefined,
): SubscriptionStatus {
  const enabled = live ? live.enabled : null;
  const validatedAt = live?.validated_at;
  const validated =
    !live || validatedAt === undefined ? null : typeof validatedAt === 'string' && validatedAt !== '';
  const pending = live && typeof live.has_pending_events === 'boolean' ? live.has_pending_events : null;
  return {
    description,
    subscription_id: live ? live.subscription_id : null,
    declared,
    sync_status,
    changed_fields,
    enabled,
    validated,
    validated_at: typeof validatedAt === 'string' ? validatedAt : null,
    has_pending_events: pending,
    problems: live ? problems(ws, live, validated, pending, declaredEnabled) : [],
  };
}

function problems(
  ws: number,
  live: Subscription,
  validated: boolean | null,
  pendingEvents: boolean | null,
  declaredEnabled: boolean | undefined,
): Problem[] {
  const out: Problem[] = [];
  const id = live.subscription_id;
  if (validated === false) {
    out.push({
      kind: 'unvalidated',
      // A disabled subscription receives nothing either way; it matters once it is enabled.
      unhealthy: live.enabled,
      hint:
        'not validated, so no events are sent: ping it with a receiver that echoes validation_code ' +
        `(sync --ping-new pings after a create or URL change), or GET /validate/${ws}/${id}/{code} ` +
        'with the code your endpoint received',
    });
  }
  if (pendingEvents === true) {
    out.push({
      kind: 'pending_events',
      unhealthy: true,
      hint: 'has pending events: the callback is failing; check your receiver (it must answer 2xx)',
    });
  }
  if (!live.enabled) {
    out.push({
      kind: 'disabled',
      unhealthy: false,
      hint:
        declaredEnabled === true
          ? 'disabled, but the YAML enables it: run toggl-webhooks-sync sync'
          : 'disabled, so it receives no events: enable it in the YAML (enabled: true) if it should',
    });
  }
  return out;
}

export function isUnhealthy(s: SubscriptionStatus): boolean {
  return s.declared && s.problems.some((p) => p.unhealthy);
}

export function isPending(s: SubscriptionStatus): boolean {
  return s.sync_status !== 'in_sync' && s.sync_status !== 'ignored' && s.sync_status !== 'unmanaged';
}

export function summarize(report: StatusReport): StatusSummary {
  const all = report.workspaces.flatMap((w) => w.subscriptions);
  return {
    workspaces: report.workspaces.length,
    subscriptions: all.length,
    in_sync: all.filter((s) => s.sync_status === 'in_sync').length,
    pending: all.filter(isPending).length,
    unhealthy: all.filter(isUnhealthy).length,
    errors: report.workspaces.filter((w) => w.error !== undefined).length,
  };
}
