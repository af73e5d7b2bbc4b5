import type { ReconcileResult } from '../apply/types.js';
import type { DesiredState } from '../config/types.js';
import { workspaceStatus } from './report.js';

/**
 * Label sets of the daemon's `toggl_webhooks_subscription_info` gauge (value 1), one per subscription
 * of each workspace whose live state the reconcile knows: the same view as `status`, taken from the live
 * state after the run, so `sync_status` is what is still outstanding (`in_sync` once applied).
 *
 * `description` is the user's own label text, never a URL, secret or token; no other field of a
 * subscription reaches a label. `enabled` and `validated` are `true`, `false` or `unknown` (not live yet,
 * or not reported by the API).
 */
export interface SubscriptionInfoLabels {
  workspace_id: string;
  description: string;
  enabled: string;
  validated: string;
  sync_status: string;
}

export const SUBSCRIPTION_INFO_LABELS = [
  'workspace_id',
  'description',
  'enabled',
  'validated',
  'sync_status',
] as const;

/**
 * `scrubLive` is applied to the description of a subscription that is not declared: that text came from
 * the API, not from the user's files (docs/secrets.md).
 */
export function subscriptionInfo(
  desired: DesiredState,
  result: ReconcileResult,
  scrubLive: (text: string) => string = (text) => text,
): SubscriptionInfoLabels[] {
  const out: SubscriptionInfoLabels[] = [];
  for (const ws of desired.workspaces) {
    const live = result.live.get(ws.workspace_id);
    if (!live) continue;
    for (const s of workspaceStatus(ws, live).subscriptions) {
      out.push({
        workspace_id: String(ws.workspace_id),
        description: s.declared ? s.description : scrubLive(s.description),
        enabled: flag(s.enabled),
        validated: flag(s.validated),
        sync_status: s.sync_status,
      });
    }
  }
  return out;
}

/** Workspaces `subscriptionInfo` describes; the others (list failed) keep their last known series. */
export function describedWorkspaces(desired: DesiredState, result: ReconcileResult): number[] {
  return desired.workspaces.map((w) => w.workspace_id).filter((id) => result.live.has(id));
}

function flag(value: boolean | null): string {
  return value === null ? 'unknown' : String(value);
}
