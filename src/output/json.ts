import { type Summary, summarize } from '../apply/summary.js';
import type { ChangeOutcome, ReconcileResult } from '../apply/types.js';
import type { ChangeDiff } from '../plan/types.js';
import { jsonChange as jsonField } from '../sensitive/render.js';
import type { SecretSet } from '../sensitive/secret-set.js';
import { escapeInvisible } from '../util/unicode.js';
import { descriptionOf, subscriptionIdOf } from './format.js';

/** The one document `--output json` writes on stdout (docs/outputs.md#json). */
export interface JsonDocument {
  format_version: 1;
  dry_run: boolean;
  /** The plan's content hash (docs/ci.md); null when the run could not compute one. */
  plan_hash: string | null;
  workspaces: Array<{ workspace_id: number; changes: JsonChange[] }>;
  summary: Pick<Summary, 'create' | 'update' | 'patch' | 'delete' | 'unchanged' | 'failed'> & {
    /** Planned changes that were not made: every change of a dry run, the rest after a failure or refusal. */
    not_attempted: number;
    /** Live subscriptions left alone because an `ignore` pattern matches them (the text's "ignored"). */
    ignored: number;
    /** Live subscriptions not declared and kept because of `prune: false` (the text's "kept"). */
    kept: number;
  };
  /** Workspaces that could not be planned or applied as a whole (list failure, mass-delete guard). */
  /** workspace_id is null for a problem of the run as a whole (a plan check). */
  errors: Array<{ workspace_id: number | null; stage: string; code: string; message: string }>;
}

/**
 * A diff as JSON: a sensitive URL side is the placeholder `(sensitive)` and `sensitive: true` says a side
 * was hidden, so a script can tell "changed, value hidden" from a real value (docs/secrets.md).
 */
export interface JsonDiff extends Omit<ChangeDiff, 'url_callback'> {
  url_callback?: { before: string | null; after: string; sensitive: boolean };
}

export interface JsonChange {
  action: 'create' | 'update' | 'patch' | 'delete';
  description: string;
  /** null for a create that was not (successfully) made. */
  subscription_id: number | null;
  diff: JsonDiff;
  status: 'planned' | 'applied' | 'failed';
  error?: string;
}

export function toJsonDocument(result: ReconcileResult, secrets: SecretSet): JsonDocument {
  const s = summarize(result);
  const byWorkspace = new Map<number, JsonChange[]>();
  for (const wp of result.plan.workspaces) byWorkspace.set(wp.workspace_id, []);
  for (const o of result.outcomes) {
    const list = byWorkspace.get(o.change.workspace_id) ?? [];
    list.push(jsonChange(o, secrets));
    byWorkspace.set(o.change.workspace_id, list);
  }
  return {
    format_version: 1,
    dry_run: result.dryRun,
    plan_hash: result.planHash ?? null,
    workspaces: [...byWorkspace].map(([workspace_id, changes]) => ({ workspace_id, changes })),
    summary: {
      create: s.create,
      update: s.update,
      patch: s.patch,
      delete: s.delete,
      unchanged: s.unchanged,
      failed: s.failed,
      not_attempted: result.outcomes.length - s.applied - s.failed,
      ignored: s.ignored,
      kept: s.unmanaged,
    },
    errors: result.failures.map((f) => ({
      workspace_id: f.workspace_id > 0 ? f.workspace_id : null,
      stage: f.stage,
      code: f.error.code,
      message: secrets.scrub(f.error.message),
    })),
  };
}

/** The document as text, pretty-printed, with a final newline. */
export function renderJson(result: ReconcileResult, secrets: SecretSet): string {
  // Invisible characters as \u escapes: the same data, but a look-alike description is visible.
  return `${escapeInvisible(JSON.stringify(toJsonDocument(result, secrets), null, 2))}\n`;
}

function jsonChange(o: ChangeOutcome, secrets: SecretSet): JsonChange {
  const out: JsonChange = {
    action: o.change.action,
    description: descriptionOf(o.change, secrets),
    subscription_id: subscriptionIdOf(o) ?? null,
    diff: safeDiff(o.change.diff),
    status: o.status,
  };
  if (o.status === 'failed') out.error = secrets.scrub(o.error ?? 'failed');
  return out;
}

/** A copy built field by field, so nothing but the documented keys (and no secret value) can slip in. */
function safeDiff(d: ChangeDiff): JsonDiff {
  const out: JsonDiff = {};
  if (d.description) out.description = { before: d.description.before, after: d.description.after };
  if (d.url_callback) {
    const { before, after } = d.url_callback;
    // A create has no previous URL: null, not an empty string.
    out.url_callback =
      before === null ? { ...jsonField(after, after), before: null } : jsonField(before, after);
  }
  if (d.event_filters) {
    const copy = (fs: typeof d.event_filters.added) =>
      fs.map((f) => ({ entity: f.entity, action: f.action }));
    out.event_filters = { added: copy(d.event_filters.added), removed: copy(d.event_filters.removed) };
  }
  if (d.enabled) out.enabled = { before: d.enabled.before, after: d.enabled.after };
  if (d.secret) out.secret = { changed: true };
  return out;
}
