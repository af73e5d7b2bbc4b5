import { InvalidArgumentError } from 'commander';
import { LOG_LEVEL_LIST, parseHttpUrl, parseLogLevel } from '../options.js';
import type { RegisterCommand } from '../register.js';

interface StatusFlags {
  output: 'text' | 'json';
  detailedExitcode?: boolean;
  apiUrl?: string;
}

function parseStatusOutput(value: string): 'text' | 'json' {
  const v = value.trim().toLowerCase();
  if (v === 'text' || v === 'json') return v;
  throw new InvalidArgumentError('expected one of text, json.');
}

export const registerStatus: RegisterCommand = (program, setExit) => {
  program
    .command('status')
    .description(
      'show the live state of each declared subscription: in sync, enabled, validated, pending events',
    )
    .argument('[paths...]', 'YAML files or directories, read recursively (default: ./subscriptions)')
    .option('-o, --output <format>', 'text or json', parseStatusOutput, 'text')
    .option('--detailed-exitcode', 'exit 2 when a change is pending or a subscription is unhealthy')
    .option(
      '--api-url <url>',
      'Toggl Webhooks API base URL (default: TOGGL_API_URL or the Toggl API)',
      parseHttpUrl,
    )
    // Accepted for symmetry with the other commands; status logs nothing of its own.
    .option('--log-level <level>', LOG_LEVEL_LIST, parseLogLevel)
    .action(async (paths: string[], flags: StatusFlags) => {
      const { runStatus } = await import('../../commands/status.js');
      setExit(
        await runStatus({
          paths,
          output: flags.output,
          detailedExitcode: flags.detailedExitcode === true,
          apiUrl: flags.apiUrl,
        }),
      );
    });
};
