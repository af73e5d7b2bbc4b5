import { pingNewHook } from '../apply/ping-new.js';
import { openPrecheckFile, precheckFileSettings } from '../apply/precheck-file.js';
import { limitsPreflight } from '../apply/prechecks.js';
import { type ReconcileLogger, reconcile } from '../apply/reconcile.js';
import { exitCodeFor } from '../apply/summary.js';
import type { RunSettings } from '../apply/types.js';
import { TwsError } from '../errors.js';
import { renderConfigErrorsJson, renderConfigErrorsMarkdown } from '../output/config-errors.js';
import type { OutputFormat } from '../output/formats.js';
import { renderJson, renderResult } from '../output/index.js';
import { type PlanIdentity, planIdentity } from '../plan/identity.js';
import { RunSecrets } from '../sensitive/run-secrets.js';
import {
  EXIT,
  type Io,
  loadOrReport,
  printConfigIssues,
  processIo,
  routeOrReport,
  stopOnSignals,
  useColor,
} from './shell.js';

/** What `sync` (and `plan`, which is `sync --dry-run`) were asked to do, parsed by src/cli/. */
export interface SyncOptions extends RunSettings {
  paths: string[];
  output: OutputFormat;
  detailedExitcode: boolean;
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

/**
 * `sync [PATH...]` (docs/commands.md): load and validate every file (a broken file makes no API call
 * at all), then list, plan, apply (or only plan with --dry-run), print the result and resolve to the
 * exit code. Ctrl-C stops before the next change; the result so far is printed and the exit code is
 * 1. With `--watch`, does that on start and after every change to the inputs until Ctrl-C, then 0.
 */
export async function runSync(opts: SyncOptions, io: Io = processIo): Promise<number> {
  const { createLazyLogger } = await import('../log/logger.js');
  // On a terminal stdout and stderr interleave on one screen: an error the text report shows (a
  // workspace or a change that failed) is not logged a second time. Piped, both streams keep it.
  const oneScreen =
    opts.output === 'text' && io.stdout.isTTY === true && (io.stderr as { isTTY?: boolean }).isTTY === true;
  // Grows as the run learns them (tokens, files, live answers); every output reads it (docs/secrets.md).
  const secrets = new RunSecrets();
  const logger: ReconcileLogger = createLazyLogger({
    level: opts.logLevel,
    json: false,
    secrets,
    skip: oneScreen ? (r) => r['level'] === 'error' && r['workspace_id'] !== undefined : undefined,
  });
  const settings: RunSettings = { dryRun: opts.dryRun, allowMassDelete: opts.allowMassDelete };
  // GET /limits and /event_filters answers kept on disk for a few minutes, off in CI
  // (docs/limits-and-budgets.md, "API quota"): a laptop's repeated plans spend their quota on lists.
  const precheckFile = precheckFileSettings(io.env);
  if (!precheckFile.on && precheckFile.warning !== undefined) logger.warn({}, precheckFile.warning);

  // Clients are made only once a config has loaded (config errors come before a missing token): one
  // per token alias the files name, kept for the whole command, each with its own request spacing
  // and quota budget (docs/configuration.md, "Several organisations"). The first stop signal cuts
  // their waits (spacing, backoff, Retry-After) and abandons a read in flight, so a failing API cannot
  // hold a stop for minutes; a change in flight is awaited, so one the API applied is never reported
  // as failed (docs/commands.md).
  const clientStop = new AbortController();
  const { TokenClients } = await import('../apply/token-clients.js');
  const clients = new TokenClients(
    io.env,
    { quotaMode: 'fail', ...(opts.apiUrl !== undefined ? { apiUrl: opts.apiUrl } : {}) },
    (alias) => ({
      onRetry: (info) => logger.warn({ ...info, token_alias: alias }, 'retrying an API request'),
      onToken: (token) => secrets.addToken(token),
      onResponse: (info) => {
        if (info.quotaProblem) logger.warn({ method: info.method, path: info.path }, info.quotaProblem);
      },
      signal: clientStop.signal,
    }),
  );

  const reviewed = opts.planFile !== undefined || opts.expectPlanHash !== undefined;
  if (reviewed && opts.watch) {
    io.stderr.write(
      'error: --plan and --expect-plan-hash apply one reviewed plan; they cannot be used with --watch\n',
    );
    return EXIT.failed;
  }
  // Plan files only when one is read, written or checked: a plain plan does without the module.
  const savedPlans =
    reviewed || opts.outFile !== undefined ? await import('../apply/reviewed-plan.js') : undefined;
  let saved: Awaited<ReturnType<NonNullable<typeof savedPlans>['readSavedPlan']>> | undefined;
  if (savedPlans && opts.planFile !== undefined) {
    try {
      saved = await savedPlans.readSavedPlan(opts.planFile, new Date(), opts.maxPlanAgeMs);
    } catch (err) {
      if (!(err instanceof TwsError)) throw err;
      io.stderr.write(`error: ${secrets.scrub(err.message)}\nno API call was made\n`);
      return EXIT.failed;
    }
  }
  // A saved plan knows the paths it was made from; explicit paths win.
  const paths = opts.paths.length === 0 && saved ? saved.paths : opts.paths;

  const once = async (signal: AbortSignal): Promise<number> => {
    const desired = await loadOrReport(
      paths,
      io,
      (issues) => {
        printConfigIssues(io, issues, 'no API call was made');
        if (opts.output === 'json') io.stdout.write(renderConfigErrorsJson(issues, opts.dryRun));
        if (opts.output === 'markdown') io.stdout.write(renderConfigErrorsMarkdown(issues, opts.dryRun));
      },
      secrets,
    );
    if (!desired) return EXIT.failed;
    const routing = routeOrReport(clients, desired, io, secrets);
    if (!routing) return EXIT.failed;
    const togglApi = routing.observed;
    let identity: PlanIdentity | undefined;
    const precheckCache = precheckFile.on
      ? openPrecheckFile({
          file: precheckFile.file,
          ttlMs: precheckFile.ttlMs,
          scope: routing.cacheScope,
          onHit: (request, ageMs) =>
            logger.debug(
              { request, age_s: Math.round(ageMs / 1000) },
              'pre-check answered by the on-disk cache, not sent',
            ),
        })
      : undefined;
    const result = await reconcile({
      ...settings,
      desired,
      api: togglApi,
      logger,
      signal,
      preflight: limitsPreflight({ api: togglApi, desired, logger, cache: precheckCache }),
      onApplied: opts.pingNew ? pingNewHook(togglApi, logger) : undefined,
      laneOf: routing.laneOf,
      identify: (observed) => {
        identity = planIdentity({
          ...observed,
          keyFor: routing.keyFor,
          showsSensitive: (text) => secrets.scrub(text) !== text,
        });
        return identity;
      },
      check:
        savedPlans && reviewed
          ? savedPlans.reviewedPlanCheck({ desired, saved, expectedHash: opts.expectPlanHash })
          : undefined,
    });
    precheckCache?.save();
    io.stdout.write(renderResult(result, opts.output, useColor(io), secrets.set));
    if (savedPlans && opts.outFile !== undefined) {
      try {
        const review = JSON.parse(renderJson(result, secrets.set));
        await savedPlans.writeSavedPlan({
          file: opts.outFile,
          result,
          identity,
          desired,
          paths,
          now: new Date(),
          review,
        });
        io.stderr.write(
          `Saved the plan to ${opts.outFile} (plan hash ${result.planHash}); apply exactly it with: sync --plan ${opts.outFile}\n`,
        );
      } catch (err) {
        if (!(err instanceof TwsError)) throw err;
        io.stderr.write(`error: ${secrets.scrub(err.message)}\n`);
        return EXIT.failed;
      }
    }
    return exitCodeFor(result, opts.detailedExitcode);
  };

  const stop = stopOnSignals({
    onStop: (sig) => {
      if (opts.watch)
        logger.info({ signal: sig }, 'stopping: a change in flight finishes, nothing else starts');
      else
        logger.warn(
          { signal: sig },
          'stopping: a change in flight finishes (press Ctrl-C again to quit now)',
        );
      clientStop.abort(new Error(`stopped by ${sig} before the API answered`));
    },
  });
  try {
    if (!opts.watch) return await once(stop.signal);
    const { runWatch } = await import('../daemon/watch.js');
    await runWatch({
      paths,
      logger,
      signal: stop.signal,
      printError: (text) => io.stderr.write(secrets.scrub(text)),
      runOnce: async (signal) => {
        await once(signal);
      },
    });
    return EXIT.ok;
  } finally {
    stop.dispose();
  }
}
