import { Option } from 'commander';
import { parseListen } from '../../daemon/listen.js';
import {
  LOG_LEVEL_LIST,
  type LogLevel,
  parseHttpUrl,
  parseInterval,
  parseLogLevel,
  parseQuotaShare,
} from '../options.js';
import type { RegisterCommand } from '../register.js';

interface DaemonFlags {
  interval: number;
  listen: { host: string; port: number };
  dryRun?: boolean;
  allowMassDelete?: boolean;
  logLevel: LogLevel;
  apiUrl?: string;
  watch: boolean;
  quotaShare: number;
}

export const registerDaemon: RegisterCommand = (program, setExit) => {
  program
    .command('daemon')
    .description(
      'reconcile at start, every --interval and on file change; serve /metrics, /healthz and /readyz',
    )
    .argument('[paths...]', 'YAML files or directories, read recursively (default: ./subscriptions)')
    .addOption(
      new Option(
        '--interval <duration>',
        'time between periodic reconciles, ±10% jitter (1s to 7d, e.g. 30s, 10m, 1h)',
      )
        .argParser(parseInterval)
        .default(600_000, '10m'),
    )
    .addOption(
      new Option('--listen <host:port>', 'address of the metrics and probe server')
        .argParser(parseListen)
        .default({ host: '0.0.0.0', port: 9464 }, '0.0.0.0:9464'),
    )
    .option('--dry-run', 'observe only: report drift in metrics and logs, change nothing')
    .option(
      '--allow-mass-delete',
      'let through a plan that deletes all, or most, live subscriptions of a workspace',
    )
    .option('--log-level <level>', LOG_LEVEL_LIST, parseLogLevel, 'info')
    .option(
      '--api-url <url>',
      'Toggl Webhooks API base URL (default: TOGGL_API_URL or the Toggl API)',
      parseHttpUrl,
    )
    .addOption(
      new Option(
        '--quota-share <fraction>',
        'share of the API quota periodic reconciles may spend; the rest is left to CI and other users',
      )
        .argParser(parseQuotaShare)
        .default(0.25, '0.25'),
    )
    .option('--no-watch', 'do not watch the files: reconcile only at start and every interval')
    .action(async (paths: string[], flags: DaemonFlags) => {
      const { runDaemon } = await import('../../commands/daemon.js');
      setExit(
        await runDaemon({
          paths,
          intervalMs: flags.interval,
          listen: flags.listen,
          dryRun: flags.dryRun === true,
          allowMassDelete: flags.allowMassDelete === true,
          logLevel: flags.logLevel,
          apiUrl: flags.apiUrl,
          watch: flags.watch,
          quotaShare: flags.quotaShare,
        }),
      );
    });
};
