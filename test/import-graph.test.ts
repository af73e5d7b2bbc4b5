import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// The structure of src/ (docs/design.md), read from the import statements themselves: static
// `import`/`export ... from` and dynamic `import('...')`. Type-only imports count too: a type borrowed
// from a folder is a dependency on it all the same.
const SRC = resolve(import.meta.dirname, '../src');

/** Folders of the functional core: loading, planning, reconciling, the API client, generated code. */
const CORE = ['apply', 'plan', 'config', 'toggl', 'generated', 'util', 'export', 'status', 'emulator'];
/** The shell: what assembles and runs commands, and what renders or serves their results. */
const SHELL = ['commands', 'cli', 'output', 'daemon'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function folderOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length > 1 ? parts[0]! : '.';
}

/** The files of src/ each file imports (relative specifiers; `.js` in a specifier names the `.ts` source). */
function fileImports(): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1]!);
    imports.set(
      file,
      specifiers
        .filter((s) => s.startsWith('.'))
        .map((s) => resolve(dirname(file), s).replace(/\.js$/, '.ts')),
    );
  }
  return imports;
}

/** Every relative import of every file of src/, as folder -> folder edges with the file that makes each. */
function folderEdges(): Map<string, Map<string, string[]>> {
  const edges = new Map<string, Map<string, string[]>>();
  for (const [file, targets] of fileImports()) {
    for (const target of targets) {
      const from = folderOf(file);
      const to = folderOf(target);
      if (from === to || to === '.') continue;
      const targets = edges.get(from) ?? new Map<string, string[]>();
      targets.set(to, [...new Set([...(targets.get(to) ?? []), relative(SRC, file)])]);
      edges.set(from, targets);
    }
  }
  return edges;
}

/** Cycles of any length (Tarjan's strongly connected components with more than one node). */
function cycles(edges: Map<string, Map<string, string[]>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('import graph of src/', () => {
  const edges = folderEdges();

  it('reads the imports it judges (a sanity check: the CLI dispatches to commands, commands use the core)', () => {
    expect([...(edges.get('cli')?.keys() ?? [])]).toContain('commands');
    expect([...(edges.get('commands')?.keys() ?? [])]).toEqual(expect.arrayContaining(['apply', 'config']));
  });

  it('has no folder cycle: no two folders import each other, directly or around a loop', () => {
    const report = cycles(edges).map((scc) =>
      scc
        .flatMap((a) =>
          scc
            .filter((b) => edges.get(a)?.has(b))
            .map((b) => `${a} -> ${b} (${edges.get(a)!.get(b)!.join(', ')})`),
        )
        .join('; '),
    );
    expect(report).toEqual([]);
  });

  it('has no import cycle between files either', () => {
    const fileEdges = new Map<string, Map<string, string[]>>();
    for (const [file, targets] of fileImports()) {
      const from = relative(SRC, file);
      fileEdges.set(from, new Map(targets.map((t) => [relative(SRC, t), [from]])));
    }
    expect(cycles(fileEdges)).toEqual([]);
  });

  it('the core imports nothing from commands, cli, output or daemon', () => {
    const offending = CORE.flatMap((from) =>
      SHELL.filter((to) => edges.get(from)?.has(to)).map(
        (to) => `${from} -> ${to} (${edges.get(from)!.get(to)!.join(', ')})`,
      ),
    );
    expect(offending).toEqual([]);
  });

  it('only the CLI imports commands, and only the entry point imports the CLI', () => {
    const importers = (target: string) => [...edges].filter(([, to]) => to.has(target)).map(([from]) => from);
    expect(importers('commands')).toEqual(['cli']);
    expect(importers('cli').filter((from) => from !== '.')).toEqual([]);
  });
});
