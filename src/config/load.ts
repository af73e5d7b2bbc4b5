import { ConfigError, type ConfigIssue } from '../errors.js';
import { desiredSecrets, MASK_MIN_LENGTH, SecretSet } from '../sensitive/index.js';
import { declareDocument } from './declare.js';
import { compareNames, discoverInputFiles } from './files.js';
import { MAX_ISSUES_PER_FILE } from './limits.js';
import { mergeDeclarations, type WorkspaceDeclaration } from './merge.js';
import { displayed } from './messages.js';
import { parseYamlFile, position } from './parse.js';
import { readInputFile } from './read.js';
import { checkText, positionAt } from './text.js';
import type { DesiredState } from './types.js';

export { listInputFiles } from './files.js';

/**
 * Reads, validates and merges the subscription files behind `paths` (files, or directories read
 * recursively; default `./subscriptions`) into the desired state per workspace.
 *
 * Throws ConfigError with every problem of every file, sorted by file, line and column, so one run
 * shows everything to fix. A problem's message quotes the file (`got 'x'`, `unknown key 'x'`); where
 * that text equals a secret or a substituted value of the files, it is masked (docs/secrets.md).
 */
export async function loadDesiredState(
  paths: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<DesiredState> {
  const { files, issues } = await discoverInputFiles(paths);
  const declarations: WorkspaceDeclaration[] = [];
  const hidden = new Map<string, number>();

  // One file at a time: the budgets in limits.ts bound one file's text and parse tree, and reading
  // them all first would hold every file's text at once.
  for (const file of files) {
    const read = await readInputFile(file);
    if (!read.ok) {
      issues.push(read.issue);
      continue;
    }
    const problem = checkText(read.text);
    if (problem) {
      issues.push({ file, ...positionAt(read.text, problem.offset), message: problem.message });
      continue;
    }
    const parsed = parseYamlFile(file, read.text);
    if (parsed.documents.every((d) => d.empty && d.issues.length === 0)) {
      issues.push(emptyFileIssue(file, read.text));
      continue;
    }
    const at = (offset: number) => position(file, parsed.lineCounter, offset);
    for (const document of parsed.documents) {
      const result = declareDocument(document, { text: read.text, at, env });
      issues.push(...result.issues);
      if (result.hidden) hidden.set(file, (hidden.get(file) ?? 0) + result.hidden);
      if (result.declaration) declarations.push(result.declaration);
    }
  }

  const merged = mergeDeclarations(declarations);
  issues.push(...merged.issues);
  if (issues.length > 0) {
    throw new ConfigError(maskValues(capPerFile(sortIssues(issues), hidden), declarations));
  }
  return { workspaces: merged.workspaces, files };
}

/**
 * Messages quote what the file says; a file may hold, as plain text, a value that is a secret
 * elsewhere (a secret pasted into the wrong line, a substituted value written out by hand). The
 * declarations that did load say which values are sensitive; long ones are masked in every message.
 * Short ones are not (`got '1'`): a word or a digit in the file's own text is not a leak.
 */
function maskValues(issues: ConfigIssue[], declarations: readonly WorkspaceDeclaration[]): ConfigIssue[] {
  const values = desiredSecrets({
    workspaces: declarations.map((d) => ({
      subscriptions: new Map(d.subscriptions.map((s) => [s.description, s])),
    })),
  });
  // As the messages quote them: invisible and control characters escaped (messages.ts).
  const long = values.filter((v) => [...v].length >= MASK_MIN_LENGTH);
  const secrets = SecretSet.of({ values: [...values, ...long.map(displayed)] });
  if (secrets.size === 0) return issues;
  return issues.map((i) => ({ ...i, message: secrets.maskLong(i.message) }));
}

/**
 * A file that declares nothing at all (0 bytes, whitespace, comments, `---` alone) is refused: it is
 * what a half-written save or a truncated copy looks like, and read as "no subscriptions" it would
 * let prune delete them. Saying "nothing" takes `subscriptions: []`. See docs/limits-and-budgets.md.
 */
function emptyFileIssue(file: string, text: string): ConfigIssue {
  const what =
    text.trim() === ''
      ? text === ''
        ? 'file is empty'
        : 'file holds only whitespace'
      : 'file declares nothing (only comments or empty documents)';
  const end = positionAt(text, text.length);
  return {
    file,
    ...end,
    message: `${what}; a truncated or half-written file is not read as "no subscriptions": to declare none, write \`workspace_id: <id>\` and \`subscriptions: []\``,
  };
}

/** By file, line, column; problems at the same place keep the order they were found in. */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => compareNames(a.file, b.file) || a.line - b.line || a.col - b.col);
}

/** Keeps the first MAX_ISSUES_PER_FILE problems of each file and says how many more there are. */
function capPerFile(
  sorted: readonly ConfigIssue[],
  alreadyHidden: ReadonlyMap<string, number>,
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (let i = 0; i < sorted.length; ) {
    const file = sorted[i]!.file;
    let j = i;
    while (j < sorted.length && sorted[j]!.file === file) j++;
    out.push(...sorted.slice(i, Math.min(j, i + MAX_ISSUES_PER_FILE)));
    const hidden = Math.max(0, j - i - MAX_ISSUES_PER_FILE) + (alreadyHidden.get(file) ?? 0);
    if (hidden > 0) {
      out.push({
        file,
        line: 0,
        col: 0,
        message: `${hidden} more problem${hidden === 1 ? '' : 's'} not shown`,
      });
    }
    i = j;
  }
  return out;
}
