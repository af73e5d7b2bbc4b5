import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

// What `npm pack` ships (and the image's /app holds, less the README): the bundle, its schema and the
// package manifest. The size is printed so a regression is visible in every test run, and bounded so
// an accidentally unbundled or duplicated dependency fails here.

interface PackedFile {
  path: string;
  size: number;
}

const packed = () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, npm_config_loglevel: 'silent' },
  });
  const [pkg] = JSON.parse(out) as [{ files: PackedFile[]; size: number; unpackedSize: number }];
  return pkg;
};

const treeBytes = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? treeBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );

/** Upper bound for the production tree: today about 1 MiB; an unbundled got or a second copy of a library would pass it. */
const MAX_PRODUCTION_BYTES = 2 * 1024 * 1024;

describe('the shipped package', () => {
  it('holds only the bundle, the schema and package metadata, and reports its size', () => {
    expect(existsSync(join(ROOT, 'dist/cli.js')), 'dist/ is missing: run `npm run build` first').toBe(true);
    const pkg = packed();
    const paths = pkg.files.map((f) => f.path);
    const unexpected = paths.filter(
      (p) =>
        !/^dist\/[\w.-]+\.(js|cjs|txt)$/.test(p) &&
        p !== 'dist/package.json' &&
        !p.startsWith('schemas/') &&
        // The GitLab CI component runs action/gitlab.mjs from the installed package.
        !/^action\/[\w-]+\.mjs$/.test(p) &&
        !/^(package\.json|README\.md|LICENSE[\w.]*|CHANGELOG\.md)$/.test(p),
    );
    expect(unexpected).toEqual([]);
    expect(paths).toContain('dist/cli.js');
    // The program itself, beside its entry (src/boot/scripts.ts): a files list without it installs a stub.
    expect(paths).toContain('dist/app.cjs');
    expect(paths).toContain('schemas/subscriptions.schema.json');
    expect(paths.some((p) => p.includes('node_modules'))).toBe(false);

    const production = pkg.files
      .filter((f) => f.path.startsWith('dist/') || f.path.startsWith('schemas/') || f.path === 'package.json')
      .reduce((sum, f) => sum + f.size, 0);
    // The figure the issue asks for: what the image's /app holds (dist/, schemas/, package.json).
    process.stdout.write(
      `production tree: ${production} bytes (dist/ ${treeBytes(join(ROOT, 'dist'))}); npm package ${pkg.size} bytes packed, ${pkg.unpackedSize} unpacked\n`,
    );
    expect(production).toBeLessThan(MAX_PRODUCTION_BYTES);
  });

  it('is the entry, the app script and one script per library that only some commands load', () => {
    const files = readdirSync(join(ROOT, 'dist')).sort();
    const vendors = files.filter((f) => f.startsWith('vendor-'));
    expect(files).toEqual(
      ['THIRD_PARTY_LICENSES.txt', 'app.cjs', 'cli.js', 'package.json', ...vendors].sort(),
    );
    expect(vendors.length).toBeGreaterThan(0);
    expect(vendors.every((f) => /^vendor-[\w-]+\.cjs$/.test(f))).toBe(true);
    expect(files.length).toBeLessThan(12);
  });
});
