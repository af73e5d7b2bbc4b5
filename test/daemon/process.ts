import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { CLI } from '../support/cli.js';
import { waitFor } from './helpers.js';

/** A long-running CLI (`daemon`, `sync --watch`) as a child process, with its output collected. */
export interface LongRunning {
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** stderr lines that parse as JSON (the daemon's pino logs). */
  logs(): Array<Record<string, unknown>>;
  /** Waits for a log line matching `pred`; throws with the stderr so far when the deadline passes. */
  waitForLog(
    pred: (l: Record<string, unknown>) => boolean,
    what: string,
    ms?: number,
  ): Promise<Record<string, unknown>>;
  /** Sends `signal` (default SIGTERM) and resolves with the exit code; SIGKILLs after `ms`. */
  stop(signal?: NodeJS.Signals, ms?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const live = new Set<ChildProcessWithoutNullStreams>();
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Spawns `node dist/cli.js ...args` with a minimal environment plus `env` (as runCli does). */
export function spawnCli(args: string[], env: Record<string, string | undefined> = {}): LongRunning {
  const full: Record<string, string> = { NO_COLOR: '1' };
  for (const key of ['PATH', 'HOME', 'TMPDIR']) {
    const v = process.env[key];
    if (v !== undefined) full[key] = v;
  }
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete full[k];
    else full[k] = v;
  }
  const child = spawn(process.execPath, [CLI, ...args], { env: full, stdio: 'pipe' });
  live.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    out += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code, signal });
    });
  });
  const logs = () =>
    err
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  let done = false;
  void exited.then(() => {
    done = true;
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logs,
    exited,
    waitForLog: async (pred, what, ms = 10_000) => {
      try {
        return await waitFor(
          () => {
            const hit = logs().find(pred);
            if (!hit && done) throw new Error('the process exited');
            return hit;
          },
          what,
          ms,
        );
      } catch (e) {
        throw new Error(`${(e as Error).message}\n--- stderr ---\n${err}`);
      }
    },
    stop: async (signal = 'SIGTERM', ms = 15_000) => {
      if (!done) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), ms);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

/** Starts `daemon` on a free loopback port and waits until it serves; returns its base URL too. */
export async function startDaemon(
  args: string[],
  env: Record<string, string | undefined>,
): Promise<LongRunning & { url: string }> {
  const proc = spawnCli(['daemon', '--listen', '127.0.0.1:0', ...args], env);
  const line = await proc.waitForLog((l) => typeof l['listen'] === 'string', 'the daemon to listen');
  return Object.assign(proc, { url: `http://${line['listen'] as string}` });
}

/** One sample of a metric from a Prometheus text exposition (labels must match exactly those given). */
export function sample(
  exposition: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of exposition.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{([^}]*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const got: Record<string, string> = {};
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      got[pair[1]!] = pair[2]!;
    }
    const keys = Object.keys(labels);
    if (keys.length !== Object.keys(got).length) continue;
    if (keys.every((k) => got[k] === labels[k])) return Number(m[3]);
  }
  return undefined;
}

export async function scrape(url: string): Promise<string> {
  const res = await fetch(`${url}/metrics`);
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return res.text();
}
