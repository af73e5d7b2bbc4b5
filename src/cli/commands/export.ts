import { InvalidArgumentError } from 'commander';
import { LOG_LEVEL_LIST, type LogLevel, parseHttpUrl, parseLogLevel } from '../options.js';
import type { RegisterCommand } from '../register.js';

interface ExportFlags {
  workspace: number[];
  out?: string;
  schema?: string;
  apiUrl?: string;
  logLevel?: LogLevel;
}

function collectWorkspace(value: string, previous: number[] | undefined): number[] {
  const id = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(id) || id < 1) {
    throw new InvalidArgumentError('expected a workspace id (a positive integer).');
  }
  return [...(previous ?? []), id];
}

function parseExportFormat(value: string): 'yaml' {
  const v = value.trim().toLowerCase();
  if (v === 'yaml' || v === 'yml') return 'yaml';
  throw new InvalidArgumentError(
    `export writes YAML only (-o is the output format, as in every command); to write a file use --out ${value}.`,
  );
}

export const registerExport: RegisterCommand = (program, setExit) => {
  program
    .command('export')
    .description(
      'print the live subscriptions of workspaces as YAML, to adopt them (secrets are never exported)',
    )
    .requiredOption('-w, --workspace <id>', 'workspace to export (repeat for several)', collectWorkspace)
    // -o is the output format in every command; the file is --out. `export -o json` used to write a
    // file named json; now it is refused with the way to do either.
    .option('-o, --output <format>', 'yaml (the only format export writes)', parseExportFormat, 'yaml')
    .option('--out <file>', 'write the YAML to this file instead of stdout')
    .option('--schema <ref>', "what the file's `$schema` modeline points at (default: the schema's URL)")
    .option(
      '--api-url <url>',
      'Toggl Webhooks API base URL (default: TOGGL_API_URL or the Toggl API)',
      parseHttpUrl,
    )
    .option('--log-level <level>', `${LOG_LEVEL_LIST} (default: warn)`, parseLogLevel)
    .action(async (flags: ExportFlags) => {
      const { runExport } = await import('../../commands/export.js');
      setExit(
        await runExport({
          workspaces: flags.workspace,
          out: flags.out,
          schemaRef: flags.schema,
          apiUrl: flags.apiUrl,
          logLevel: flags.logLevel ?? 'warn',
        }),
      );
    });
};
