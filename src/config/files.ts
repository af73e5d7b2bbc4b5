import { type Dirent, readdirSync, realpathSync, type Stats, statSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.js';

/** The input when no path is given (docs/configuration.md#inputs). */
export const DEFAULT_PATHS: readonly string[] = ['./subscriptions'];

export interface Discovery {
  /** Sorted, each real file once (symlinks resolved), named by the path the user would recognise. */
  files: string[];
  issues: ConfigIssue[];
}

const YAML_FILE = /\.ya?ml$/i;

// Synchronous calls behind promises: each asynchronous one is a round trip through libuv's thread
// pool, and a load makes dozens, one after the other: about 2.5 ms of a `validate` of three files
// spent waiting. They touch metadata only (src/config/read.ts reads the contents).
const readdir = async (dir: string, opts: { withFileTypes: true }): Promise<Dirent[]> =>
  readdirSync(dir, opts);
const realpath = async (path: string): Promise<string> => realpathSync(path);
const stat = async (path: string): Promise<Stats> => statSync(path);

/**
 * The input files behind `paths`: files are taken as given (whatever their extension), directories are
 * walked recursively for *.yaml / *.yml. Symlinks are followed, because Kubernetes mounts a ConfigMap as
 * `a.yaml -> ..data/a.yaml`, `..data -> ..2024_01_01_xxx/`; entries whose name starts with a dot are
 * skipped, so the timestamped copy is not read a second time, nor are `.gitlab-ci.yml` and friends when
 * pointed at a repository root. A file reached twice (two paths, a symlink, a loop) is read once.
 */
export async function discoverInputFiles(paths: readonly string[]): Promise<Discovery> {
  const inputs = (paths.length > 0 ? paths : DEFAULT_PATHS).map((p) => normalize(p));
  const found = new Map<string, string>(); // real path -> displayed path
  const walkedDirs = new Set<string>();
  const issues: ConfigIssue[] = [];
  const problem = (file: string, message: string) => issues.push({ file, line: 0, col: 0, message });

  let yamlSeen = 0;
  const addFile = async (file: string) => {
    yamlSeen++;
    const real = await realpath(file).catch(() => file);
    if (!found.has(real)) found.set(real, file);
  };

  const walk = async (dir: string) => {
    const real = await realpath(dir).catch(() => dir);
    if (walkedDirs.has(real)) return;
    walkedDirs.add(real);
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      problem(dir, `cannot read directory: ${reason(err)}`);
      return;
    }
    entries.sort((a, b) => compareNames(a.name, b.name));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      // A *.yaml entry that is not a readable regular file (a FIFO, a device, a symlink to one, a
      // directory) is an error, never skipped: skipping it would drop what it declares, and with
      // prune its subscriptions would be deleted (docs/limits-and-budgets.md, "Input files").
      const yamlName = YAML_FILE.test(entry.name);
      let kind: 'dir' | 'file' | 'other' = entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      if (entry.isSymbolicLink()) {
        let target: Stats;
        try {
          target = await stat(full);
        } catch (err) {
          if (yamlName) problem(full, `cannot read: ${reason(err)}`);
          continue;
        }
        kind = target.isDirectory() ? 'dir' : target.isFile() ? 'file' : 'other';
      }
      if (yamlName && kind !== 'file') {
        problem(full, kind === 'dir' ? 'a directory named like a YAML file' : 'not a regular file');
      } else if (kind === 'dir') {
        await walk(full);
      } else if (kind === 'file' && yamlName) {
        await addFile(full);
      }
    }
  };

  for (const input of inputs) {
    let info: Stats;
    try {
      info = await stat(input);
    } catch (err) {
      const isDefault = paths.length === 0;
      problem(
        input,
        isDefault
          ? `${reason(err)} (the default input; pass the files or directories to read as arguments)`
          : reason(err),
      );
      continue;
    }
    if (info.isDirectory()) {
      const seenBefore = walkedDirs.has(await realpath(input).catch(() => input));
      const before = yamlSeen;
      const issuesBefore = issues.length;
      await walk(input);
      if (!seenBefore && yamlSeen === before && issues.length === issuesBefore) {
        problem(input, 'no *.yaml or *.yml files found in this directory');
      }
    } else if (info.isFile()) {
      await addFile(input);
    } else {
      problem(input, 'not a regular file or directory');
    }
  }

  const files = [...found.values()].sort(compareNames);
  return { files, issues };
}

/**
 * The files a watcher should watch for `paths` (default `./subscriptions`): recursive, sorted, *.yaml and
 * *.yml, symlinks followed. Throws ConfigError when a path does not exist or cannot be read.
 */
export async function listInputFiles(paths: string[]): Promise<string[]> {
  const { files, issues } = await discoverInputFiles(paths);
  if (issues.length > 0) throw new ConfigError(issues);
  return files;
}

/** Plain code-unit order: the same on every machine and locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A person's reading of a filesystem error, without the stack or the errno noise. */
export function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'not a directory';
    case 'EISDIR':
      return 'is a directory';
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
