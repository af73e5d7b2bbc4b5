import { createPrecheckCache, limitsPreflight } from '../apply/prechecks.js';
import { reconcile } from '../apply/reconcile.js';
import { loadDesiredState } from '../config/load.js';
import { createLogger } from '../log/logger.js';
import { createMetrics, MetricsRecorder } from '../metrics/index.js';
import { TogglClient } from '../toggl/client.js';
import { clientConfigFromEnv } from '../toggl/config.js';
import { redact } from '../util/redact.js';
import { Daemon, type DaemonLogger } from './daemon.js';
import type { ListenAddress } from './listen.js';
import { startProbeServer } from './server.js';

/** `daemon` as parsed by the command (src/cli/commands/daemon.ts). */
export interface DaemonCommandOptions {
  paths: string[];
  intervalMs: number;
  listen: ListenAddress;
  dryRun: boolean;
  allowMassDelete: boolean;
  logLevel: string;
  /** `--api-url`; overrides TOGGL_API_URL. */
  apiUrl?: string | undefined;
  /** File-change triggers (default true). */
  watch?: boolean;
}

/**
 * Runs the daemon until SIGTERM or SIGINT, then stops gracefully and resolves to 0. A missing token
 * or a port already in use fail at start (thrown, so the CLI prints `error: ...` and exits 1).
 */
export async function runDaemon(
  opts: DaemonCommandOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const logger = createLogger({ level: opts.logLevel, json: true }) as unknown as DaemonLogger;
  const recorder = new MetricsRecorder(createMetrics());
  const stop = new AbortController();
  // Installed first: a SIGTERM during start-up still ends in a graceful stop and exit code 0.
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (sig: NodeJS.Signals) => {
      if (stop.signal.aborted) {
        logger.warn({ signal: sig }, 'second signal: exiting now');
        process.exit(1);
      }
      stop.abort();
      resolve(sig);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });

  const overrides: Record<string, unknown> = { quotaMode: 'wait' };
  if (opts.apiUrl !== undefined) overrides['apiUrl'] = opts.apiUrl;
  const api = new TogglClient(clientConfigFromEnv(env, overrides), {
    onResponse: (info) => recorder.apiResponse(info),
    onRetry: (info) => logger.warn({ ...info }, 'retrying an API request'),
    // A stop cancels the client's waits (spacing, backoff, a quota reset that may be an hour away);
    // the request on the wire finishes.
    signal: stop.signal,
  });
  // GET /limits and /event_filters answers change rarely; keeping them spares the quota.
  const precheckCache = createPrecheckCache();

  const daemon = new Daemon({
    paths: opts.paths,
    intervalMs: opts.intervalMs,
    dryRun: opts.dryRun,
    allowMassDelete: opts.allowMassDelete,
    logger,
    metrics: recorder,
    load: () => loadDesiredState(opts.paths, env),
    reconcile: ({ desired, dryRun, allowMassDelete, signal, logger: log }) =>
      reconcile({
        desired,
        api,
        dryRun,
        allowMassDelete,
        signal,
        logger: log,
        preflight: limitsPreflight({ api, desired, logger: log, cache: precheckCache }),
      }),
    watch: opts.watch ?? true,
  });

  const server = await startProbeServer({
    host: opts.listen.host,
    port: opts.listen.port,
    registry: recorder.metrics.registry,
    isReady: () => daemon.ready,
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
    logger.error({ err: redact(String(err)) }, 'the daemon could not start');
    await daemon.stop();
    await server.close();
    throw err;
  }
  const sig = await stopped;
  logger.info({ signal: sig }, 'stopping: no new reconcile; the API call in flight finishes');
  await daemon.stop();
  await server.close();
  logger.info({ reconciles: daemon.completed }, 'stopped');
  return 0;
}
