import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Reads the fenced blocks of the user-facing Markdown files. The convention (CONTRIBUTING.md,
 * "Documentation"): a ```console block is a transcript that the test suite runs; ```sh holds commands that
 * cannot run offline; other fences (text, json, yaml, ...) are never commands.
 */

export interface Fence {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  lines: string[];
  /** Shell text of a `<!-- console-setup: ... -->` comment right above the fence, run before the block. */
  setup: string | undefined;
}

export interface Step {
  /** The command as bash reads it, continuation lines included. */
  command: string;
  /** Output lines the transcript shows under the command. */
  expected: string[];
  background: boolean;
  /** 1-based line in the Markdown file. */
  line: number;
}

const SETUP = /^<!--\s*console-setup:\s*([\s\S]*?)\s*-->$/;

export function fences(file: string, text: string): Fence[] {
  const out: Fence[] = [];
  const lines = text.split('\n');
  let open: Fence | undefined;
  let indent = '';
  for (const [i, raw] of lines.entries()) {
    const m = /^(\s*)(`{3,})(\S*)\s*$/.exec(raw);
    if (!open && m) {
      indent = m[1] ?? '';
      const above = lines[i - 1]?.trim() ?? '';
      open = { file, line: i + 1, lang: m[3] ?? '', lines: [], setup: SETUP.exec(above)?.[1] };
      continue;
    }
    if (open && m && (m[3] ?? '') === '') {
      out.push(open);
      open = undefined;
      continue;
    }
    if (open) open.lines.push(raw.startsWith(indent) ? raw.slice(indent.length) : raw.trimStart());
  }
  return out;
}

/**
 * Splits a transcript into commands: `$ ` starts a command, `> ` (a here-document or an open quote) and
 * lines after a trailing backslash continue it, anything else is output shown for the last command.
 */
export function steps(fence: Fence): Step[] {
  const out: Step[] = [];
  let current: Step | undefined;
  let continues = false;
  for (const [i, line] of fence.lines.entries()) {
    if (line.startsWith('$ ')) {
      current = { command: line.slice(2), expected: [], background: false, line: fence.line + 1 + i };
      out.push(current);
    } else if (
      current &&
      (continues || line.startsWith('> ') || line === '>') &&
      current.expected.length === 0
    ) {
      current.command += `\n${continues ? line : line.slice(2)}`;
    } else if (current) {
      current.expected.push(line);
    } else if (line.trim() !== '') {
      throw new Error(`${fence.file}:${fence.line + 1 + i}: output before the first command: ${line}`);
    }
    continues = current !== undefined && current.expected.length === 0 && /\\$/.test(line);
  }
  for (const step of out) {
    while (step.expected.length > 0 && step.expected.at(-1)?.trim() === '') step.expected.pop();
    step.background = /(^|[^&])&\s*$/.test(step.command.replace(/\s+#.*$/, ''));
  }
  return out;
}

/** `...` stands for any text inside a line; a line that is only `...` for any number of lines. */
function lineRegExp(line: string): RegExp {
  const parts = line
    .trimEnd()
    .split('...')
    .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

/**
 * Checks that `actual` shows the expected lines: runs of lines between `...` lines must appear
 * contiguously and in order; text around them is allowed (logs, a warning). Returns what is missing.
 */
export function missingOutput(expected: readonly string[], actual: string): string | undefined {
  const got = actual.split('\n').map((l) => l.trimEnd());
  const groups: string[][] = [[]];
  for (const line of expected) {
    if (line.trim() === '...') groups.push([]);
    else groups.at(-1)?.push(line);
  }
  let from = 0;
  for (const group of groups.filter((g) => g.length > 0)) {
    const patterns = group.map(lineRegExp);
    let found = -1;
    for (let start = from; start + patterns.length <= got.length && found < 0; start++) {
      if (patterns.every((re, k) => re.test(got[start + k] ?? ''))) found = start;
    }
    if (found < 0) return group.join('\n');
    from = found + patterns.length;
  }
  return undefined;
}

/** README.md, CONTRIBUTING.md, docs/*.md and the per-folder READMEs under src/. */
export function documentationFiles(root: string): string[] {
  const files = ['README.md', 'CONTRIBUTING.md'];
  files.push(
    ...readdirSync(join(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  );
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.name === 'README.md') files.push(rel);
    }
  };
  walk('src');
  return files.sort();
}

export function allFences(root: string): Fence[] {
  return documentationFiles(root).flatMap((f) => fences(f, readFileSync(join(root, f), 'utf8')));
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replaceAll(' ', '-');
}

function anchors(text: string): Set<string> {
  const out = new Set<string>();
  let fenced = false;
  for (const line of text.split('\n')) {
    if (/^\s*```/.test(line)) fenced = !fenced;
    else if (!fenced && /^#{1,6} /.test(line)) out.add(slug(line.replace(/^#+ /, '')));
  }
  return out;
}

/** Relative links (and their #anchors) of the documentation files that point nowhere. */
export function brokenLinks(root: string): string[] {
  const broken: string[] = [];
  for (const file of documentationFiles(root)) {
    const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1] ?? '';
      if (/^[a-z]+:/i.test(target)) continue;
      const [path = '', fragment] = target.split('#');
      const resolved = path === '' ? file : join(dirname(file), path);
      if (!existsSync(join(root, resolved))) {
        broken.push(`${file}: ${target} (no such file)`);
      } else if (fragment && resolved.endsWith('.md')) {
        if (!anchors(readFileSync(join(root, resolved), 'utf8')).has(fragment)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
  }
  return broken;
}
