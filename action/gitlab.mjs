#!/usr/bin/env node
// Entrypoint of the GitLab CI component (templates/toggl-webhooks-sync.yml): the shared flow
// (action/flow.mjs) over GitLab's REST API, with ONE merge-request note instead of a pull-request comment.
// Job variables used: CI_API_V4_URL, CI_PROJECT_ID, CI_MERGE_REQUEST_IID, CI_MERGE_REQUEST_SOURCE_BRANCH_SHA,
// CI_COMMIT_SHA, CI_JOB_URL, GITLAB_API_TOKEN (a project access token with the api scope; without it no
// note is written and sync mode cannot find the reviewed plan); settings as TWS_*.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSettings, requestJson } from './cli.mjs';
import { runFlow } from './flow.mjs';

const MAX_PAGES = 20;

export function gitlabForge(env) {
  const api = (env.CI_API_V4_URL ?? '').replace(/\/+$/, '');
  const project = `${api}/projects/${encodeURIComponent(env.CI_PROJECT_ID ?? '')}`;
  const headers = { 'PRIVATE-TOKEN': env.TWS_FORGE_TOKEN ?? '' };
  const call = async (method, url, body) => (await requestJson(url, { method, headers, body })).data;
  const list = async (url) => {
    const items = [];
    let next = `${url}${url.includes('?') ? '&' : '?'}per_page=100`;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const { data, headers: h } = await requestJson(next, { headers });
      if (!Array.isArray(data)) throw new Error(`GET ${new URL(next).pathname} did not answer a list`);
      items.push(...data);
      const link = /<([^>]+)>;\s*rel="next"/.exec(h.get('link') ?? '')?.[1];
      next = link && new URL(link).origin === new URL(api).origin ? link : undefined;
    }
    return items;
  };
  let me;
  const notes = (iid) => `${project}/merge_requests/${iid}/notes`;
  const asNote = (n) => ({
    id: n.id,
    url: `${env.CI_PROJECT_URL ?? ''}/-/merge_requests/${env.CI_MERGE_REQUEST_IID ?? ''}#note_${n.id}`,
  });
  return {
    noun: 'merge request',
    runLabel: 'job',
    ref: (iid) => `!${iid}`,
    // Notes written with this token's user only (a project access token is a bot user of its own).
    isOurs: (n) => !n.system && me !== undefined && n.author?.id === me,
    async listComments(iid) {
      me ??= (await call('GET', `${api}/user`)).id;
      return list(`${notes(iid)}?sort=asc&order_by=created_at`);
    },
    createComment: async (iid, body) => asNote(await call('POST', notes(iid), { body })),
    updateComment: async (iid, id, body) => asNote(await call('PUT', `${notes(iid)}/${id}`, { body })),
    async mergedRequest(sha) {
      const mrs = await list(`${project}/repository/commits/${sha}/merge_requests`);
      const mr = mrs.find((m) => m.state === 'merged');
      return mr ? { number: mr.iid, headSha: mr.sha } : undefined;
    },
  };
}

export async function main(env = process.env) {
  const log = (line) => process.stdout.write(`${line}\n`);
  const settings = readSettings({ ...env, TWS_FORGE_TOKEN: env.GITLAB_API_TOKEN });
  const iid = env.CI_MERGE_REQUEST_IID;
  const forge = gitlabForge({ ...env, TWS_FORGE_TOKEN: env.GITLAB_API_TOKEN });
  if (!env.GITLAB_API_TOKEN) {
    log(
      'GITLAB_API_TOKEN is not set: no merge-request note is written (the job log and artifacts have the plan)',
    );
    settings.comment = false;
  }
  return runFlow(forge, settings, {
    env,
    log,
    request: iid
      ? { number: Number(iid), headSha: env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA }
      : undefined,
    sha: env.CI_COMMIT_SHA,
    runUrl: env.CI_JOB_URL ?? '',
    summaryFile: env.TWS_REPORT_FILE || 'toggl-webhooks-report.md',
    outputFile: env.TWS_DOTENV_FILE || 'toggl-webhooks.env',
    // A dotenv report needs variable names: exit-code -> TWS_EXIT_CODE.
    outputName: (name) => `TWS_${name.toUpperCase().replace(/-/g, '_')}`,
  });
}

// Run as a program (also through a symlink, as `npm install --global` makes one), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`error: ${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
