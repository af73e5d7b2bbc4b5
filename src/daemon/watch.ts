import { describeError } from '../errors.js';
import { SingleFlight } from './single-flight.js';
import { watchInputs } from './watcher.js';

/** The few logger methods watch mode uses; a pino logger satisfies it. */
export interface WatchLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface RunWatchOptions {
  /** The inputs, as given to `sync` (files and directories). */
  paths: string[];
  /** Quiet time after the last file event before syncing (default 300 ms). */
  debounceMs?: number;
  /**
   * One complete sync (load, plan, apply, print). It is never called twice at once. Whatever it
   * throws is printed like the CLI prints errors (a ConfigError as its `FILE:LINE:COL: message`
   * lines) and watching goes on: a broken file makes no API call, so the last good state stays.
   * `signal` aborts when the user stops watching: stop before the next change.
   */
  runOnce: (signal: AbortSignal) => Promise<void>;
  logger: WatchLogger;
  /** Ends the watch (the command's stop-signal policy aborts it; src/commands/shell.ts). */
  signal: AbortSignal;
  /** Where thrown errors are printed (the command scrubs them with its secrets); default stderr. */
  printError?: (text: string) => void;
  /** For tests: the loader's file listing and the watcher's poll backstop (see watchInputs). */
  listFiles?: (paths: string[]) => Promise<string[]>;
  pollMs?: number;
}

/**
 * `sync --watch`: sync once, then again after every settled change to the inputs, until stopped.
 * A burst of saves is one sync; a change during a sync queues exactly one more. Resolves (never
 * rejects for a failed sync) once stopped and the sync in flight has ended.
 */
export async function runWatch(opts: RunWatchOptions): Promise<void> {
  const { logger } = opts;
  if (opts.signal.aborted) return;
  const print = opts.printError ?? ((text: string) => process.stderr.write(text));
  const stop = opts.signal;

  const flight = new SingleFlight<'start' | 'change'>(
    async (reason) => {
      if (stop.aborted) return;
      if (reason === 'change') logger.info({}, 'input changed; syncing');
      try {
        await opts.runOnce(stop);
      } catch (err) {
        print(`${describeError(err)}\n`);
      }
      if (!stop.aborted) logger.info({ paths: opts.paths }, 'watching for changes (Ctrl-C to stop)');
    },
    (err) => print(`${describeError(err)}\n`),
  );

  const watcher = watchInputs({
    paths: opts.paths,
    debounceMs: opts.debounceMs,
    onChange: () => flight.trigger('change'),
    logger,
    listFiles: opts.listFiles,
    ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
  });
  try {
    await watcher.ready;
    if (!stop.aborted) flight.trigger('start');
    await new Promise<void>((resolve) => {
      if (stop.aborted) resolve();
      else stop.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    await flight.stop();
    await watcher.close();
  }
}
