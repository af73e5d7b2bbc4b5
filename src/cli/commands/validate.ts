import { Option } from 'commander';
import { ConfigError, formatIssue } from '../../errors.js';
import { redact } from '../../util/redact.js';
import type { RegisterCommand } from '../main.js';

interface ValidateOptions {
  output: 'text' | 'json';
}

/**
 * `validate [PATH...]`: the schema and merge checks only. It needs no token and opens no connection,
 * so it can run on any pull request; `${NAME}` references are still checked against the environment
 * (an unset variable is an error here too, as it would be for `sync`).
 */
export const registerValidate: RegisterCommand = (program, setExit) => {
  program
    .command('validate')
    .description('check subscription files; needs no token and makes no API call')
    .argument('[paths...]', 'files or directories (default: ./subscriptions)')
    .addOption(
      new Option('-o, --output <format>', 'text, or json on stdout')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action(async (paths: string[] | undefined, options: ValidateOptions) => {
      const { loadDesiredState } = await import('../../config/load.js');
      const out = (text: string) => process.stdout.write(redact(text));
      const err = (text: string) => process.stderr.write(redact(text));
      try {
        const state = await loadDesiredState(paths ?? []);
        const subscriptions = state.workspaces.reduce((n, ws) => n + ws.subscriptions.size, 0);
        if (options.output === 'json') {
          out(
            `${JSON.stringify({
              valid: true,
              files: state.files.length,
              workspaces: state.workspaces.length,
              subscriptions,
              errors: [],
            })}\n`,
          );
        } else {
          out(
            `OK: ${count(state.files.length, 'file')}, ${count(state.workspaces.length, 'workspace')}, ` +
              `${count(subscriptions, 'subscription')}\n`,
          );
        }
        setExit(0);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        if (options.output === 'json') {
          const errors = error.issues.map(({ file, line, col, message }) => ({ file, line, col, message }));
          out(`${JSON.stringify({ valid: false, errors })}\n`);
        } else {
          err(`${error.issues.map(formatIssue).join('\n')}\n`);
        }
        setExit(1);
      }
    });
};

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
