import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DaemonClock, DaemonLogger } from '../../src/daemon/daemon.js';

/** Polls `check` until it returns a truthy value or the deadline passes (then throws `what`). */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  deadlineMs = 5_000,
  everyMs = 25,
): Promise<NonNullable<T>> {
  const end = Date.now() + deadlineMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${deadlineMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * The loader's discovery rules in miniature (recursive *.yaml/*.yml, dot entries skipped, symlinks
 * followed), so the watcher's unit tests do not depend on YAML parsing.
 */
export async function listYaml(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const st = await stat(p).catch(() => undefined);
    if (!st) return;
    if (st.isFile()) {
      out.push(p);
      return;
    }
    const entries = (await readdir(p)).filter((n) => !n.startsWith('.')).sort();
    for (const name of entries) {
      const full = path.join(p, name);
      const s = await stat(full).catch(() => undefined);
      if (s?.isDirectory()) await walk(full);
      else if (s?.isFile() && /\.ya?ml$/i.test(name)) out.push(full);
    }
  };
  for (const p of paths) await walk(p);
  return out;
}

/** A manual clock: timers fire only when the test advances time. */
export class FakeClock implements DaemonClock {
  private t = 1_700_000_000_000;
  private seq = 0;
  readonly timers = new Map<number, { at: number; fn: () => void; ms: number }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + ms, fn, ms });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** The delays of the timers now pending. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.ms);
  }
  /** Moves time to the earliest timer and fires it; returns its delay. */
  fireNext(): number {
    const next = [...this.timers.entries()].sort((a, b) => a[1].at - b[1].at)[0];
    if (!next) throw new Error('no timer pending');
    const [id, timer] = next;
    this.timers.delete(id);
    this.t = timer.at;
    timer.fn();
    return timer.ms;
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  obj: Record<string, unknown>;
}

/** Collects log calls, with child bindings merged in, as pino would print them. */
export function memoryLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): DaemonLogger & {
  entries: LogEntry[];
} {
  const at =
    (level: LogEntry['level']) =>
    (obj: object, msg: string): void => {
      entries.push({ level, msg, obj: { ...bindings, ...(obj as Record<string, unknown>) } });
    };
  return {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (more) => memoryLogger(entries, { ...bindings, ...more }),
  };
}

export function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
