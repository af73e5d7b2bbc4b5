import { summarize } from '../apply/summary.js';
import type { ChangeOutcome, ReconcileResult } from '../apply/types.js';
import type { SecretSet } from '../sensitive/secret-set.js';
import {
  descriptionOf,
  diffLines,
  failedRunLine,
  NO_CHANGES,
  oneLine,
  planLine,
  quote,
  SYMBOL,
  subscriptionIdOf,
  type Verb,
  verbOf,
} from './format.js';

export interface TextOptions {
  /** ANSI colours; the CLI turns them on for a TTY without NO_COLOR. */
  color: boolean;
  /** The run's secrets, for the text that came from outside (API messages, live descriptions). */
  secrets: SecretSet;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
type Style = keyof typeof CODES;

const VERB_STYLE: Record<Verb, Style> = {
  create: 'green',
  update: 'yellow',
  enable: 'cyan',
  disable: 'cyan',
  delete: 'red',
};

/**
 * The plan (and, after an apply, what happened) the way `terraform plan` reads: one line per change
 * with `+ ~ ± -`, the changing fields indented below it, workspace errors, then the summary line.
 */
export function renderText(result: ReconcileResult, opts: TextOptions): string {
  const paint = (style: Style, text: string) =>
    opts.color ? `\u001b[${CODES[style]}m${text}\u001b[0m` : text;
  const s = summarize(result);
  const out: string[] = [];
  const attempted = !result.dryRun && result.outcomes.some((o) => o.status !== 'planned');

  for (const outcome of result.outcomes) {
    out.push(...changeLines(outcome, result, paint, opts.secrets));
  }

  if (result.outcomes.length > 0) out.push('');
  for (const f of result.failures) {
    // Workspace 0 is the run as a whole (a plan check); its message names the workspaces itself.
    const where = f.workspace_id > 0 && f.stage !== 'plan' ? `workspace ${f.workspace_id}: ` : '';
    out.push(`${paint('red', 'Error:')} ${where}${multiLine(opts.secrets.scrub(f.error.message))}`);
  }
  if (result.failures.length > 0) out.push('');

  if (result.outcomes.length === 0 && result.failures.length === 0) {
    out.push(paint('green', NO_CHANGES));
  } else {
    const failedLine = failedRunLine(result, s);
    out.push(failedLine ? paint('red', failedLine) : paint('bold', planLine(s)));
  }
  const leftAlone = [
    s.ignored > 0 ? `${s.ignored} ignored` : '',
    s.unmanaged > 0 ? `${s.unmanaged} not declared and kept (prune: false)` : '',
  ].filter(Boolean);
  if (leftAlone.length > 0) out.push(paint('dim', `Left alone: ${leftAlone.join(', ')}.`));
  if (result.planHash) out.push(`Plan hash: ${result.planHash}`);

  // A refused review is said in the same words whether or not the plan made now has changes.
  if (!result.dryRun && result.outcomes.length === 0 && result.failures.some((f) => f.stage === 'plan')) {
    out.push(paint('red', 'Apply refused: this is not the reviewed plan; nothing was changed.'));
  }
  if (!result.dryRun && result.outcomes.length > 0) {
    const notAttempted = result.outcomes.length - s.applied - s.failed;
    const counts = `${s.applied} applied, ${s.failed} failed${notAttempted > 0 ? `, ${notAttempted} not attempted` : ''}`;
    if (result.failures.some((f) => f.stage === 'plan') && !attempted) {
      out.push(paint('red', 'Apply refused: this is not the reviewed plan; nothing was changed.'));
    } else if (result.failures.some((f) => f.stage === 'guard') && !attempted) {
      out.push(paint('red', 'Apply refused by the mass-delete guard: nothing was changed.'));
    } else if (result.aborted) {
      out.push(paint('red', `Apply interrupted: ${counts}.`));
    } else if (s.failed > 0 || notAttempted > 0) {
      out.push(paint('red', `Apply finished with ${s.failed} failed: ${counts}.`));
    } else {
      out.push(paint('green', `Apply complete: ${s.applied} applied.`));
    }
  }
  return `${out.join('\n')}\n`;
}

function changeLines(
  outcome: ChangeOutcome,
  result: ReconcileResult,
  paint: (style: Style, text: string) => string,
  secrets: SecretSet,
): string[] {
  const change = outcome.change;
  const verb = verbOf(change);
  const id = subscriptionIdOf(outcome);
  const where =
    id === undefined ? `workspace ${change.workspace_id}` : `workspace ${change.workspace_id}, id ${id}`;
  let status = '';
  if (!result.dryRun) {
    if (outcome.status === 'applied') status = `: ${paint('green', 'applied')}`;
    else if (outcome.status === 'failed') status = `: ${paint('red', 'FAILED')}`;
    else status = `: ${paint('dim', 'not applied')}`;
  }
  const lines = [
    `${paint(VERB_STYLE[verb], `${SYMBOL[verb]} ${verb}`)} ${quote(descriptionOf(change, secrets))} (${where})${status}`,
  ];
  // A patch's only field is `enabled`, which the verb already says.
  if (change.action !== 'patch') {
    for (const l of diffLines(change)) lines.push(`    ${l.field}: ${oneLine(l.text)}`);
  }
  if (outcome.status === 'failed' && outcome.error) {
    lines.push(`    ${paint('red', 'error:')} ${oneLine(secrets.scrub(outcome.error))}`);
  }
  return lines;
}

/** Keeps the line breaks of multi-line messages (a ConfigError from a pre-check), escapes the rest. */
function multiLine(text: string): string {
  return text.split('\n').map(oneLine).join('\n    ');
}
