import { createHash } from 'node:crypto';
import { lstat, realpath } from 'node:fs/promises';
import path from 'node:path';
import { type ChokidarOptions, type FSWatcher, watch } from 'chokidar';
import { DEFAULT_PATHS } from '../config/files.js';
import { readBounded } from '../config/read.js';

/** The few logger methods the watcher uses; a pino logger satisfies it. */
export interface WatcherLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface InputWatcherOptions {
  /** Files and directories as given on the command line (directories are watched recursively). */
  paths: string[];
  /** Quiet time after the last event before the inputs are compared (a burst of saves is one change). */
  debounceMs?: number;
  /** Called, debounced, when the content of the input files differs from the last time it was called. */
  onChange: () => void;
  logger?: WatcherLogger | undefined;
  /** The input files the loader would read; defaults to the loader's own `listInputFiles`. */
  listFiles?: ((paths: string[]) => Promise<string[]>) | undefined;
  /**
   * Backstop for file systems whose events get lost (network volumes, some container mounts): the
   * inputs are also compared every `pollMs`. 0 disables it. Default 10 s.
   */
  pollMs?: number;
}

export interface InputWatcher {
  /** Resolves once the file system watches are in place and the first fingerprint is taken. */
  ready: Promise<void>;
  close(): Promise<void>;
}

const NOISE = new Set(['.git', 'node_modules']);

/**
 * Watches the inputs and calls `onChange` once per settled change of their content.
 *
 * File events only wake it up; what decides is a fingerprint of the input files (their names and
 * content), so editor temp files, `touch` or a spurious event cost
 * nothing, and a change that produced no event of the file itself is still seen:
 * - Kubernetes ConfigMap volumes swap `dir/..data` (a symlink to a timestamped directory) atomically;
 *   `dir/a.yaml -> ..data/a.yaml` never changes itself. The directory is watched recursively, so the
 *   new timestamped directory and the `..data` rename wake the watcher.
 * - git-sync swaps a symlink (`/git/repo -> .worktrees/<hash>`) that is an ancestor of, or is, the
 *   input path, and may keep the old worktree: a watch on the old target reports nothing. The
 *   directory holding each such symlink is watched too (depth 0), and when a path resolves somewhere
 *   new the recursive watch is rebuilt on the new target.
 */
export function watchInputs(opts: InputWatcherOptions): InputWatcher {
  const debounceMs = opts.debounceMs ?? 300;
  const pollMs = opts.pollMs ?? 10_000;
  const logger = opts.logger;
  // No path means the loader's default input, so that is what changes must come from.
  const given = opts.paths.length > 0 ? opts.paths : DEFAULT_PATHS;
  const paths = given.map((p) => path.resolve(p));

  let closed = false;
  let tree: FSWatcher | undefined;
  let anchors: FSWatcher | undefined;
  let resolvedKey = '';
  let fingerprint: string | undefined;
  let debounce: NodeJS.Timeout | undefined;
  let poll: NodeJS.Timeout | undefined;
  let checking: Promise<void> | undefined;
  let checkAgain = false;

  const listFiles = async (p: string[]): Promise<string[]> => {
    if (opts.listFiles) return opts.listFiles(p);
    const { listInputFiles } = await import('../config/load.js');
    return listInputFiles(p);
  };

  const schedule = () => {
    if (closed) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = undefined;
      void check();
    }, debounceMs);
  };

  // Checks never overlap; events during a check cause exactly one more.
  const check = async (): Promise<void> => {
    if (checking) {
      checkAgain = true;
      return checking;
    }
    checking = (async () => {
      do {
        checkAgain = false;
        await compare();
      } while (checkAgain && !closed);
    })();
    try {
      await checking;
    } finally {
      checking = undefined;
    }
  };

  const compare = async (): Promise<void> => {
    if (closed) return;
    const key = await resolvedPaths(paths);
    if (key !== resolvedKey) {
      logger?.debug({}, 'an input path now resolves elsewhere (symlink swap); re-watching');
      await rewatch(key);
    }
    const next = await fingerprintOf(paths, listFiles);
    if (closed || next === fingerprint) return;
    const first = fingerprint === undefined;
    fingerprint = next;
    if (!first) opts.onChange();
  };

  const onEvent = (event: string, file: string) => {
    if (file.split(path.sep).some((part) => NOISE.has(part))) return;
    logger?.debug({ event, file: path.basename(file) }, 'input event');
    schedule();
  };

  const rewatch = async (key: string): Promise<void> => {
    resolvedKey = key;
    const old = [tree, anchors];
    const readies: Array<Promise<void>> = [];
    const make = (targets: string[], options: ChokidarOptions): FSWatcher => {
      const w = watch(targets, options);
      // Attached at once: for a missing path chokidar can be ready before the next await returns.
      readies.push(new Promise<void>((r) => w.once('ready', () => r())));
      w.on('error', (err) => logger?.warn({ err: String(err) }, 'file watcher error'));
      return w;
    };
    tree = make(paths, {
      followSymlinks: true,
      ignoreInitial: true,
      ignored: (p: string) => NOISE.has(path.basename(p)),
    });
    tree.on('all', onEvent);

    const linkDirs = await symlinkAnchors(paths);
    anchors = undefined;
    if (linkDirs.size > 0) {
      anchors = make([...linkDirs.keys()], { followSymlinks: false, ignoreInitial: true, depth: 0 });
      anchors.on('all', (event, file) => {
        if (linkDirs.get(path.dirname(file))?.has(path.basename(file))) onEvent(event, file);
      });
    }
    await Promise.all(readies);
    await Promise.all(old.map((w) => w?.close()));
  };

  const ready = (async () => {
    await rewatch(await resolvedPaths(paths));
    fingerprint = await fingerprintOf(paths, listFiles);
    if (pollMs > 0 && !closed) {
      poll = setInterval(() => void check(), pollMs);
      poll.unref();
    }
  })();

  return {
    ready,
    async close() {
      closed = true;
      if (debounce) clearTimeout(debounce);
      if (poll) clearInterval(poll);
      await ready.catch(() => {});
      await checking?.catch(() => {});
      await Promise.all([tree?.close(), anchors?.close()]);
    },
  };
}

/** Where each input path resolves to right now (a missing path resolves to nothing). */
async function resolvedPaths(paths: string[]): Promise<string> {
  const out = await Promise.all(paths.map((p) => realpath(p).catch(() => '')));
  return out.join('\0');
}

/**
 * For every symlink among the input paths and their ancestors: the directory holding it, and the
 * link names there. Swapping such a link (git-sync) changes what the input path means.
 */
async function symlinkAnchors(paths: string[]): Promise<Map<string, Set<string>>> {
  const anchors = new Map<string, Set<string>>();
  for (const p of paths) {
    let prefix = path.parse(p).root;
    for (const part of p.slice(prefix.length).split(path.sep).filter(Boolean)) {
      const next = path.join(prefix, part);
      const st = await lstat(next).catch(() => undefined);
      if (!st) break;
      if (st.isSymbolicLink()) {
        const names = anchors.get(prefix) ?? new Set<string>();
        names.add(part);
        anchors.set(prefix, names);
      }
      prefix = next;
    }
  }
  return anchors;
}

/**
 * A digest of what a run would read: the input file names and their bytes. Listing or reading errors
 * are part of it, so a file that breaks or heals is a change too. A file over the loader's size limit
 * is not read at all (the loader refuses it unread too): its size and modification time stand for it,
 * so a huge or sparse file costs a stat per poll, not its size in memory.
 */
export async function fingerprintOf(
  paths: string[],
  listFiles: (paths: string[]) => Promise<string[]>,
): Promise<string> {
  const hash = createHash('sha256');
  let files: string[];
  try {
    files = await listFiles(paths);
  } catch (err) {
    hash.update(`list-error\0${err instanceof Error ? err.message : String(err)}`);
    return hash.digest('hex');
  }
  for (const file of files) {
    hash.update(`${file}\0`);
    try {
      const read = await readBounded(file);
      if (read.kind === 'bytes') hash.update(read.bytes);
      else if (read.kind === 'too-large') hash.update(`too-large\0${read.size}\0${read.mtimeMs}`);
      else hash.update('not-a-file');
    } catch (err) {
      hash.update(`read-error\0${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    }
    hash.update('\0');
  }
  return hash.digest('hex');
}
