import { ConfigError, formatIssue } from '../errors.js';
import type { TogglApi } from '../toggl/types.js';
import { redact } from '../util/redact.js';
import { renderStatusJson, renderStatusText } from './render.js';
import { collectStatus, isPending, isUnhealthy, type StatusReport } from './report.js';

/** What `status` was asked to do, already parsed. */
export interface StatusOptions {
  paths: string[];
  output: 'text' | 'json';
  detailedExitcode: boolean;
  apiUrl?: string | undefined;
}

export interface StatusIo {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

const processIo: StatusIo = { env: process.env, stdout: process.stdout, stderr: process.stderr };

/**
 * `status [PATH...]`: load the files (invalid files: exit 1, no API call), then one GET per declared
 * workspace and nothing else, and print what each subscription looks like live.
 *
 * Exit codes: 1 when the files are invalid or a workspace could not be read; otherwise 0, or with
 * `--detailed-exitcode` 2 when something is pending or unhealthy (an enabled subscription that is not
 * validated, or one with pending events). Unhealthy is the receiver's state, not an error of this run,
 * so it only changes the exit code when asked to, like a non-empty plan.
 */
export async function runStatus(opts: StatusOptions, io: StatusIo = processIo): Promise<number> {
  const { loadDesiredState } = await import('../config/load.js');
  let desired: Awaited<ReturnType<typeof loadDesiredState>>;
  try {
    desired = await loadDesiredState(opts.paths, io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const n = err.issues.length;
    io.stderr.write(
      redact(
        `${err.issues.map(formatIssue).join('\n')}\n` +
          `error: ${n} problem${n === 1 ? '' : 's'} in the configuration; nothing was read\n`,
      ),
    );
    return 1;
  }
  const { clientConfigFromEnv } = await import('../toggl/config.js');
  const { TogglClient } = await import('../toggl/client.js');
  const overrides: Record<string, unknown> = { quotaMode: 'fail' };
  if (opts.apiUrl !== undefined) overrides['apiUrl'] = opts.apiUrl;
  const api = new TogglClient(clientConfigFromEnv(io.env, overrides)) as TogglApi;
  const report = await collectStatus(desired, api);
  io.stdout.write(redact(opts.output === 'json' ? renderStatusJson(report) : renderStatusText(report)));
  return statusExitCode(report, opts.detailedExitcode);
}

export function statusExitCode(report: StatusReport, detailed: boolean): number {
  if (report.workspaces.some((w) => w.error !== undefined)) return 1;
  if (!detailed) return 0;
  const all = report.workspaces.flatMap((w) => w.subscriptions);
  return all.some((s) => isPending(s) || isUnhealthy(s)) ? 2 : 0;
}
