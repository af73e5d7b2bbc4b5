import { RunSecrets } from '../sensitive/run-secrets.js';
import { renderStatusJson, renderStatusText } from '../status/render.js';
import { collectStatus, isPending, isUnhealthy, type StatusReport } from '../status/report.js';
import { EXIT, type Io, loadOrReport, makeClient, printConfigIssues, processIo } from './shell.js';

/** What `status` was asked to do, parsed by src/cli/. */
export interface StatusOptions {
  paths: string[];
  output: 'text' | 'json';
  detailedExitcode: boolean;
  apiUrl?: string | undefined;
}

/**
 * `status [PATH...]` (docs/commands.md): load the files (invalid files: exit 1, no API call), then one
 * GET per declared workspace and nothing else, and print what each subscription looks like live.
 */
export async function runStatus(opts: StatusOptions, io: Io = processIo): Promise<number> {
  const secrets = new RunSecrets();
  const desired = await loadOrReport(
    opts.paths,
    io,
    (issues) => printConfigIssues(io, issues, 'nothing was read'),
    secrets,
  );
  if (!desired) return EXIT.failed;
  const { QuotaBudget } = await import('../toggl/budget.js');
  const budget = new QuotaBudget();
  const { api } = await makeClient(io, {
    apiUrl: opts.apiUrl,
    quotaMode: 'fail',
    secrets,
    hooks: {
      // The quota headers of its own answers: printed with what a daemon's share of them would be.
      onResponse: (info) =>
        budget.observe(
          'default',
          { status: info.status, remaining: info.quotaRemaining, resetsIn: info.quotaResetsIn },
          Date.now(),
        ),
    },
  });
  const report = await collectStatus(desired, api);
  report.quota = budget.view('default', Date.now());
  io.stdout.write(
    opts.output === 'json' ? renderStatusJson(report, secrets.set) : renderStatusText(report, secrets.set),
  );
  return statusExitCode(report, opts.detailedExitcode);
}

/**
 * 1 when a workspace could not be read; otherwise 0, or with `--detailed-exitcode` 2 when something is
 * pending or unhealthy (an enabled subscription that is not validated, or one with pending events).
 * Unhealthy is the receiver's state, not an error of this run, so it only changes the exit code when
 * asked to, like a non-empty plan.
 */
export function statusExitCode(report: StatusReport, detailed: boolean): number {
  if (report.workspaces.some((w) => w.error !== undefined)) return EXIT.failed;
  if (!detailed) return EXIT.ok;
  const all = report.workspaces.flatMap((w) => w.subscriptions);
  return all.some((s) => isPending(s) || isUnhealthy(s)) ? EXIT.changes : EXIT.ok;
}
