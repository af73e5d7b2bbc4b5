import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BundleScripts, codeCacheDir, commandTag, fileStamp } from '../../src/boot/scripts.js';
import { writeTree } from '../support/tmp.js';

// The program's scripts run through BundleScripts (src/boot/scripts.ts) with a V8 code cache. Here on
// small scripts in a temp dir: what is cached, when it is read, and that nothing a cache can hold
// (stale, foreign, broken) changes what a script does.

const APP = `
exports.loadedAt = Date.now();
exports.useLib = () => require('lib').answer();
exports.join = (a, b) => require('node:path').join(a, b);
`;
const LIB = `
globalThis.__libRuns = (globalThis.__libRuns ?? 0) + 1;
exports.answer = () => 42;
`;

function bundle(files: Record<string, string> = { 'app.cjs': APP, 'vendor-lib.cjs': LIB }) {
  const dir = writeTree(files, 'tws-boot-');
  const cacheDir = join(writeTree({}, 'tws-boot-cache-'), 'code');
  const manifest = {
    scripts: Object.fromEntries(Object.keys(files).map((f) => [f.replace(/\.cjs$/, ''), '1111111111111111'])),
    vendors: { lib: 'vendor-lib' },
  };
  const make = (over: Partial<typeof manifest> = {}, tag = 'validate') =>
    new BundleScripts({ dir, manifest: { ...manifest, ...over }, cacheDir, tag });
  return { dir, cacheDir, make };
}

const cached = (cacheDir: string) => {
  try {
    return readdirSync(cacheDir).sort();
  } catch {
    return [];
  }
};

describe('BundleScripts', () => {
  it('runs a script with CommonJS require, and a library script only when first required', () => {
    const { make } = bundle();
    const before = (globalThis as { __libRuns?: number }).__libRuns ?? 0;
    const scripts = make();
    const app = scripts.load('app') as { useLib(): number; join(a: string, b: string): string };
    expect(app.join('a', 'b')).toBe(join('a', 'b'));
    expect((globalThis as { __libRuns?: number }).__libRuns ?? 0).toBe(before);
    expect(app.useLib()).toBe(42);
    expect(app.useLib()).toBe(42);
    // Loaded once, however often it is required.
    expect((globalThis as { __libRuns?: number }).__libRuns).toBe(before + 1);
    expect(scripts.load('app')).toBe(app);
  });

  it('writes the cache after the run, per script and per command for the app, private to the user', () => {
    const { cacheDir, make } = bundle();
    const scripts = make();
    (scripts.load('app') as { useLib(): number }).useLib();
    expect(cached(cacheDir)).toEqual([]);
    scripts.saveCaches();
    const files = cached(cacheDir);
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(
      new RegExp(`^app-validate-1111111111111111[0-9a-f]{8}-${process.version}-${process.arch}\\.bin$`),
    );
    expect(files[1]).toMatch(/^vendor-lib-1111111111111111[0-9a-f]{8}-/);
    if (process.platform !== 'win32') {
      expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
      expect(statSync(join(cacheDir, files[0] as string)).mode & 0o777).toBe(0o600);
    }
  });

  it('reads the cache on the next run and writes nothing then', () => {
    const { cacheDir, make } = bundle();
    const first = make();
    first.load('app');
    first.saveCaches();
    const [file] = cached(cacheDir);
    const path = join(cacheDir, file as string);
    const written = readFileSync(path);
    writeFileSync(path, written); // same bytes, new mtime to compare against
    const mtime = statSync(path).mtimeMs;

    const second = make();
    second.load('app');
    second.saveCaches();
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(cached(cacheDir)).toEqual([file]);
  });

  it('ignores a broken cache file (the script runs as without one) and replaces it', () => {
    // A source of its own: V8 keeps compiled scripts per process, and a hit there never reads a cache.
    const { dir, cacheDir, make } = bundle({ 'app.cjs': `${APP}\n// ${Math.random()}\n` });
    const stamp = fileStamp(join(dir, 'app.cjs'));
    const path = join(
      cacheDir,
      `app-validate-1111111111111111${stamp}-${process.version}-${process.arch}.bin`,
    );
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    writeFileSync(path, Buffer.from('not V8 code at all, just bytes'), { mode: 0o600 });

    const scripts = make();
    const app = scripts.load('app') as { join(a: string, b: string): string };
    expect(app.join('x', 'y')).toBe(join('x', 'y'));
    scripts.saveCaches();
    expect(readFileSync(path).toString('latin1')).not.toContain('just bytes');
  });

  it('never reads the cache of another build of a script, and removes it when writing its own', () => {
    const { cacheDir, make } = bundle();
    const old = make();
    old.load('app');
    old.saveCaches();
    const oldFile = cached(cacheDir)[0] as string;

    // Same script name, another digest: the build changed it (V8 itself checks only the length).
    const next = make({ scripts: { app: '2222222222222222', 'vendor-lib': '1111111111111111' } });
    next.load('app');
    next.saveCaches();
    const files = cached(cacheDir);
    expect(files).not.toContain(oldFile);
    expect(files.some((f) => f.startsWith('app-validate-2222222222222222'))).toBe(true);
  });

  it('removes only its own older files: not a file merely named alike, nor one others could write', () => {
    const { cacheDir, make } = bundle({ 'app.cjs': APP });
    const first = make();
    first.load('app');
    first.saveCaches();
    const others = {
      'app-validate-my notes-v20.0.0-x64.bin': 0o600,
      'app-validate-x.bin': 0o600,
      'notes.txt': 0o600,
      [`app-validate-3333333333333333-${process.version}-${process.arch}.bin`]: 0o666,
    };
    for (const [name, mode] of Object.entries(others)) {
      writeFileSync(join(cacheDir, name), 'not ours');
      chmodSync(join(cacheDir, name), mode);
    }
    const next = make({ scripts: { app: '2222222222222222' } });
    next.load('app');
    next.saveCaches();
    const left = cached(cacheDir);
    for (const name of Object.keys(others)) expect(left).toContain(name);
    expect(left.filter((f) => f.startsWith('app-validate-1111111111111111'))).toEqual([]);
    expect(left.filter((f) => f.startsWith('app-validate-2222222222222222'))).toHaveLength(1);
  });

  it.runIf(process.platform !== 'win32')('reads nothing from a cache directory others can write', () => {
    const { cacheDir, make } = bundle({ 'app.cjs': `${APP}\n// ${Math.random()}\n` });
    const first = make();
    first.load('app');
    first.saveCaches();
    const [file] = cached(cacheDir);
    chmodSync(cacheDir, 0o777);
    // Damaged on purpose: were it read, V8 would refuse it and the run would write a new one.
    writeFileSync(join(cacheDir, file as string), 'not V8 code');
    const next = make();
    next.load('app');
    next.saveCaches();
    expect(readFileSync(join(cacheDir, file as string), 'utf8')).toBe('not V8 code');
  });

  it('never runs the old code of a script patched in place after the build (same length, same digest)', () => {
    const before = `exports.word = () => 'old';\n// ${Math.random()}\n`;
    const { dir, cacheDir, make } = bundle({ 'app.cjs': before });
    const first = make();
    expect((first.load('app') as { word(): string }).word()).toBe('old');
    first.saveCaches();
    expect(cached(cacheDir)).toHaveLength(1);
    // V8 compares only the length: the cache of the old text would be accepted for the new one.
    writeFileSync(join(dir, 'app.cjs'), before.replace("'old'", "'new'"));
    const next = make();
    expect((next.load('app') as { word(): string }).word()).toBe('new');
  });

  it('keeps each command its own cache of the app script', () => {
    const { cacheDir, make } = bundle({ 'app.cjs': APP });
    for (const tag of ['validate', 'plan']) {
      const scripts = make({}, tag);
      scripts.load('app');
      scripts.saveCaches();
    }
    expect(cached(cacheDir).map((f) => f.split('-1111111111111111')[0])).toEqual([
      'app-plan',
      'app-validate',
    ]);
  });

  it('works, and writes nothing, when the cache directory cannot be made', () => {
    const dir = writeTree({ 'app.cjs': APP, 'not-a-dir': 'a file' }, 'tws-boot-');
    // Under a regular file: no mkdir succeeds there, whoever runs the test (root included).
    const cacheDir = join(dir, 'not-a-dir', 'code');
    const scripts = new BundleScripts({
      dir,
      manifest: { scripts: { app: '1111111111111111' }, vendors: {} },
      cacheDir,
      tag: 'validate',
    });
    expect((scripts.load('app') as { join(a: string, b: string): string }).join('a', 'b')).toBe(
      join('a', 'b'),
    );
    expect(() => scripts.saveCaches()).not.toThrow();
    expect(readdirSync(dir).sort()).toEqual(['app.cjs', 'not-a-dir']);
  });

  it('refuses a script the build does not know', () => {
    const { make } = bundle({ 'app.cjs': APP });
    expect(() => make().load('other')).toThrow(/no script other/);
  });
});

describe('codeCacheDir', () => {
  it("is off with Node's own switch or a TWS_CODE_CACHE_DIR that is not an absolute path, else that or the user's cache dir", () => {
    expect(codeCacheDir({ NODE_DISABLE_COMPILE_CACHE: '1', TWS_CODE_CACHE_DIR: '/x' })).toBeUndefined();
    for (const off of ['off', 'OFF', '0', 'false', 'relative/dir', '~/x']) {
      expect(codeCacheDir({ TWS_CODE_CACHE_DIR: off }), off).toBeUndefined();
    }
    expect(codeCacheDir({ TWS_CODE_CACHE_DIR: '/var/cache/tws' })).toBe('/var/cache/tws');
    expect(codeCacheDir({ XDG_CACHE_HOME: '/home/u/.xdg' })).toBe(
      join('/home/u/.xdg', 'toggl-webhooks-sync', 'code'),
    );
  });
});

describe('commandTag', () => {
  it('is the command word, or `other` for anything that is not a plain word', () => {
    expect(commandTag(['validate', 'subscriptions/'])).toBe('validate');
    expect(commandTag(['--help'])).toBe('other');
    expect(commandTag(['../../etc/passwd'])).toBe('other');
    expect(commandTag([`a${'b'.repeat(40)}`])).toBe('other');
  });
});
