import type { ChangeOutcome } from '../apply/types.js';
import type { Change, ChangeDiff } from '../plan/types.js';
import { showChange } from '../sensitive/render.js';
import type { SecretSet } from '../sensitive/secret-set.js';
import { show } from '../sensitive/value.js';
import type { ApiEventFilter } from '../toggl/types.js';
import { escapeInvisible } from '../util/unicode.js';

/**
 * Pieces shared by the renderers. Renderers only ever read a change's `diff`, description and ids:
 * never `body`, `desired` or `live`, which hold secrets. A diff's sensitive sides are `Sensitive` values
 * and print as a placeholder through `show`; text from outside (API messages, live descriptions) goes
 * through the run's `SecretSet.scrub` (docs/secrets.md).
 */

export type Verb = 'create' | 'update' | 'enable' | 'disable' | 'delete';

export function verbOf(change: Change): Verb {
  if (change.action === 'patch') return change.enabled ? 'enable' : 'disable';
  return change.action;
}

export const SYMBOL: Record<Verb, string> = {
  create: '+',
  update: '~',
  enable: '±',
  disable: '±',
  delete: '-',
};

export function filterText(f: ApiEventFilter): string {
  return `${f.entity}:${f.action}`;
}

/** `+project:created -tag:*`, added first, each group in a stable order. */
export function filtersDiffText(d: NonNullable<ChangeDiff['event_filters']>): string {
  const sort = (fs: ApiEventFilter[]) => fs.map(filterText).sort();
  return [...sort(d.added).map((f) => `+${f}`), ...sort(d.removed).map((f) => `-${f}`)].join(' ');
}

/** The subscription id to show: the one the change targets, or the one a create was given. */
export function subscriptionIdOf(outcome: ChangeOutcome): number | undefined {
  const c = outcome.change;
  if (c.action === 'create') return outcome.subscription_id;
  return c.subscription_id;
}

export interface FieldLine {
  field: string;
  text: string;
}

/**
 * The description to print: a declared one is the user's own text; a live one (a delete) came from the
 * API and is scrubbed like any text from outside.
 */
export function descriptionOf(change: Change, secrets: SecretSet): string {
  return change.action === 'delete' ? secrets.scrub(change.description) : change.description;
}

/** The human lines of a change's diff, secret-free: `url_callback: a -> b`, `secret: (changed)`. */
export function diffLines(change: Change): FieldLine[] {
  const d = change.diff;
  const lines: FieldLine[] = [];
  const creating = change.action === 'create';
  if (d.description)
    lines.push({ field: 'description', text: `${d.description.before} -> ${d.description.after}` });
  if (d.url_callback) {
    const { before, after } = d.url_callback;
    lines.push({
      field: 'url_callback',
      text: creating || before === null ? show(after) : showChange(before, after),
    });
  }
  if (d.event_filters) {
    const text = filtersDiffText(d.event_filters);
    if (text) lines.push({ field: 'event_filters', text });
  }
  if (d.enabled) {
    lines.push({
      field: 'enabled',
      text: creating ? String(d.enabled.after) : `${d.enabled.before} -> ${d.enabled.after}`,
    });
  }
  if (d.secret) lines.push({ field: 'secret', text: creating ? '(declared)' : '(changed)' });
  // Renames (docs/plan-rules.md#renames): say the order, since it is not the usual deletes-first.
  if (change.action === 'create' && change.replaces !== undefined) {
    lines.push({
      field: 'rename',
      text: `replaces id ${change.replaces}: created first; the old one is deleted only once this succeeds`,
    });
  }
  if (change.action === 'delete' && change.replaced_by !== undefined) {
    lines.push({ field: 'rename', text: `replaced by ${quote(change.replaced_by)}, which is created first` });
  }
  return lines;
}

/**
 * Terminal-safe: no control characters from user-written descriptions reach the terminal, and
 * invisible ones (zero-width spaces, bidi overrides, non-ASCII spaces) show as `\u200b`, so two
 * descriptions never look alike on screen (docs/plan-rules.md#descriptions).
 */
export function quote(text: string): string {
  return escapeInvisible(JSON.stringify(text));
}

/** One terminal-safe line of free text (API messages echo descriptions and URLs): controls escaped. */
export function oneLine(text: string): string {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    const control = code < 0x20 || (code >= 0x7f && code <= 0x9f);
    if (!control) out += c;
    else out += c === '\n' ? '\\n' : `\\u${code.toString(16).padStart(4, '0')}`;
  }
  return escapeInvisible(out);
}

export function planLine(s: { create: number; update: number; patch: number; delete: number }): string {
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.patch} to patch, ${s.delete} to delete.`;
}

/**
 * The closing line of a run that had errors, instead of `Plan: 0 to create, ...` (which reads like "nothing
 * to do" in a CI log): says the run failed, how many errors, and what was not done.
 */
export function failedRunLine(
  result: { dryRun: boolean; failures: readonly unknown[]; outcomes: readonly unknown[] },
  s: { create: number; update: number; patch: number; delete: number; applied: number; failed: number },
): string | undefined {
  if (result.failures.length === 0) return undefined;
  const errors = `${result.failures.length} error${result.failures.length === 1 ? '' : 's'}`;
  const planned = `${s.create} to create, ${s.update} to update, ${s.patch} to patch, ${s.delete} to delete`;
  if (result.dryRun) {
    return `Plan failed (${errors} above): incomplete; planned where it could: ${planned}.`;
  }
  const notAttempted = result.outcomes.length - s.applied - s.failed;
  return `Run failed (${errors} above): ${notAttempted} of ${result.outcomes.length} planned change${result.outcomes.length === 1 ? '' : 's'} not attempted, ${s.failed} failed, ${s.applied} applied.`;
}

export const NO_CHANGES = 'No changes. Live subscriptions match the configuration.';
