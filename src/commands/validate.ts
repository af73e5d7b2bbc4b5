import { EXIT, type Io, loadOrReport, printConfigIssues, processIo } from './shell.js';

export interface ValidateOptions {
  paths: string[];
  output: 'text' | 'json';
}

/**
 * `validate [PATH...]` (docs/commands.md): the schema and merge checks only. It needs no token and
 * opens no connection, so it can run on any pull request; `${NAME}` references are still checked
 * against the environment (an unset variable is an error here too, as it would be for `sync`).
 */
export async function runValidate(opts: ValidateOptions, io: Io = processIo): Promise<number> {
  // The loader's words about the user's files: never a value from the environment (docs/secrets.md).
  const out = (text: string) => io.stdout.write(text);
  const state = await loadOrReport(opts.paths, io, (issues) => {
    if (opts.output === 'json') {
      const errors = issues.map(({ file, line, col, message }) => ({ file, line, col, message }));
      out(`${JSON.stringify({ valid: false, errors })}\n`);
    } else {
      printConfigIssues(io, issues);
    }
  });
  if (!state) return EXIT.failed;
  const subscriptions = state.workspaces.reduce((n, ws) => n + ws.subscriptions.size, 0);
  if (opts.output === 'json') {
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
  return EXIT.ok;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
