import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ensurePrivateDir,
  readPrivateFile,
  userCacheDir,
  writePrivateFile,
} from '../../src/util/cache-dir.js';
import { writeTree } from '../support/tmp.js';

const posix = process.platform !== 'win32';

describe('userCacheDir', () => {
  it('follows XDG_CACHE_HOME when absolute, else ~/.cache; none without a home', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe(
      join('/x/cache', 'toggl-webhooks-sync'),
    );
    expect(userCacheDir({ XDG_CACHE_HOME: 'relative' }, '/home/u')).toBe(
      join('/home/u', '.cache', 'toggl-webhooks-sync'),
    );
    expect(userCacheDir({}, '')).toBeUndefined();
    expect(userCacheDir({}, 'not/absolute')).toBeUndefined();
  });
});

describe('ensurePrivateDir', () => {
  it('makes the directory with its parents, private', () => {
    const dir = join(writeTree({}, 'tws-cd-'), 'a', 'b');
    expect(ensurePrivateDir(dir)).toBe(true);
    if (posix) expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(ensurePrivateDir(dir)).toBe(true);
  });

  it('refuses a symlink, a file, and a directory others can write', () => {
    const root = writeTree({ file: 'x' }, 'tws-cd-');
    mkdirSync(join(root, 'real'));
    symlinkSync(join(root, 'real'), join(root, 'link'));
    expect(ensurePrivateDir(join(root, 'link'))).toBe(false);
    expect(ensurePrivateDir(join(root, 'file'))).toBe(false);
    if (posix) {
      mkdirSync(join(root, 'open'));
      chmodSync(join(root, 'open'), 0o777);
      expect(ensurePrivateDir(join(root, 'open'))).toBe(false);
    }
  });
});

describe('readPrivateFile', () => {
  it('reads a private regular file within the budget', () => {
    const root = writeTree({}, 'tws-cd-');
    const path = join(root, 'f.bin');
    writeFileSync(path, 'hello', { mode: 0o600 });
    expect(readPrivateFile(path, 5)?.toString()).toBe('hello');
    expect(readPrivateFile(path, 4)).toBeUndefined();
    expect(readPrivateFile(join(root, 'missing'), 10)).toBeUndefined();
  });

  it.runIf(posix)(
    'returns at once for a FIFO where the file belongs, instead of waiting for a writer',
    () => {
      const root = writeTree({}, 'tws-cd-');
      const fifo = join(root, 'app.bin');
      execFileSync('mkfifo', ['-m', '600', fifo]);
      expect(readPrivateFile(fifo, 10)).toBeUndefined();
    },
  );

  it('refuses a symlink (even to a good file), a directory, and a file others can write', () => {
    const root = writeTree({}, 'tws-cd-');
    writeFileSync(join(root, 'good'), 'x', { mode: 0o600 });
    symlinkSync(join(root, 'good'), join(root, 'link'));
    expect(readPrivateFile(join(root, 'link'), 10)).toBeUndefined();
    expect(readPrivateFile(root, 10)).toBeUndefined();
    if (posix) {
      writeFileSync(join(root, 'shared'), 'x');
      chmodSync(join(root, 'shared'), 0o646);
      expect(readPrivateFile(join(root, 'shared'), 10)).toBeUndefined();
      chmodSync(join(root, 'shared'), 0o660);
      expect(readPrivateFile(join(root, 'shared'), 10)).toBeUndefined();
    }
  });
});

describe('writePrivateFile', () => {
  it('replaces the file whole, private, and leaves no temp file', () => {
    const root = writeTree({ 'f.bin': 'old' }, 'tws-cd-');
    const path = join(root, 'f.bin');
    expect(writePrivateFile(path, 'new')).toBe(true);
    expect(readPrivateFile(path, 10)?.toString()).toBe('new');
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(root)).toEqual(['f.bin']);
  });

  it('fails without throwing where it cannot write, and leaves nothing', () => {
    const root = writeTree({ file: 'x' }, 'tws-cd-');
    expect(writePrivateFile(join(root, 'file', 'under-a-file.bin'), 'x')).toBe(false);
    expect(readdirSync(root)).toEqual(['file']);
  });

  it.runIf(posix)('fails without throwing in a directory it may not write, and leaves nothing', () => {
    // Root writes through any mode: there, a filesystem that takes no new file stands in (/proc).
    const asRoot = process.getuid?.() === 0;
    const root = asRoot ? '/proc' : writeTree({}, 'tws-cd-');
    if (!asRoot) chmodSync(root, 0o500);
    expect(writePrivateFile(join(root, 'tws-read-only.bin'), 'x')).toBe(false);
    expect(readdirSync(root).filter((name) => name.startsWith('tws-read-only'))).toEqual([]);
    if (!asRoot) chmodSync(root, 0o700);
  });
});
