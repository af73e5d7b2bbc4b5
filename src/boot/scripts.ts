import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { Script } from 'node:vm';
import {
  ensurePrivateDir,
  isPrivateDir,
  isPrivateFile,
  readPrivateFile,
  userCacheDir,
  writePrivateFile,
} from '../util/cache-dir.js';

/**
 * Runs the program's CommonJS scripts (dist/app.cjs and one dist/vendor-*.cjs per library that not
 * every command needs) with a V8 code cache, so a later run skips parsing and compiling what an
 * earlier run of the same command compiled (docs/limits-and-budgets.md, "Start-up").
 *
 * Why not Node's own compile cache (`module.enableCompileCache`): it stores a module's code as compiled
 * before it runs, which V8 keeps to the outermost functions; the functions a run actually calls (the
 * YAML parser's, the argument parser's) are compiled lazily later and never stored. A `vm.Script`
 * can be asked for its code after the run, with every function it compiled.
 *
 * The cache lives in the user's cache directory, one file per script (and per command for app.cjs,
 * since each command compiles different functions), named after the script's content digest, the Node
 * version and the CPU architecture. V8 itself checks a cached script's length and its own version and
 * flags, not the text, hence the digest. A file that another user could have written is never read
 * (src/util/cache-dir.ts): it would be code. Every failure (no home, a read-only filesystem, a
 * rejected cache) only means compiling as without a cache.
 */

/** What the build knows about the scripts beside the entry (scripts/build.mjs). */
export interface BundleManifest {
  /** Script name (file without `.cjs`) → digest of its content. */
  scripts: Record<string, string>;
  /** Package name → the script that holds it. */
  vendors: Record<string, string>;
}

export interface BundleScriptsOptions {
  /** The folder holding the scripts (dist/). */
  dir: string;
  manifest: BundleManifest;
  /** Where cached code is kept; undefined: no cache. */
  cacheDir: string | undefined;
  /** Separates the app script's cache per command, e.g. `validate`. */
  tag: string;
}

/** Largest cache file read: today's are under 2 MiB. */
const MAX_CACHE_BYTES = 32 * 1024 * 1024;

/** The cache directory, or undefined when caching is off. Env names: docs/limits-and-budgets.md. */
export function codeCacheDir(env: NodeJS.ProcessEnv): string | undefined {
  // Node's own switch for its compile cache turns this one off too.
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const dir = env.TWS_CODE_CACHE_DIR?.trim();
  // Only an absolute path: a relative one would put code files wherever the program is run from.
  if (dir !== undefined && dir !== '') return isAbsolute(dir) ? dir : undefined;
  const base = userCacheDir(env);
  return base === undefined ? undefined : join(base, 'code');
}

/** The cache tag of a command line: its command word when it is a plain word, else `other`. */
export function commandTag(args: readonly string[]): string {
  const word = args.find((a) => !a.startsWith('-'));
  return word !== undefined && /^[a-z][a-z-]{0,31}$/.test(word) ? word : 'other';
}

interface Pending {
  script: Script;
  file: string;
  prefix: string;
}

export class BundleScripts {
  readonly #opts: BundleScriptsOptions;
  readonly #nodeRequire: NodeJS.Require;
  readonly #modules = new Map<string, { exports: unknown }>();
  readonly #pending: Pending[] = [];
  /** Whether the cache directory may be read: checked once, on the first script. */
  #readable: boolean | undefined;

  constructor(opts: BundleScriptsOptions) {
    this.#opts = opts;
    this.#nodeRequire = createRequire(join(opts.dir, 'app.cjs'));
  }

  /** The exports of a script, running it on first use. */
  load(name: string): unknown {
    const loaded = this.#modules.get(name);
    if (loaded) return loaded.exports;
    const digest = this.#opts.manifest.scripts[name];
    if (digest === undefined) throw new Error(`the build has no script ${name}`);
    const filename = join(this.#opts.dir, `${name}.cjs`);
    // The build writes ASCII only (non-ASCII escaped), which latin1 reads without a UTF-8 decode.
    const source = readFileSync(filename, 'latin1');
    // The build's digest names the script as built; the file's own stamp (size, time of last change,
    // inode) catches a script patched in place after the build (a hotfix, patch-package), whose old
    // compiled code would otherwise still run, as V8 compares only the length.
    const stamp = fileStamp(filename);

    const tag = name === 'app' ? `-${this.#opts.tag}` : '';
    const prefix = `${name}${tag}-`;
    const cacheDir = this.#opts.cacheDir;
    const cacheFile =
      cacheDir === undefined
        ? undefined
        : join(cacheDir, `${prefix}${digest}${stamp}-${process.version}-${process.arch}.bin`);
    // A directory others can write could hold a file swapped in by them: read nothing from it (and
    // write nothing there either, saveCaches).
    if (cacheDir !== undefined) this.#readable ??= isPrivateDir(cacheDir);
    const cachedData =
      cacheFile === undefined || !this.#readable ? undefined : readPrivateFile(cacheFile, MAX_CACHE_BYTES);

    const script = withChecksum(
      () =>
        new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
          filename,
          ...(cachedData === undefined ? {} : { cachedData }),
        }),
    );
    if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true))
      this.#pending.push({ script, file: cacheFile, prefix });

    const module = { exports: {} as unknown };
    // Registered before it runs, like Node's own loader, so a require cycle sees the partial exports.
    this.#modules.set(name, module);
    const run = script.runInThisContext() as (
      exports: unknown,
      require: NodeJS.Require,
      module: { exports: unknown },
      filename: string,
      dirname: string,
    ) => void;
    run(module.exports, this.#require(), module, filename, this.#opts.dir);
    return module.exports;
  }

  /**
   * Writes the code of each script that had no usable cache, as compiled by now: call it when the run
   * ends (process `exit`), so the functions the run called are in it. Synchronous; never throws.
   */
  saveCaches(): void {
    const dir = this.#opts.cacheDir;
    if (dir === undefined || this.#pending.length === 0 || !ensurePrivateDir(dir)) return;
    for (const { script, file, prefix } of this.#pending.splice(0)) {
      let data: Buffer;
      try {
        data = withChecksum(() => script.createCachedData());
      } catch {
        continue;
      }
      if (!writePrivateFile(file, data)) continue;
      removeOlder(dir, prefix, file);
    }
  }

  /** The `require` the scripts see: a bundled library by its script, anything else (Node's) as usual. */
  #require(): NodeJS.Require {
    const { vendors } = this.#opts.manifest;
    const nodeRequire = this.#nodeRequire;
    const require = ((id: string) => {
      const script = vendors[id];
      return script === undefined ? nodeRequire(id) : this.load(script);
    }) as NodeJS.Require;
    require.resolve = nodeRequire.resolve;
    require.cache = nodeRequire.cache;
    require.main = nodeRequire.main;
    require.extensions = nodeRequire.extensions;
    return require;
  }
}

/**
 * Runs `work` with V8's --verify-snapshot-checksum on. V8 checks a cached script's version, flags and
 * length, but its contents only with this flag: without it a damaged cache file (a bad disk block, a
 * torn copy) crashed every later run instead of being refused and replaced. The flag is on only around
 * compiling a script and creating its cache, which V8 keys to the flags in force, so both see the same.
 * Left on, it would change the flags V8 sees when Node compiles its own modules later in the run, and
 * Node's embedded cache for them would be refused: about 7 ms more for a plan.
 */
function withChecksum<T>(work: () => T): T {
  setFlagsFromString('--verify-snapshot-checksum');
  try {
    return work();
  } finally {
    setFlagsFromString('--no-verify-snapshot-checksum');
  }
}

/** What this module names a cache file after its prefix: digest, Node version, CPU. */
const CACHE_NAME_TAIL = /^[0-9a-f]{24}-v\d+\.\d+\.\d+-[a-z0-9]+\.bin$/;

/** 8 hex digits (FNV-1a) of a file's size, change time in nanoseconds and inode. */
export function fileStamp(path: string): string {
  const info = statSync(path, { bigint: true });
  const text = `${info.size}:${info.ctimeNs}:${info.mtimeNs}:${info.ino}`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return (hash >>> 0).toString(16).padStart(8, '0');
}

/**
 * Cached code of the same script from an older build or Node version: never read again. Only files
 * named exactly as this module names them and trusted like the ones it reads are removed, in case
 * TWS_CODE_CACHE_DIR names a directory that holds other files.
 */
function removeOlder(dir: string, prefix: string, keep: string): void {
  try {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (path === keep || !name.startsWith(prefix) || !CACHE_NAME_TAIL.test(name.slice(prefix.length)))
        continue;
      if (isPrivateFile(path)) rmSync(path, { force: true });
    }
  } catch {
    // Only tidying.
  }
}
