import { createPrecheckCache, limitsPreflight } from '../apply/prechecks.js';
import { reconcile } from '../apply/reconcile.js';
import type { RunSettings } from '../apply/types.js';
import { loadDesiredState } from '../config/load.js';
import { Daemon, type DaemonLogger } from '../daemon/daemon.js';
import type { ListenAddress } from '../daemon/listen.js';
import { startProbeServer } from '../daemon/server.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, MetricsRecorder } from '../metrics/index.js';
import { RunSecrets } from '../sensitive/run-secrets.js';
import { QuotaBudget } from '../toggl/budget.js';
import { EXIT, type Io, makeClient, processIo, stopOnSignals } from './shell.js';

/** `daemon` as parsed by src/cli/commands/daemon.ts. */
export interface DaemonCommandOptions extends RunSettings {
  paths: string[];
  intervalMs: number;
  listen: ListenAddress;
  logLevel: string;
  /** `--api-url`; overrides TOGGL_API_URL. */
  apiUrl?: string | undefined;
  /** File-change triggers (default true). */
  watch?: boolean;
  /** Share of the API quota periodic reconciles may spend (src/toggl/budget.ts). Default 0.25. */
  quotaShare?: number;
}

/** The budget key of the token the daemon uses; metrics and logs name the alias, never the token. */
const TOKEN_ALIAS = 'default';

/**
 * `daemon [PATH...]` (docs/daemon-and-metrics.md): runs until SIGTERM or SIGINT, then stops gracefully
 * and resolves to 0. A missing token or a port already in use fail at start (thrown, so the CLI prints
 * `error: ...` and exits 1).
 */
export async function runDaemon(opts: DaemonCommandOptions, io: Io = processIo): Promise<number> {
  // Grows with every load and answer; logs and metric labels read it (docs/secrets.md).
  const secrets = new RunSecrets();
  const logger = createLogger({ level: opts.logLevel, json: true, secrets }) as unknown as DaemonLogger;
  const recorder = new MetricsRecorder(createMetrics(), secrets);
  // Installed first: a SIGTERM during start-up still ends in a graceful stop and exit code 0.
  const stop = stopOnSignals({
    onForce: (sig) => logger.warn({ signal: sig }, 'second signal: exiting now'),
  });
  const settings: RunSettings = { dryRun: opts.dryRun, allowMassDelete: opts.allowMassDelete };

  const budget = new QuotaBudget(opts.quotaShare === undefined ? {} : { share: opts.quotaShare });
  const { api } = await makeClient(io, {
    apiUrl: opts.apiUrl,
    quotaMode: 'wait',
    secrets,
    hooks: {
      onResponse: (info) => {
        recorder.apiResponse(info);
        // Said every time: at most one line per request, and a broken proxy or API should be seen.
        if (info.quotaProblem) logger.warn({ method: info.method, path: info.path }, info.quotaProblem);
        const now = Date.now();
        budget.observe(
          TOKEN_ALIAS,
          { status: info.status, remaining: info.quotaRemaining, resetsIn: info.quotaResetsIn },
          now,
        );
        recorder.quotaBudget(budget.view(TOKEN_ALIAS, now));
      },
      onRetry: (info) => logger.warn({ ...info }, 'retrying an API request'),
      // A stop cancels the client's waits (spacing, backoff, a quota reset that may be an hour
      // away); the request on the wire finishes.
      signal: stop.signal,
    },
  });
  // GET /limits and /event_filters answers change rarely; keeping them spares the quota.
  const precheckCache = createPrecheckCache();

  const daemon = new Daemon({
    paths: opts.paths,
    intervalMs: opts.intervalMs,
    ...settings,
    logger,
    metrics: recorder,
    load: async () => {
      const desired = await loadDesiredState(opts.paths, io.env);
      secrets.addDesired(desired);
      return desired;
    },
    reconcile: ({ desired, signal, logger: log, ...runSettings }) =>
      reconcile({
        ...runSettings,
        desired,
        api,
        signal,
        logger: log,
        preflight: limitsPreflight({ api, desired, logger: log, cache: precheckCache }),
      }),
    watch: opts.watch ?? true,
    // One GET per declared workspace is what a periodic reconcile costs when nothing changed.
    pace: (desired, dueAt) => budget.nextPeriodic(TOKEN_ALIAS, Math.max(1, desired.workspaces.length), dueAt),
  });

  const server = await startProbeServer({
    host: opts.listen.host,
    port: opts.listen.port,
    registry: recorder.metrics.registry,
    isReady: () => daemon.ready,
    notReadyReason: () => daemon.notReadyReason,
  });
  logger.info(
    {
      url: server.url,
      // HOST:PORT as well: the logger's URL redaction normalises `url`, and scripts want the port.
      listen: new URL(server.url).host,
      interval_ms: opts.intervalMs,
      dry_run: opts.dryRun,
      paths: opts.paths.length > 0 ? opts.paths : ['./subscriptions'],
    },
    'serving /metrics, /healthz and /readyz',
  );

  try {
    await daemon.start();
  } catch (err) {
    logger.error({ err: String(err) }, 'the daemon could not start');
    await daemon.stop();
    await server.close();
    stop.dispose();
    throw err;
  }
  const sig = await stop.stopped;
  logger.info({ signal: sig }, 'stopping: no new reconcile; a change in flight finishes');
  await daemon.stop();
  await server.close();
  logger.info({ reconciles: daemon.completed }, 'stopped');
  return EXIT.ok;
}
