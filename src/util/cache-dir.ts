import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  type Stats,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * The program's per-user cache directory and safe reads and writes in it. What is kept there is only
 * ever a shortcut (compiled code, answers that rarely change): any failure means "no cache". A file
 * another local user could have written is never read, because what it holds is trusted (for the code
 * cache, it is code): a file or directory must belong to this user (or to root, for a cache baked into
 * an image) and must not be writable by group or others; a symlink is never followed.
 *
 * Synchronous and free of other modules of the program: the start-up code uses it before anything
 * else is loaded.
 */

const NAME = 'toggl-webhooks-sync';

/**
 * `$XDG_CACHE_HOME/toggl-webhooks-sync` when XDG_CACHE_HOME is an absolute path (the XDG base
 * directory rule ignores a relative one), else `<home>/.cache/toggl-webhooks-sync`; undefined without a
 * home.
 */
export function userCacheDir(env: NodeJS.ProcessEnv = process.env, home?: string): string | undefined {
  const xdg = env.XDG_CACHE_HOME;
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, NAME);
  let base = home;
  if (base === undefined) {
    try {
      base = homedir();
    } catch {
      return undefined;
    }
  }
  return base !== '' && isAbsolute(base) ? join(base, '.cache', NAME) : undefined;
}

/** Owned by this user or root, and writable by nobody else. Without uids (Windows), only the mode. */
function trusted(info: Stats): boolean {
  if ((info.mode & 0o022) !== 0) return false;
  const uid = process.getuid?.();
  return uid === undefined || info.uid === uid || info.uid === 0;
}

/** Whether `path` itself (a symlink is not followed) is of that kind and trusted; false if it is not there. */
function isTrusted(path: string, kind: 'directory' | 'file'): boolean {
  try {
    const info = lstatSync(path);
    return (kind === 'directory' ? info.isDirectory() : info.isFile()) && trusted(info);
  } catch {
    return false;
  }
}

/** Whether an existing directory is trusted: a real directory (not a symlink) that only its owner can write. */
export function isPrivateDir(path: string): boolean {
  return isTrusted(path, 'directory');
}

/** Whether a file may be removed as ours: a regular file (not a symlink) that is trusted. */
export function isPrivateFile(path: string): boolean {
  return isTrusted(path, 'file');
}

/**
 * Makes the directory (and its parents) with mode 0700 and checks it: a real directory, not a symlink,
 * trusted. True when it can be used.
 */
export function ensurePrivateDir(path: string): boolean {
  try {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  } catch {
    return false;
  }
  return isPrivateDir(path);
}

/**
 * The bytes of a trusted regular file of at most `maxBytes`, else undefined. Opened without following
 * a symlink or waiting on a FIFO, and checked on the open descriptor, so the file cannot be swapped
 * between check and read.
 */
export function readPrivateFile(path: string, maxBytes: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: a FIFO put where a cache file belongs would otherwise block the open forever.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
    const info = fstatSync(fd);
    if (!info.isFile() || !trusted(info) || info.size > maxBytes) return undefined;
    const bytes = Buffer.allocUnsafe(info.size);
    let length = 0;
    while (length < bytes.length) {
      const read = readSync(fd, bytes, length, bytes.length - length, length);
      if (read === 0) break;
      length += read;
    }
    return length === bytes.length ? bytes : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Writes the file whole or not at all: a new private file beside it (mode 0600, never an existing
 * one), renamed over it. False on any error (a read-only filesystem, a full disk), the temp file gone.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): boolean {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    writeFileSync(temp, data, { flag: 'wx', mode: 0o600 });
    renameSync(temp, path);
    return true;
  } catch {
    try {
      rmSync(temp, { force: true });
    } catch {
      // Nothing was made there (ENOTDIR, EACCES).
    }
    return false;
  }
}
