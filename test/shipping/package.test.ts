import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHART_DIR, type JsonObject, ROOT, read, readYaml } from './helpers.js';

// What `npm publish` would upload, as npm itself computes it (`npm pack --dry-run --json` reads
// package.json `files`, .npmignore and npm's own always-included files). Needs `npm run build` first,
// which `npm test` does.

interface PackFile {
  path: string;
  size: number;
}

const pkg = JSON.parse(read('package.json')) as JsonObject & {
  files: string[];
  bin: Record<string, string>;
  repository: { type: string; url: string };
  homepage: string;
  bugs: { url: string };
};

/** The one GitHub repository every published pointer names (npm, chart, image labels, Action usage). */
const OWNER_REPO = 'toggl-webhooks-sync/toggl-webhooks-sync';

let files: PackFile[] = [];
let unpackedSize = 0;

beforeAll(async () => {
  expect(existsSync(join(ROOT, 'dist/cli.js')), 'run `npm run build` before this test').toBe(true);
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const [result] = JSON.parse(stdout) as [{ files: PackFile[]; unpackedSize: number }];
  files = result.files;
  unpackedSize = result.unpackedSize;
}, 60_000);

describe('npm pack contents', () => {
  it('holds only the built program, the schema and the top-level documents', () => {
    const allowed = [
      /^dist\/.+\.c?js$/,
      // Says dist/cli.js is CommonJS (the package itself is ES modules).
      /^dist\/package\.json$/,
      // The bundle inlines its dependencies; their licenses travel with it.
      /^dist\/THIRD_PARTY_LICENSES\.txt$/,
      /^schemas\/[\w.-]+\.json$/,
      // The GitLab component runs action/gitlab.mjs from the installed package.
      /^action\/[\w-]+\.mjs$/,
      /^(package\.json|README\.md|LICENSE|CHANGELOG\.md)$/,
    ];
    const stray = files.map((f) => f.path).filter((p) => !allowed.some((re) => re.test(p)));
    expect(stray).toEqual([]);
    for (const must of [
      'dist/cli.js',
      'dist/app.cjs',
      'dist/package.json',
      'dist/THIRD_PARTY_LICENSES.txt',
      'LICENSE',
      'README.md',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(files.map((f) => f.path)).toContain(must);
    }
  });

  it('ships no source maps and no sourceMappingURL pointing at a file that is not shipped', () => {
    const shipped = new Set(files.map((f) => f.path));
    expect([...shipped].filter((p) => p.endsWith('.map'))).toEqual([]);
    const dangling: string[] = [];
    for (const f of files.filter((x) => /\.c?js$/.test(x.path))) {
      const text = readFileSync(join(ROOT, f.path), 'utf8');
      for (const m of text.matchAll(/^\/\/# sourceMappingURL=(\S+)$/gm)) {
        const target = join(f.path, '..', m[1] as string);
        if (!(m[1] as string).startsWith('data:') && !shipped.has(target))
          dangling.push(`${f.path} -> ${m[1]}`);
      }
    }
    expect(dangling).toEqual([]);
  });

  it('ships no test, source, fixture or secret-looking file', () => {
    const forbidden =
      /(^|\/)(src|test|tests|fixtures|coverage|\.tmp|node_modules)\/|\.(ts|env|pem|key|tgz)$|\.env\./;
    expect(files.map((f) => f.path).filter((p) => forbidden.test(p))).toEqual([]);
  });

  it('has the bin target, executable by node, and stays small', () => {
    for (const target of Object.values(pkg.bin)) {
      expect(files.map((f) => f.path)).toContain(target);
      expect(readFileSync(join(ROOT, target), 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    }
    // 715 KB unpacked before source maps were dropped; a budget that a stray directory would break.
    expect(unpackedSize).toBeLessThan(1_500_000);
  });
});

describe('package metadata', () => {
  it('is MIT in package.json and in LICENSE', () => {
    expect(pkg.license).toBe('MIT');
    const license = read('LICENSE');
    expect(license.startsWith('MIT License\n')).toBe(true);
    expect(license).toContain('Permission is hereby granted, free of charge');
  });

  it('names one repository for provenance, homepage and bugs', () => {
    // npm provenance refuses a package whose repository.url does not match the building repository.
    expect(pkg.repository).toEqual({ type: 'git', url: `git+https://github.com/${OWNER_REPO}.git` });
    expect(pkg.homepage).toBe(`https://github.com/${OWNER_REPO}#readme`);
    expect(pkg.bugs).toEqual({ url: `https://github.com/${OWNER_REPO}/issues` });
    expect(pkg.publishConfig).toEqual({ access: 'public', provenance: true });
  });

  it('the chart, the image labels and the Action usage name the same repository', () => {
    const chart = readYaml(`${CHART_DIR}/Chart.yaml`) as JsonObject;
    expect(chart.home).toBe(`https://github.com/${OWNER_REPO}`);
    expect(chart.sources).toEqual([`https://github.com/${OWNER_REPO}`]);
    const values = readYaml(`${CHART_DIR}/values.yaml`) as JsonObject;
    expect((values.image as JsonObject).repository).toBe(`ghcr.io/${OWNER_REPO}`);
    expect(read('Dockerfile')).toContain(`ARG SOURCE=https://github.com/${OWNER_REPO}\n`);
    // Every `uses:` of this Action in the repository's examples and docs names the same owner.
    for (const file of ['action.yml', 'examples/github-actions/toggl-webhooks.yml']) {
      if (!existsSync(join(ROOT, file))) continue;
      for (const m of read(file).matchAll(/uses: ([\w.-]+\/toggl-webhooks-sync)@/g))
        expect(m[1]).toBe(OWNER_REPO);
    }
  });

  it('the chart appVersion and a CHANGELOG section follow the package version', () => {
    const chart = readYaml(`${CHART_DIR}/Chart.yaml`) as JsonObject;
    expect(chart.appVersion).toBe(pkg.version);
    expect(read('CHANGELOG.md')).toMatch(
      new RegExp(`^## \\[${String(pkg.version).replace(/\./g, '\\.')}\\]`, 'm'),
    );
  });
});
