import type { ReconcileResult } from '../apply/types.js';
import type { SecretSet } from '../sensitive/secret-set.js';
import type { OutputFormat } from './formats.js';
import { renderJson } from './json.js';
import { renderMarkdown } from './markdown.js';
import { renderText } from './text.js';

export { OUTPUT_FORMATS, type OutputFormat } from './formats.js';
export { type JsonChange, type JsonDocument, renderJson, toJsonDocument } from './json.js';
export { renderMarkdown } from './markdown.js';
export { renderText, type TextOptions } from './text.js';

/**
 * A reconcile result in the chosen format; `color` applies to text only. `secrets` scrubs what came
 * from outside (API messages, live descriptions); sensitive values of the plan are marked already.
 */
export function renderResult(
  result: ReconcileResult,
  format: OutputFormat,
  color: boolean,
  secrets: SecretSet,
): string {
  if (format === 'json') return renderJson(result, secrets);
  if (format === 'markdown') return renderMarkdown(result, secrets);
  return renderText(result, { color, secrets });
}
