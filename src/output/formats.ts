/** The formats a plan and its outcome can be printed in (docs/outputs.md). Apart, so parsing a flag loads no renderer. */
export const OUTPUT_FORMATS = ['text', 'json', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];
