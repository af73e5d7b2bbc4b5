import { Command, CommanderError } from 'commander';
import { describeError } from '../errors.js';
import { VERSION } from '../version.js';
import { registerDaemon } from './commands/daemon.js';
import { registerEmulator } from './commands/emulator.js';
import { registerExport } from './commands/export.js';
import { registerStatus } from './commands/status.js';
import { registerSync } from './commands/sync.js';
import { registerValidate } from './commands/validate.js';
import { hideUrlArgument } from './options.js';

/**
 * Builds the CLI. Each command lives in its own module under `commands/` and imports its
 * implementation lazily inside the action, so `validate` does not pay for got, pino or prom-client.
 * An action resolves to the process exit code (docs/outputs.md#exit-codes).
 */
export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command('toggl-webhooks-sync')
    .description('GitOps for Toggl Track webhook subscriptions')
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .option(
      '--insecure-http',
      'allow a plain http:// API URL to another host (the token travels in clear; same as TOGGL_ALLOW_INSECURE_HTTP=1)',
    )
    .exitOverride()
    // commander quotes an invalid option's argument in its error; an API URL may carry a credential.
    .configureOutput({ outputError: (text, write) => write(hideUrlArgument(text)) });
  // One switch for every command that talks to the API; the client reads it where it reads its
  // other settings (src/toggl/config.ts).
  program.hook('preAction', (cmd) => {
    if (cmd.opts()['insecureHttp'] === true) process.env['TOGGL_ALLOW_INSECURE_HTTP'] = '1';
  });
  for (const register of [
    registerValidate,
    registerSync,
    registerDaemon,
    registerExport,
    registerStatus,
    registerEmulator,
  ]) {
    register(program, setExit);
  }
  return program;
}

/** Runs the CLI and returns the exit code; user errors are printed without a stack trace. */
export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here with exit code 0; usage errors with 1.
      return err.exitCode === 0 ? 0 : 1;
    }
    // Loaded on the error path only, so `--version` and `validate` do not pay for it.
    const { scrubUncaught } = await import('../commands/shell.js');
    process.stderr.write(`${await scrubUncaught(describeError(err), process.env)}\n`);
    return 1;
  }
}
