import type { Command } from 'commander';
import {
  LOG_LEVEL_LIST,
  type LogLevel,
  type OutputFormat,
  parseHttpUrl,
  parseLogLevel,
  parseOutputFormat,
  parsePlanHash,
  parsePositiveDuration,
} from '../options.js';
import type { RegisterCommand } from '../register.js';

interface SyncFlags {
  dryRun?: boolean;
  output: OutputFormat;
  detailedExitcode?: boolean;
  allowMassDelete?: boolean;
  apiUrl?: string;
  logLevel?: LogLevel;
  watch?: boolean;
  pingNew?: boolean;
  out?: string;
  plan?: string;
  expectPlanHash?: string;
  maxPlanAge?: number;
}

/** The options `sync` and `plan` share. */
function common(cmd: Command): Command {
  return cmd
    .argument('[paths...]', 'YAML files or directories, read recursively (default: ./subscriptions)')
    .option('-o, --output <format>', 'text, json or markdown', parseOutputFormat, 'text')
    .option('--detailed-exitcode', 'exit 2 when the run succeeded and the plan was not empty')
    .option(
      '--allow-mass-delete',
      'let through a plan that deletes all, or most, live subscriptions of a workspace',
    )
    .option(
      '--api-url <url>',
      'Toggl Webhooks API base URL (default: TOGGL_API_URL or the Toggl API)',
      parseHttpUrl,
    )
    .option('--log-level <level>', `${LOG_LEVEL_LIST} (default: warn; info with --watch)`, parseLogLevel)
    .option('--watch', 'sync again after every change to the inputs, until Ctrl-C');
}

export const registerSync: RegisterCommand = (program, setExit) => {
  const run = async (paths: string[], flags: SyncFlags, dryRun: boolean) => {
    const { runSync } = await import('../../commands/sync.js');
    setExit(
      await runSync({
        paths,
        dryRun,
        output: flags.output,
        detailedExitcode: flags.detailedExitcode === true,
        allowMassDelete: flags.allowMassDelete === true,
        apiUrl: flags.apiUrl,
        logLevel: flags.logLevel ?? (flags.watch ? 'info' : 'warn'),
        watch: flags.watch === true,
        pingNew: flags.pingNew === true,
        outFile: flags.out,
        planFile: flags.plan,
        expectPlanHash: flags.expectPlanHash,
        maxPlanAgeMs: flags.maxPlanAge,
      }),
    );
  };

  common(
    program
      .command('sync')
      .description('make the live subscriptions match the files: list, plan, apply')
      .option('--dry-run', 'plan only: show what would change and change nothing')
      // Not on `plan`: a plan changes nothing, so there is nothing new to ping.
      .option(
        '--ping-new',
        'ping each subscription once after it is created or its URL changes, to validate it',
      )
      .option(
        '--plan <file>',
        'apply exactly the plan saved by plan --out, or refuse naming what changed since (docs/ci.md)',
      )
      .option(
        '--expect-plan-hash <hash>',
        'apply only if the plan made now has this hash (from a reviewed plan), else refuse',
        parsePlanHash,
      )
      .option(
        '--max-plan-age <duration>',
        'refuse a --plan file older than this (default: 24h)',
        parsePositiveDuration,
      ),
  ).action((paths: string[], flags: SyncFlags) => run(paths, flags, flags.dryRun === true));

  common(
    program
      .command('plan')
      .description('show what sync would change, and change nothing (sync --dry-run)')
      .option('--out <file>', 'also save the plan for review and for sync --plan (docs/ci.md)'),
  ).action((paths: string[], flags: SyncFlags) => run(paths, flags, true));
};
