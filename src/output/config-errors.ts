import { type ConfigIssue, formatIssue } from '../errors.js';
import { escapeInvisible } from '../util/unicode.js';
import { text } from './markdown.js';

/**
 * When the files are invalid nothing is planned, but a CI job that posts `--output json` or
 * `--output markdown` still gets a document saying why (the `FILE:LINE:COL` lines also go to stderr).
 */
export function renderConfigErrorsJson(issues: readonly ConfigIssue[], dryRun: boolean): string {
  const doc = {
    format_version: 1,
    dry_run: dryRun,
    workspaces: [],
    summary: {
      create: 0,
      update: 0,
      patch: 0,
      delete: 0,
      unchanged: 0,
      failed: 0,
      not_attempted: 0,
      ignored: 0,
      kept: 0,
    },
    errors: issues.map((i) => ({
      stage: 'config',
      code: 'E_CONFIG',
      file: i.file,
      line: i.line,
      col: i.col,
      message: i.message,
    })),
  };
  // The loader's words about the user's files: never a value from the environment (docs/secrets.md).
  return `${escapeInvisible(JSON.stringify(doc, null, 2))}\n`;
}

export function renderConfigErrorsMarkdown(issues: readonly ConfigIssue[], dryRun: boolean): string {
  const n = issues.length;
  const lines = [
    `### toggl-webhooks-sync ${dryRun ? 'plan' : 'apply'}`,
    '',
    `**The configuration has ${n} problem${n === 1 ? '' : 's'}; nothing was planned and no API call was made.**`,
    '',
    ...issues.map((i) => `- ${text(formatIssue(i))}`),
  ];
  return `${lines.join('\n')}\n`;
}
