import type { SecretSet } from '../sensitive/secret-set.js';
import { DEFAULT_BUDGET } from '../toggl/budget.js';
import { quote } from '../util/text.js';
import { escapeInvisible } from '../util/unicode.js';
import {
  isPending,
  isUnhealthy,
  type StatusReport,
  type SubscriptionStatus,
  type SyncStatus,
  summarize,
} from './report.js';

/**
 * Status as text for people and JSON for scripts. Neither holds a URL or a secret: status only needs
 * descriptions, ids, flags and field names. What came from the API as text (an error message, the
 * description of a subscription that is not declared, validated_at) is scrubbed with the run's secrets.
 */

/** The text fields of a row that came from the API rather than from the user's files, scrubbed. */
function fromApi(s: SubscriptionStatus, secrets: SecretSet): SubscriptionStatus {
  return {
    ...s,
    description: s.declared ? s.description : secrets.scrub(s.description),
    validated_at: s.validated_at === null ? null : secrets.scrub(s.validated_at),
  };
}

const MARK: Record<SyncStatus, string> = {
  in_sync: ' ',
  create: '+',
  update: '~',
  patch: '±',
  delete: '-',
  ignored: '·',
  unmanaged: '·',
  ambiguous: '?',
};

export function renderStatusText(report: StatusReport, secrets: SecretSet): string {
  const lines: string[] = [];
  for (const ws of report.workspaces) {
    if (ws.error !== undefined) {
      lines.push(`workspace ${ws.workspace_id}: error: ${secrets.scrub(ws.error)}`, '');
      continue;
    }
    const pending = ws.subscriptions.filter(isPending).length;
    const unhealthy = ws.subscriptions.filter(isUnhealthy).length;
    const state = [
      pending === 0 ? 'in sync' : `${pending} pending change${pending === 1 ? '' : 's'}`,
      unhealthy === 0 ? 'healthy' : `${unhealthy} unhealthy`,
    ];
    lines.push(`workspace ${ws.workspace_id}: ${state.join(', ')}`);
    if (ws.subscriptions.length === 0) lines.push('  (no subscriptions declared or live)');
    for (const row of ws.subscriptions) {
      const s = fromApi(row, secrets);
      const mark = isUnhealthy(s) && s.sync_status === 'in_sync' ? '!' : MARK[s.sync_status];
      const id = s.subscription_id === null ? '' : ` (id ${s.subscription_id})`;
      lines.push(`  ${mark} ${quote(s.description)}${id}: ${describe(s)}`);
      for (const p of s.problems) lines.push(`      hint: ${p.hint}`);
    }
    lines.push('');
  }
  const sum = summarize(report);
  let last =
    `Status: ${sum.in_sync} in sync, ${sum.pending} pending, ${sum.unhealthy} unhealthy` +
    (sum.errors > 0 ? `, ${sum.errors} workspace${sum.errors === 1 ? '' : 's'} unreadable.` : '.');
  if (sum.pending > 0) last += ' Run `toggl-webhooks-sync sync --dry-run` to see the changes.';
  lines.push(last);
  const quota = quotaLine(report);
  if (quota) lines.push(quota);
  return `${lines.join('\n')}\n`;
}

function describe(s: SubscriptionStatus): string {
  const parts: string[] = [];
  switch (s.sync_status) {
    case 'in_sync':
      parts.push('in sync');
      break;
    case 'create':
      parts.push('create pending (declared, not live)');
      break;
    case 'update':
      parts.push(`update pending (${s.changed_fields.join(', ')})`);
      break;
    case 'patch':
      parts.push(`${s.enabled ? 'disable' : 'enable'} pending`);
      break;
    case 'delete':
      parts.push('delete pending (live, not declared)');
      break;
    case 'ignored':
      parts.push('ignored (matches an ignore pattern)');
      break;
    case 'unmanaged':
      parts.push('unmanaged (not declared, prune: false)');
      break;
    case 'ambiguous':
      parts.push('ambiguous (another live subscription has this description too; sync changes neither)');
      break;
  }
  if (s.subscription_id !== null) {
    if (s.enabled !== null) parts.push(s.enabled ? 'enabled' : 'disabled');
    if (s.validated === true) parts.push(`validated ${s.validated_at ?? ''}`.trimEnd());
    else if (s.validated === false) parts.push('NOT validated');
    if (s.has_pending_events === true) parts.push('HAS PENDING EVENTS');
  }
  return parts.join(', ');
}

/** What the quota headers said, and what a daemon (default share) could spend of it; none without headers. */
function quotaLine(report: StatusReport): string | undefined {
  const q = report.quota;
  if (q?.remaining === undefined) return undefined;
  const resets =
    q.resetsInSeconds === undefined ? '' : `, the window resets in ${formatSeconds(q.resetsInSeconds)}`;
  const perWindow = q.limit === undefined ? undefined : Math.floor(DEFAULT_BUDGET.share * q.limit);
  const budget =
    perWindow === undefined
      ? ''
      : `; a daemon on this token spends at most ${perWindow} per window on periodic reconciles (--quota-share ${DEFAULT_BUDGET.share})`;
  return `API quota (token ${q.alias}): ${q.remaining} requests left${resets}${budget}.`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${s % 60 ? ` ${s % 60}s` : ''}`
    : `${Math.floor(m / 60)}h${m % 60 ? ` ${m % 60}m` : ''}`;
}

export function renderStatusJson(report: StatusReport, secrets: SecretSet): string {
  return `${escapeInvisible(
    JSON.stringify(
      {
        format_version: 1,
        workspaces: report.workspaces.map((ws) => ({
          workspace_id: ws.workspace_id,
          ...(ws.error !== undefined ? { error: secrets.scrub(ws.error) } : {}),
          in_sync: ws.error === undefined && !ws.subscriptions.some(isPending),
          healthy: ws.error === undefined && !ws.subscriptions.some(isUnhealthy),
          subscriptions: ws.subscriptions
            .map((row) => fromApi(row, secrets))
            .map((s) => ({
              description: s.description,
              subscription_id: s.subscription_id,
              declared: s.declared,
              sync_status: s.sync_status,
              changed_fields: s.changed_fields,
              enabled: s.enabled,
              validated: s.validated,
              validated_at: s.validated_at,
              has_pending_events: s.has_pending_events,
              healthy: !isUnhealthy(s),
              problems: s.problems,
            })),
        })),
        summary: summarize(report),
        ...(report.quota?.remaining !== undefined
          ? {
              quota: {
                token: report.quota.alias,
                remaining: report.quota.remaining,
                resets_in_seconds: report.quota.resetsInSeconds ?? null,
              },
            }
          : {}),
      },
      null,
      2,
    ),
  )}\n`;
}
