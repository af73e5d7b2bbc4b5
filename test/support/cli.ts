import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The built CLI, as users run it (`npm test` builds first; alone: `npm run build`). */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const TEST_CODE_CACHE = fileURLToPath(new URL('../../.tmp/test-code-cache', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Added to a minimal environment (PATH, HOME, NO_COLOR=1); the parent's TOGGL_* never leak in. */
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Kills the child (SIGKILL) after this long; a hung CLI fails the test instead of hanging it. */
  timeoutMs?: number;
}

/** A minimal environment (PATH, HOME, NO_COLOR=1) plus `extra`; undefined values remove a variable. */
export function childEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  // The CLI's code cache (src/boot/scripts.ts) in the repository's .tmp, not the user's home.
  // The pre-check cache (src/apply/precheck-file.ts) off: tests count requests, and a run must not
  // be answered from the user's home. test/apply/precheck-file.e2e.test.ts turns it on in a temp dir.
  const env: Record<string, string> = {
    NO_COLOR: '1',
    TWS_CODE_CACHE_DIR: TEST_CODE_CACHE,
    TWS_PRECHECK_CACHE: 'off',
  };
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'SYSTEMROOT']) {
    const v = process.env[key];
    if (v !== undefined) env[key] = v;
  }
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Throws a clear message when the CLI has not been built. */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
}

/**
 * Runs `node dist/cli.js ...args` as a child process. Asynchronous on purpose: an emulator started by
 * the test lives in this process's event loop, which spawnSync would block.
 */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return runNode([CLI, ...args], opts);
}

/** Runs `node ...nodeArgs` (a script, or the CLI with Node flags first) and collects its output. */
export function runNode(nodeArgs: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  const env = childEnv(opts.env);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, { cwd: opts.cwd, env, stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    // A child that exits before reading its input (`--help`, a usage error) closes the pipe: writing
    // then fails with EPIPE, which is not the test's concern (it once failed a CI run as an unhandled error).
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export interface RunningCli {
  child: ReturnType<typeof spawn>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout+stderr match `pattern` (checked on every chunk); rejects on exit or timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts a long-running CLI (`sync --watch`, `daemon`) as a child; kill it with `child.kill(...)`. */
export function startCli(args: string[], opts: RunCliOptions = {}): RunningCli {
  const env = childEnv(opts.env);
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env, stdio: 'pipe' });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    out += d;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    err += d;
    notify();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      resolve({ code, signal });
      notify();
    }),
  );
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  void exit.then(() => clearTimeout(killer));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exit,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(out + err)) {
            cleanup();
            resolve();
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`CLI exited before ${pattern}:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out waiting for ${pattern}:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      }),
  };
}
