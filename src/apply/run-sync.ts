import type { OutputFormat } from '../cli/options.js';
import type { DesiredState } from '../config/types.js';
import { ConfigError, formatIssue, TwsError } from '../errors.js';
import { renderConfigErrorsJson, renderConfigErrorsMarkdown } from '../output/config-errors.js';
import { renderJson } from '../output/json.js';
import { renderMarkdown } from '../output/markdown.js';
import { renderText } from '../output/text.js';
import { type PlanIdentity, planIdentity, planKeyFromToken } from '../plan/identity.js';
import type { TogglApi } from '../toggl/types.js';
import { redact } from '../util/redact.js';
import { pingNewHook } from './ping-new.js';
import { limitsPreflight } from './prechecks.js';
import { type ReconcileLogger, reconcile } from './reconcile.js';
import { exitCodeFor } from './summary.js';
import type { ReconcileResult } from './types.js';

/** What `sync` (and `plan`) were asked to do, already parsed and validated. */
export interface SyncOptions {
  paths: string[];
  dryRun: boolean;
  output: OutputFormat;
  detailedExitcode: boolean;
  allowMassDelete: boolean;
  /** `--api-url`; overrides TOGGL_API_URL. */
  apiUrl?: string | undefined;
  logLevel: string;
  watch: boolean;
  pingNew: boolean;
  /** `plan --out FILE`: save the plan for review and `sync --plan` (docs/ci.md). */
  outFile?: string | undefined;
  /** `sync --plan FILE`: apply exactly that plan or refuse. */
  planFile?: string | undefined;
  /** `sync --expect-plan-hash H`: apply only a plan with this hash. */
  expectPlanHash?: string | undefined;
  /** `--max-plan-age`, in milliseconds. */
  maxPlanAgeMs?: number | undefined;
}

export interface SyncIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

const processIo: SyncIo = { env: process.env, stdout: process.stdout, stderr: process.stderr };

/**
 * `sync [PATH...]`: load and validate every file (a broken file makes no API call at all), then list,
 * plan, apply (or only plan with --dry-run) and print the result. Resolves to the exit code.
 * With `--watch`, does that on start and after every change to the inputs until Ctrl-C, then 0.
 */
export async function runSync(opts: SyncOptions, io: SyncIo = processIo): Promise<number> {
  const { createLogger } = await import('../log/logger.js');
  const logger: ReconcileLogger = createLogger({ level: opts.logLevel, json: false });

  // The client is made only once a config has loaded: config errors come before a missing token.
  let api: TogglApi | undefined;
  let planKey: Uint8Array | undefined;
  const client = async (): Promise<TogglApi> => {
    if (api) return api;
    const { clientConfigFromEnv } = await import('../toggl/config.js');
    const { TogglClient } = await import('../toggl/client.js');
    const config = clientConfigFromEnv(io.env, {
      quotaMode: 'fail',
      ...(opts.apiUrl !== undefined ? { apiUrl: opts.apiUrl } : {}),
    });
    planKey = planKeyFromToken(config.token);
    // No abort signal for the client: Ctrl-C stops reconcile before the next change (an answer in
    // flight is awaited, so a change the API applied is never reported as failed); a second Ctrl-C
    // quits at once.
    api = new TogglClient(config, {
      onRetry: (info) => logger.warn({ ...info }, 'retrying an API request'),
    });
    return api;
  };

  const reviewed = opts.planFile !== undefined || opts.expectPlanHash !== undefined;
  if (reviewed && opts.watch) {
    io.stderr.write(
      'error: --plan and --expect-plan-hash apply one reviewed plan; they cannot be used with --watch\n',
    );
    return 1;
  }
  const { readSavedPlan, reviewedPlanCheck, writeSavedPlan } = await import('./reviewed-plan.js');
  let saved: Awaited<ReturnType<typeof readSavedPlan>> | undefined;
  if (opts.planFile !== undefined) {
    try {
      saved = await readSavedPlan(opts.planFile, new Date(), opts.maxPlanAgeMs);
    } catch (err) {
      if (!(err instanceof TwsError)) throw err;
      io.stderr.write(redact(`error: ${err.message}\nno API call was made\n`));
      return 1;
    }
  }
  // A saved plan knows the paths it was made from; explicit paths win.
  const paths = opts.paths.length === 0 && saved ? saved.paths : opts.paths;

  const once = async (signal: AbortSignal): Promise<number> => {
    const desired = await load({ ...opts, paths }, io);
    if (!desired) return 1;
    const togglApi = await client();
    let identity: PlanIdentity | undefined;
    const result = await reconcile({
      desired,
      api: togglApi,
      dryRun: opts.dryRun,
      allowMassDelete: opts.allowMassDelete,
      logger,
      signal,
      preflight: limitsPreflight({ api: togglApi, desired, logger }),
      onApplied: opts.pingNew ? pingNewHook(togglApi, logger) : undefined,
      identify: (observed) => {
        identity = planIdentity({ ...observed, keyFor: () => planKey as Uint8Array });
        return identity;
      },
      check: reviewed ? reviewedPlanCheck({ desired, saved, expectedHash: opts.expectPlanHash }) : undefined,
    });
    io.stdout.write(render(result, opts.output, useColor(io)));
    if (opts.outFile !== undefined) {
      try {
        await writeSavedPlan({ file: opts.outFile, result, identity, desired, paths, now: new Date() });
        io.stderr.write(
          `Saved the plan to ${opts.outFile} (plan hash ${result.planHash}); apply exactly it with: sync --plan ${opts.outFile}\n`,
        );
      } catch (err) {
        if (!(err instanceof TwsError)) throw err;
        io.stderr.write(redact(`error: ${err.message}\n`));
        return 1;
      }
    }
    return exitCodeFor(result, opts.detailedExitcode);
  };

  if (opts.watch) {
    const { runWatch } = await import('../daemon/watch.js');
    await runWatch({
      paths: opts.paths,
      logger,
      printError: (text) => io.stderr.write(text),
      runOnce: async (signal) => {
        await once(signal);
      },
    });
    return 0;
  }

  return withInterruptions(logger, once);
}

/** Every problem of every file as `FILE:LINE:COL: message` on stderr; undefined means: stop, exit 1. */
async function load(opts: SyncOptions, io: SyncIo): Promise<DesiredState | undefined> {
  const { loadDesiredState } = await import('../config/load.js');
  try {
    return await loadDesiredState(opts.paths, io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const n = err.issues.length;
    io.stderr.write(
      redact(
        `${err.issues.map(formatIssue).join('\n')}\n` +
          `error: ${n} problem${n === 1 ? '' : 's'} in the configuration; no API call was made\n`,
      ),
    );
    if (opts.output === 'json') io.stdout.write(renderConfigErrorsJson(err.issues, opts.dryRun));
    if (opts.output === 'markdown') io.stdout.write(renderConfigErrorsMarkdown(err.issues, opts.dryRun));
    return undefined;
  }
}

export function render(result: ReconcileResult, format: OutputFormat, color: boolean): string {
  if (format === 'json') return renderJson(result);
  if (format === 'markdown') return renderMarkdown(result);
  return renderText(result, { color });
}

/** Colour on a terminal only, and never when NO_COLOR is set to anything (https://no-color.org). */
export function useColor(io: SyncIo): boolean {
  const noColor = io.env['NO_COLOR'];
  return io.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/**
 * Ctrl-C (or SIGTERM) during a one-shot sync stops before the next change: the call in flight finishes,
 * the result so far is printed, and the exit code is 1. A second Ctrl-C exits at once (130).
 */
async function withInterruptions(
  logger: ReconcileLogger,
  run: (signal: AbortSignal) => Promise<number>,
): Promise<number> {
  const controller = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    logger.warn({ signal: sig }, 'stopping after the call in flight (press Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
