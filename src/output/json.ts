import { summarize } from '../apply/summary.js';
import type { ChangeOutcome, ReconcileResult } from '../apply/types.js';
import type { ChangeDiff } from '../plan/types.js';
import { redact, redactUrl } from '../util/redact.js';
import { subscriptionIdOf } from './format.js';

/** SPEC section 3: the one document `--output json` writes on stdout. */
export interface JsonDocument {
  format_version: 1;
  dry_run: boolean;
  /** The plan's content hash (docs/ci.md); null when the run could not compute one. */
  plan_hash: string | null;
  workspaces: Array<{ workspace_id: number; changes: JsonChange[] }>;
  summary: {
    create: number;
    update: number;
    patch: number;
    delete: number;
    unchanged: number;
    failed: number;
  };
  /** Workspaces that could not be planned or applied as a whole (list failure, mass-delete guard). */
  /** workspace_id is null for a problem of the run as a whole (a plan check). */
  errors: Array<{ workspace_id: number | null; stage: string; code: string; message: string }>;
}

export interface JsonChange {
  action: 'create' | 'update' | 'patch' | 'delete';
  description: string;
  /** null for a create that was not (successfully) made. */
  subscription_id: number | null;
  diff: ChangeDiff;
  status: 'planned' | 'applied' | 'failed';
  error?: string;
}

export function toJsonDocument(result: ReconcileResult): JsonDocument {
  const s = summarize(result);
  const byWorkspace = new Map<number, JsonChange[]>();
  for (const wp of result.plan.workspaces) byWorkspace.set(wp.workspace_id, []);
  for (const o of result.outcomes) {
    const list = byWorkspace.get(o.change.workspace_id) ?? [];
    list.push(jsonChange(o));
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
    },
    errors: result.failures.map((f) => ({
      workspace_id: f.workspace_id > 0 ? f.workspace_id : null,
      stage: f.stage,
      code: f.error.code,
      message: redact(f.error.message),
    })),
  };
}

/** The document as text, pretty-printed, with a final newline. */
export function renderJson(result: ReconcileResult): string {
  // Redact the string leaves, not the serialized text: masking inside the text could hit a number or
  // a key and leave a document that no longer parses.
  return `${JSON.stringify(toJsonDocument(result), (_key, value: unknown) => (typeof value === 'string' ? redact(value) : value), 2)}\n`;
}

function jsonChange(o: ChangeOutcome): JsonChange {
  const out: JsonChange = {
    action: o.change.action,
    description: o.change.description,
    subscription_id: subscriptionIdOf(o) ?? null,
    diff: safeDiff(o.change.diff),
    status: o.status,
  };
  if (o.status === 'failed') out.error = redact(o.error ?? 'failed');
  return out;
}

/** A copy built field by field, so nothing but the documented keys (and no secret value) can slip in. */
function safeDiff(d: ChangeDiff): ChangeDiff {
  const out: ChangeDiff = {};
  if (d.description) out.description = { before: d.description.before, after: d.description.after };
  if (d.url_callback) {
    out.url_callback = { before: redactUrl(d.url_callback.before), after: redactUrl(d.url_callback.after) };
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
