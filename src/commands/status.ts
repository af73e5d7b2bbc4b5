import { RunSecrets } from '../sensitive/run-secrets.js';
import { renderStatusJson, renderStatusText } from '../status/render.js';
import { collectStatus, isPending, isUnhealthy, type StatusReport } from '../status/report.js';
import type { BudgetView } from '../toggl/budget.js';
import { EXIT, type Io, loadOrReport, printConfigIssues, processIo, routeOrReport } from './shell.js';

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
  const [{ QuotaBudget }, { TokenClients }] = await Promise.all([
    import('../toggl/budget.js'),
    import('../apply/token-clients.js'),
  ]);
  const budget = new QuotaBudget();
  // One client per token alias the files name, as `sync` does (docs/configuration.md, "Several
  // organisations"): each workspace is read with its own organisation's token.
  const clients = new TokenClients(
    io.env,
    { quotaMode: 'fail', ...(opts.apiUrl !== undefined ? { apiUrl: opts.apiUrl } : {}) },
    (alias) => ({
      onToken: (token) => secrets.addToken(token),
      // The quota headers of its own answers: printed with what a daemon's share of them would be.
      onResponse: (info) =>
        budget.observe(
          alias,
          { status: info.status, remaining: info.quotaRemaining, resetsIn: info.quotaResetsIn },
          Date.now(),
        ),
    }),
  );
  const routing = routeOrReport(clients, desired, io, secrets);
  if (!routing) return EXIT.failed;
  const report = await collectStatus(desired, routing.observed);
  report.quota = scarcestQuota(
    [...new Set(desired.workspaces.map((ws) => routing.laneOf(ws.workspace_id)))].map((alias) =>
      budget.view(alias, Date.now()),
    ),
  );
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

/** With several tokens, the quota line is about the one closest to running out: the one to watch. */
function scarcestQuota(views: BudgetView[]): BudgetView | undefined {
  const known = views.filter((v) => v.remaining !== undefined);
  if (known.length === 0) return views[0];
  return known.reduce((a, b) => ((b.remaining as number) < (a.remaining as number) ? b : a));
}
