import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { staleBuildReason } from './stale-build.js';
import { writeTree } from './tmp.js';

function tree(): string {
  const root = writeTree({
    'src/a/b.ts': 'export {};\n',
    'schemas/s.json': '{}\n',
    'package.json': '{}\n',
    'dist/cli.js': '// built\n',
    '.tmp/lib/x.js': '// built\n',
    '.tmp/dist-meta.json': '{}\n',
  });
  const old = new Date(Date.now() - 60_000);
  for (const f of ['src/a/b.ts', 'src/a', 'src', 'schemas/s.json', 'schemas', 'package.json']) {
    utimesSync(join(root, f), old, old);
  }
  return root;
}

describe('stale build detection (vitest global setup)', () => {
  it('accepts a build newer than every input', () => {
    expect(staleBuildReason(tree())).toBeUndefined();
  });

  it('names the source file edited after the build, however deep', () => {
    const root = tree();
    const now = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'src/a/b.ts'), now, now);
    expect(staleBuildReason(root)).toBe('src/a/b.ts is newer than the build');
  });

  it('refuses a missing bundle or library build', () => {
    const root = tree();
    expect(staleBuildReason(join(root, 'src'))).toBe('dist/cli.js is missing');
  });
});
