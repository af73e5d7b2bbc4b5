// The CI flow shared by the GitHub Action and the GitLab component, over a small forge interface:
//   listComments(number), createComment(number, body), updateComment(number, id, body),
//   mergedRequest(sha) -> { number, headSha } | undefined, isOurs(comment) -> boolean.
// Plan mode: run `plan`, write ONE sticky comment (created once, then updated). Sync mode with
// reviewed-plan: required: apply only the plan hash found in the merged request's sticky comment,
// and post why when refused. docs/ci.md.
import { appendFileSync } from 'node:fs';
import { cliArgs, runCli, writeOutputs } from './cli.mjs';
import { composeBody, findSticky, outputsOf, parseReport, readPlanMarkers, scrub } from './report.mjs';

/**
 * @param forge the adapter above
 * @param settings from readSettings
 * @param ctx { env, request: { number, headSha } | undefined, sha, runUrl, summaryFile, outputFile,
 *   outputName?: (name) => name as written to outputFile, log }
 * @returns the exit code for the job step
 */
export async function runFlow(forge, settings, ctx) {
  const { log } = ctx;
  const noun = forge.noun ?? 'pull request';
  let request = ctx.request;
  let expectPlanHash;
  let refused;
  if (settings.mode === 'sync' && settings.reviewed === 'required') {
    request = await forge.mergedRequest(ctx.sha);
    if (!request) {
      refused = `no merged ${noun} found for commit ${ctx.sha}; with reviewed-plan: required only a reviewed plan is applied`;
    } else {
      const sticky = findSticky(await forge.listComments(request.number), forge.isOurs);
      const { planHash, headSha } = readPlanMarkers(sticky?.body);
      if (!planHash) {
        refused = `${noun} ${forge.ref(request.number)} has no successful plan comment to apply`;
      } else if (headSha && request.headSha && headSha !== request.headSha) {
        refused = `the plan comment on ${forge.ref(request.number)} is for commit ${headSha.slice(0, 7)}, but the ${noun}'s last commit is ${request.headSha.slice(0, 7)} (its plan did not finish)`;
      } else {
        expectPlanHash = planHash;
      }
    }
  }

  let result = { code: 1, stdout: '', stderr: '' };
  if (!refused) {
    const args = cliArgs({ ...settings, expectPlanHash });
    log(`toggl-webhooks-sync ${args.join(' ')}`);
    result = await runCli({ cli: settings.cli, args, env: ctx.env, extraEnv: settings.extraEnv });
  }
  const stdout = scrub(result.stdout, settings.secrets);
  const stderr = scrub(result.stderr, settings.secrets);
  process.stdout.write(stdout);
  process.stderr.write(refused ? `${refused}\n` : stderr);

  const { counts, planHash } = parseReport(settings.format, stdout);
  const commit = String(request?.headSha ?? ctx.sha ?? '').slice(0, 7);
  const body = composeBody({
    ...settings,
    exitCode: result.code,
    stdout,
    stderr,
    planHash,
    headSha: request?.headSha,
    footer: `toggl-webhooks-sync ${settings.mode}, commit ${commit}, [${forge.runLabel ?? 'run'}](${ctx.runUrl})`,
    refused,
  });
  if (ctx.summaryFile) appendFileSync(ctx.summaryFile, body);

  let comment;
  if (settings.comment && request?.number) {
    try {
      if (settings.mode === 'plan') {
        const sticky = findSticky(await forge.listComments(request.number), forge.isOurs);
        comment = sticky
          ? await forge.updateComment(request.number, sticky.id, body)
          : await forge.createComment(request.number, body);
      } else if (refused || result.code === 1) {
        // The plan comment stays as the record of what was reviewed; the refusal is a comment of its own.
        comment = await forge.createComment(request.number, body.slice(body.indexOf('\n') + 1));
      }
    } catch (e) {
      // A fork's read-only token cannot comment; the summary and the log still carry everything.
      log(`${forge.warning ?? ''}could not write the ${noun} comment: ${e.message}`);
    }
  }

  const exitCode = refused ? 1 : result.code;
  const outputs = outputsOf({ exitCode, counts, planHash, commentId: comment?.id, commentUrl: comment?.url });
  const rename = ctx.outputName ?? ((name) => name);
  writeOutputs(ctx.outputFile, Object.fromEntries(Object.entries(outputs).map(([k, v]) => [rename(k), v])));
  return exitCode === 1 && settings.failOnError ? 1 : 0;
}
