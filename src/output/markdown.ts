import { summarize } from '../apply/summary.js';
import type { ChangeOutcome, ReconcileResult } from '../apply/types.js';
import type { SecretSet } from '../sensitive/secret-set.js';
import { escapeInvisible } from '../util/unicode.js';
import {
  descriptionOf,
  diffLines,
  failedRunLine,
  NO_CHANGES,
  planLine,
  SYMBOL,
  subscriptionIdOf,
  verbOf,
} from './format.js';

/**
 * A pull-request comment: a heading, one table row per change, workspace errors and the summary line.
 * Everything user-written is escaped so a description cannot break the table or inject HTML/links.
 */
export function renderMarkdown(result: ReconcileResult, secrets: SecretSet): string {
  const s = summarize(result);
  const out: string[] = [];
  out.push(`### toggl-webhooks-sync ${result.dryRun ? 'plan' : 'apply'}`, '');

  if (result.outcomes.length === 0 && result.failures.length === 0) {
    out.push(NO_CHANGES, ...planHashLines(result));
    return `${out.join('\n')}\n`;
  }

  if (result.outcomes.length > 0) {
    out.push('| | action | workspace | subscription | changes | status |');
    out.push('| --- | --- | --- | --- | --- | --- |');
    for (const o of result.outcomes) out.push(row(o, secrets));
    out.push('');
  }
  for (const f of result.failures) {
    const where = f.workspace_id > 0 ? `workspace ${f.workspace_id}, ${f.stage}` : f.stage;
    out.push(`> **Error** (${where}): ${text(secrets.scrub(f.error.message))}`, '');
  }
  out.push(`**${failedRunLine(result, s) ?? planLine(s)}**`);
  if (!result.dryRun && result.outcomes.length > 0) {
    out.push(
      '',
      `Applied: ${s.applied}, failed: ${s.failed}, not attempted: ${result.outcomes.length - s.applied - s.failed}.`,
    );
  }
  out.push(...planHashLines(result));
  return `${out.join('\n')}\n`;
}

/**
 * The hash visibly, and in a hidden marker the GitHub Action finds in the pull request's comment to
 * apply exactly the reviewed plan on merge (docs/ci.md). The hash is lowercase hex: nothing to escape.
 */
function planHashLines(result: ReconcileResult): string[] {
  if (!result.planHash || !/^[0-9a-f]{64}$/.test(result.planHash)) return [];
  return [
    '',
    `Plan hash: \`${result.planHash}\``,
    `<!-- toggl-webhooks-sync:plan-hash=${result.planHash} -->`,
  ];
}

function row(o: ChangeOutcome, secrets: SecretSet): string {
  const verb = verbOf(o.change);
  const id = subscriptionIdOf(o);
  const fields =
    o.change.action === 'patch' ? [] : diffLines(o.change).map((l) => `${text(l.field)}: ${code(l.text)}`);
  let status: string = o.status;
  if (o.status === 'applied') status = '✅ applied';
  if (o.status === 'failed') status = `❌ failed: ${text(secrets.scrub(o.error ?? ''))}`;
  const cells = [
    code(SYMBOL[verb]),
    verb,
    String(o.change.workspace_id),
    `${text(descriptionOf(o.change, secrets))}${id === undefined ? '' : ` (id ${id})`}`,
    fields.join('<br>'),
    status,
  ];
  return `| ${cells.join(' | ')} |`;
}

/** Plain text in a table cell: Markdown and HTML are neutralised, newlines kept as `<br>`. */
export function text(value: string): string {
  return escapeInvisible(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|~#])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** A code span that survives backticks and `|` inside a table cell. */
export function code(value: string): string {
  const flat = value.replace(/\r\n|\r|\n/g, ' ').replace(/\|/g, '\\|');
  const fence = flat.includes('`') ? '``' : '`';
  return `${fence}${fence === '``' ? ' ' : ''}${flat}${fence === '``' ? ' ' : ''}${fence}`;
}
