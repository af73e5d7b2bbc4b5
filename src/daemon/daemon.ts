import { randomBytes } from 'node:crypto';
import { succeeded, summarize } from '../apply/summary.js';
import type { ReconcileResult, RunSettings } from '../apply/types.js';
import type { DesiredState } from '../config/types.js';
import { ConfigError, type ErrorCode, formatIssue, TwsError } from '../errors.js';
import type { MetricsRecorder } from '../metrics/record.js';
import { boundedDelay, MINUTE } from '../util/timers.js';
import { quotaWarning } from './quota.js';
import { SingleFlight } from './single-flight.js';
import { type InputWatcher, watchInputs } from './watcher.js';

/** pino-shaped: the daemon logs JSON objects with a message, and hands children to reconcile. */
export interface DaemonLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  child(bindings: Record<string, unknown>): DaemonLogger;
}

/** What one reconcile needs besides the desired state; the CLI binds the API client here. */
export type ReconcileFn = (
  args: RunSettings & {
    desired: DesiredState;
    signal: AbortSignal;
    logger: DaemonLogger;
  },
) => Promise<ReconcileResult>;

/** Timers, injectable so tests can drive the schedule. */
export interface DaemonClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export type TriggerReason = 'start' | 'interval' | 'change' | 'retry';

/** The run settings (dry run, mass-delete guard) hold for every reconcile of the daemon's life. */
export interface DaemonOptions extends RunSettings {
  paths: string[];
  intervalMs: number;
  /** Each wait is the interval times a random factor in [1 - jitter, 1 + jitter]. Default 0.1. */
  jitter?: number;
  logger: DaemonLogger;
  metrics: MetricsRecorder;
  /** Loads and validates the input files; throws ConfigError for invalid ones. */
  load: () => Promise<DesiredState>;
  reconcile: ReconcileFn;
  /**
   * File-change triggers. Default: watch `paths` (see watchInputs). `false`: interval only. A
   * function: a custom watcher calling `onChange` (tests).
   */
  watch?: boolean | ((onChange: () => void) => InputWatcher);
  /** Debounce of the file watcher (default 1 s: a ConfigMap or git-sync update is a burst). */
  debounceMs?: number;
  clock?: DaemonClock;
  random?: () => number;
  /** First retry delay after a transient API failure (doubles up to the interval, at most 5 min). Default 10 s. */
  retryBaseMs?: number;
  /**
   * Quota pacing (src/toggl/budget.ts): when a periodic reconcile of `desired`, due at `dueAt`, may run.
   * Asked when scheduling and again when the timer fires (answers in between may have moved it). File
   * changes and retries do not ask. Without it the interval alone decides.
   */
  pace?: (desired: DesiredState, dueAt: number) => { at: number; reason?: string | undefined };
}

export interface CycleReport {
  id: string;
  reason: TriggerReason;
  configValid: boolean;
  /** True when reconcile ran on the last good configuration because the files are invalid now. */
  usedLastGood: boolean;
  result?: ReconcileResult;
  error?: unknown;
  success: boolean;
  /** Milliseconds until the next scheduled reconcile. */
  nextInMs?: number;
}

const TRANSIENT: ReadonlySet<ErrorCode> = new Set([
  'E_API_SERVER',
  'E_NETWORK',
  'E_TIMEOUT',
  'E_API_RATE_LIMITED',
]);

/** The longest wait between retries after a transient failure, however long the interval is. */
export const MAX_RETRY_BACKOFF_MS = 5 * MINUTE;

/**
 * The wait before retry number `failures` (1-based): `base` doubling, capped at the interval and at
 * MAX_RETRY_BACKOFF_MS, so a week-long interval does not leave an outage unretried for days, and
 * 2^failures never overflows into an unbounded timer.
 */
export function retryWait(baseMs: number, failures: number, intervalMs: number): number {
  const doubled = baseMs * 2 ** Math.min(Math.max(0, failures - 1), 30);
  return Math.min(intervalMs, MAX_RETRY_BACKOFF_MS, doubled);
}

const systemClock: DaemonClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * The reconcile loop of `daemon`: at start, every interval (with jitter) and on file change, never
 * two at once. Invalid files never reach reconcile: the last good configuration stays in force, and
 * before there ever was one nothing is reconciled. A transient API failure brings the next attempt
 * forward with exponential backoff (capped at the interval); nothing here throws out of the loop.
 */
export class Daemon {
  private readonly opts: DaemonOptions;
  private readonly settings: RunSettings;
  private readonly clock: DaemonClock;
  private readonly random: () => number;
  private readonly flight: SingleFlight<TriggerReason>;
  private readonly abort = new AbortController();
  private watcher: InputWatcher | undefined;
  private timer: unknown;
  private lastGood: DesiredState | undefined;
  private transientFailures = 0;
  private warnedWorkspaces = -1;
  private stopping = false;
  private readyFlag = false;
  private notReady = 'no reconcile has completed with a valid configuration yet';
  private cycles = 0;
  private readonly listeners: Array<(r: CycleReport) => void> = [];

  constructor(opts: DaemonOptions) {
    this.opts = opts;
    this.settings = { dryRun: opts.dryRun, allowMassDelete: opts.allowMassDelete };
    this.clock = opts.clock ?? systemClock;
    this.random = opts.random ?? Math.random;
    this.flight = new SingleFlight<TriggerReason>(
      (reason) => this.cycle(reason),
      (err) => this.opts.logger.error({ err: describe(err) }, 'reconcile loop error'),
    );
  }

  /**
   * `/readyz`: a reconcile has completed with a valid configuration, having read every declared
   * workspace. Stays true once reached, so an API hiccup later does not flap the pod's readiness,
   * except when Toggl refuses the token (401/403): a daemon that cannot authenticate is not ready,
   * and `notReadyReason` says so. A workspace whose answer is malformed does not hold readiness back:
   * it is reported (logs, errors_total{stage="list"}) and the others are reconciled.
   */
  get ready(): boolean {
    return this.readyFlag;
  }

  /** Why `/readyz` answers 503 (one line, no credentials). */
  get notReadyReason(): string {
    return this.notReady;
  }

  /** Reconciles run so far (finished). */
  get completed(): number {
    return this.cycles;
  }

  /** Called after every reconcile (tests, and the CLI for its own bookkeeping). */
  onCycle(listener: (r: CycleReport) => void): void {
    this.listeners.push(listener);
  }

  /** Starts watching (when enabled) and runs the first reconcile; resolves once watching. */
  async start(): Promise<void> {
    const { watch = true } = this.opts;
    if (typeof watch === 'function') {
      this.watcher = watch(() => this.trigger('change'));
    } else if (watch) {
      this.watcher = watchInputs({
        paths: this.opts.paths,
        debounceMs: this.opts.debounceMs ?? 1000,
        onChange: () => this.trigger('change'),
        logger: this.opts.logger,
      });
    }
    try {
      await this.watcher?.ready;
    } catch (err) {
      // Out of inotify watches, an unreadable mount...: the interval still reconciles.
      this.opts.logger.warn(
        { err: describe(err) },
        'cannot watch the input files; reconciling on the interval only',
      );
      await this.watcher?.close().catch(() => {});
      this.watcher = undefined;
    }
    this.trigger('start');
  }

  /** Asks for a reconcile now (or right after the one in flight). Ignored once stopping. */
  trigger(reason: TriggerReason): void {
    if (this.stopping) return;
    if (reason === 'change') this.opts.logger.info({ trigger: reason }, 'input files changed');
    this.flight.trigger(reason);
  }

  /**
   * Graceful stop: no new reconcile, the one in flight stops before its next change (the API call
   * in flight finishes), the watcher closes. Resolves when all of that is done.
   */
  async stop(): Promise<void> {
    if (this.stopping) return this.flight.idle();
    this.stopping = true;
    this.clearTimer();
    this.abort.abort();
    await this.flight.stop();
    await this.watcher?.close();
  }

  /** Resolves when no reconcile is running or queued. */
  idle(): Promise<void> {
    return this.flight.idle();
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number, reason: TriggerReason): void {
    this.clearTimer();
    if (this.stopping) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.trigger(reason);
    }, boundedDelay(ms));
  }

  private jittered(ms: number): number {
    const j = this.opts.jitter ?? 0.1;
    return Math.max(1, Math.round(ms * (1 + j * (2 * this.random() - 1))));
  }

  /** The time a periodic reconcile due at `dueAt` may run, by the quota budget (or `dueAt`). */
  private paced(dueAt: number, log: DaemonLogger): number {
    if (!this.opts.pace || !this.lastGood) return dueAt;
    const decision = this.opts.pace(this.lastGood, dueAt);
    if (decision.at > dueAt) {
      log.info(
        { delay_ms: decision.at - dueAt, reason: decision.reason },
        'periodic reconcile delayed to stay within the API quota budget',
      );
    }
    return Math.max(dueAt, decision.at);
  }

  private async cycle(reason: TriggerReason): Promise<void> {
    if (this.stopping) return;
    if (reason === 'interval' && this.opts.pace && this.lastGood) {
      // Answers since it was scheduled (a file change's reconcile, CI on the same token) may have used
      // the budget: ask again, and wait further if needed.
      const now = this.clock.now();
      const at = this.paced(now, this.opts.logger);
      if (at > now) {
        this.opts.metrics.nextReconcileAt(at);
        this.schedule(at - now, 'interval');
        return;
      }
    }
    this.clearTimer();
    const id = randomBytes(4).toString('hex');
    const log = this.opts.logger.child({ reconcile_id: id });
    const metrics = this.opts.metrics;
    const started = this.clock.now();
    const report: CycleReport = { id, reason, configValid: false, usedLastGood: false, success: false };
    log.info({ trigger: reason, dry_run: this.settings.dryRun }, 'reconcile started');

    let desired: DesiredState | undefined;
    try {
      desired = await this.opts.load();
      this.lastGood = desired;
      report.configValid = true;
      metrics.configLoaded(true);
      this.warnQuota(desired, log);
    } catch (err) {
      metrics.configLoaded(false);
      logConfigError(err, log);
      desired = this.lastGood;
      report.usedLastGood = desired !== undefined;
      if (desired) log.warn({}, 'the input files are invalid: the last good configuration stays in force');
      else log.warn({}, 'no valid configuration has been loaded yet: reconciling nothing');
    }

    let transient = false;
    if (desired && !this.abort.signal.aborted) {
      try {
        const result = await this.opts.reconcile({
          ...this.settings,
          desired,
          signal: this.abort.signal,
          logger: log,
        });
        report.result = result;
        metrics.subscriptionsObserved(desired, result);
        transient = result.failures.some((f) => f.stage === 'list' && TRANSIENT.has(f.error.code));
        logResult(result, log);
      } catch (err) {
        report.error = err;
        transient = err instanceof TwsError && TRANSIENT.has(err.code);
        metrics.error('apply');
        log.error({ err: describe(err) }, 'reconcile failed');
      }
    }

    const aborted = report.result?.aborted === true;
    report.success = report.configValid && report.result !== undefined && succeeded(report.result);
    const seconds = (this.clock.now() - started) / 1000;
    metrics.reconcileEnded({
      result: report.result,
      success: report.success,
      durationSeconds: seconds,
      declaredWorkspaces: desired?.workspaces.map((w) => w.workspace_id),
      nowMs: this.clock.now(),
    });
    // Completed: valid files, and the live state of every declared workspace was read (a daemon that
    // cannot reach Toggl is not ready). A change the API refused does not make it unready.
    const listFailures = report.result?.failures.filter((f) => f.stage === 'list') ?? [];
    const listed = report.result !== undefined && listFailures.every((f) => f.error.code === 'E_API_ANSWER');
    const auth = listFailures.filter((f) => f.error.code === 'E_API_AUTH');
    if (auth.length > 0 && !aborted) {
      this.readyFlag = false;
      this.notReady =
        `the API refused the token (401/403) for workspace ${auth.map((f) => f.workspace_id).join(', ')}: ` +
        'check TOGGL_API_TOKEN / TOGGL_API_TOKEN_FILE and the workspace ids';
    } else if (report.configValid && listed && !aborted) {
      this.readyFlag = true;
    }
    this.cycles++;

    if (!this.stopping) {
      this.transientFailures = transient ? this.transientFailures + 1 : 0;
      const interval = this.opts.intervalMs;
      const base = this.opts.retryBaseMs ?? 10_000;
      const wait = transient ? retryWait(base, this.transientFailures, interval) : interval;
      report.nextInMs = this.jittered(wait);
      if (!transient) {
        const now = this.clock.now();
        report.nextInMs = this.paced(now + report.nextInMs, log) - now;
      }
      metrics.nextReconcileAt(this.clock.now() + report.nextInMs);
      this.schedule(report.nextInMs, transient ? 'retry' : 'interval');
    }
    log.info(
      {
        trigger: reason,
        result: report.success ? 'success' : 'error',
        config_valid: report.configValid,
        duration_ms: Math.round(seconds * 1000),
        ...(report.nextInMs !== undefined ? { next_in_ms: report.nextInMs } : {}),
        ...(aborted ? { aborted: true } : {}),
        ...(transient ? { retry: this.transientFailures } : {}),
      },
      'reconcile finished',
    );
    for (const l of this.listeners) l(report);
  }

  private warnQuota(desired: DesiredState, log: DaemonLogger): void {
    const n = desired.workspaces.length;
    if (n === this.warnedWorkspaces) return;
    this.warnedWorkspaces = n;
    const warning = quotaWarning(this.opts.intervalMs, n);
    if (warning) log.warn({ interval_ms: this.opts.intervalMs, workspaces: n }, warning);
  }
}

/** Each issue as its own line: `FILE:LINE:COL: message`, as the CLI prints them. */
function logConfigError(err: unknown, log: DaemonLogger): void {
  if (err instanceof ConfigError) {
    for (const issue of err.issues) {
      log.error({ stage: 'config', file: issue.file, line: issue.line, col: issue.col }, formatIssue(issue));
    }
    log.error({ stage: 'config', issues: err.issues.length }, 'the input files are invalid');
    return;
  }
  log.error({ stage: 'config', err: describe(err) }, 'the input files could not be loaded');
}

/**
 * One line per workspace with its counts, then the totals (reconcile itself logs each change and
 * failure as it happens); descriptions stay out of the summary.
 */
function logResult(result: ReconcileResult, log: DaemonLogger): void {
  for (const wp of result.plan.workspaces) {
    const counts = { create: 0, update: 0, patch: 0, delete: 0, applied: 0, failed: 0 };
    for (const o of result.outcomes) {
      if (o.change.workspace_id !== wp.workspace_id) continue;
      counts[o.change.action]++;
      if (o.status === 'applied') counts.applied++;
      if (o.status === 'failed') counts.failed++;
    }
    log.info(
      { workspace_id: wp.workspace_id, ...counts, unchanged: wp.unchanged, ignored: wp.ignored },
      result.dryRun ? 'workspace planned (dry run)' : 'workspace reconciled',
    );
  }
  const s = summarize(result);
  log.info(
    {
      workspaces: result.plan.workspaces.length,
      create: s.create,
      update: s.update,
      patch: s.patch,
      delete: s.delete,
      unchanged: s.unchanged,
      applied: s.applied,
      failed: s.failed,
      workspace_failures: result.failures.length,
      dry_run: result.dryRun,
    },
    'reconcile summary',
  );
}

/** For the `err` field of a log line, which the logger scrubs as text from outside (docs/secrets.md). */
function describe(err: unknown): string {
  if (err instanceof TwsError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
