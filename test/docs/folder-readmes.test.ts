import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Each folder of src/ has a README.md saying what it is for and what it may import (docs/design.md). The
// "May import" line is checked against the import statements, so the READMEs cannot drift from the code.

const SRC = resolve(import.meta.dirname, '../../src');
const folders = readdirSync(SRC, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Folders of src/ that `folder` imports from (top-level files such as errors.ts do not count). */
function importedFolders(folder: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of sourceFiles(join(SRC, folder))) {
    const text = readFileSync(file, 'utf8');
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/^\s*import\s*['"]([^'"]+)['"]/gm),
      ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ].map((m) => m[1] ?? '');
    for (const spec of specifiers.filter((s) => s.startsWith('.'))) {
      const parts = relative(SRC, resolve(dirname(file), spec)).split('/');
      const target = parts[0] ?? '';
      if (parts.length > 1 && target !== folder && !found.has(target)) found.set(target, relative(SRC, file));
    }
  }
  return found;
}

function mayImport(readme: string): Set<string> | undefined {
  // The paragraph that starts with the label, up to the next blank line.
  const start = readme.indexOf('**May import:**');
  if (start < 0) return undefined;
  const end = readme.indexOf('\n\n', start);
  const paragraph = readme.slice(start, end < 0 ? undefined : end);
  return new Set([...paragraph.matchAll(/`([a-z-]+)\/`/g)].map((m) => m[1] ?? ''));
}

describe('per-folder READMEs of src/', () => {
  it('finds the folders', () => {
    expect(folders).toEqual(expect.arrayContaining(['apply', 'commands', 'config', 'plan', 'toggl']));
  });

  it.each(folders)(
    'src/%s/README.md says what the folder is for and what it may import, truthfully',
    (folder) => {
      const path = join(SRC, folder, 'README.md');
      expect(existsSync(path), `src/${folder}/README.md is missing`).toBe(true);
      const readme = readFileSync(path, 'utf8');
      expect(
        readme.startsWith(`# src/${folder}`) && /^# \S+(\n| )/.test(readme),
        'starts with its own heading',
      ).toBe(true);
      const allowed = mayImport(readme);
      expect(allowed, 'has a "**May import:**" line').toBeDefined();
      const undeclared = [...importedFolders(folder)]
        .filter(([target]) => !allowed?.has(target))
        .map(([target, file]) => `${target}/ (first imported by ${file})`);
      expect(undeclared, `src/${folder} imports folders its README does not allow`).toEqual([]);
    },
  );

  it('src/README.md lists every folder', () => {
    const index = readFileSync(join(SRC, 'README.md'), 'utf8');
    expect(folders.filter((f) => !index.includes(`[\`${f}/\`](${f}/README.md)`))).toEqual([]);
  });
});
