#!/usr/bin/env node
// Entrypoint of the GitHub Action (action.yml): the shared flow (action/flow.mjs) over GitHub's REST API.
// Runner contract used: GITHUB_EVENT_PATH, GITHUB_REPOSITORY, GITHUB_SHA, GITHUB_API_URL, GITHUB_SERVER_URL,
// GITHUB_RUN_ID, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY; settings as TWS_* (see action.yml).
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readSettings, requestJson } from './cli.mjs';
import { runFlow } from './flow.mjs';

const MAX_PAGES = 20;

export function githubForge(env, event) {
  const api = (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, '');
  const repo = env.GITHUB_REPOSITORY ?? '';
  const headers = {
    Authorization: `Bearer ${env.TWS_FORGE_TOKEN ?? ''}`,
    Accept: 'application/vnd.github+json',
    'X-GitHub-Api-Version': '2022-11-28',
    'User-Agent': 'toggl-webhooks-sync-action',
  };
  const call = async (method, path, body) =>
    (await requestJson(`${api}${path}`, { method, headers, body })).data;
  /** Every page of a list, following Link rel="next" on the same origin, up to MAX_PAGES. */
  const list = async (path) => {
    const items = [];
    let url = `${api}${path}${path.includes('?') ? '&' : '?'}per_page=100`;
    for (let page = 0; url && page < MAX_PAGES; page++) {
      const { data, headers: h } = await requestJson(url, { headers });
      if (!Array.isArray(data)) throw new Error(`GET ${new URL(url).pathname} did not answer a list`);
      items.push(...data);
      const next = /<([^>]+)>;\s*rel="next"/.exec(h.get('link') ?? '')?.[1];
      // A forged Link header cannot send the token to another host.
      url = next && new URL(next).origin === new URL(api).origin ? next : undefined;
    }
    return items;
  };
  const asComment = (c) => ({ id: c.id, url: c.html_url });
  return {
    noun: 'pull request',
    warning: '::warning::',
    ref: (n) => `#${n}`,
    // Only a bot can have written our comment: a human quoting the marker is never taken for it.
    isOurs: (c) => c.user?.type === 'Bot',
    listComments: (n) => list(`/repos/${repo}/issues/${n}/comments`),
    createComment: async (n, body) =>
      asComment(await call('POST', `/repos/${repo}/issues/${n}/comments`, { body })),
    updateComment: async (_n, id, body) =>
      asComment(await call('PATCH', `/repos/${repo}/issues/comments/${id}`, { body })),
    async mergedRequest(sha) {
      const pr = event.pull_request?.merged
        ? event.pull_request
        : (await list(`/repos/${repo}/commits/${sha}/pulls`)).find(
            (p) => p.merged_at && p.merge_commit_sha === sha,
          );
      return pr ? { number: pr.number, headSha: pr.head?.sha } : undefined;
    },
  };
}

export async function main(env = process.env) {
  const log = (line) => process.stdout.write(`${line}\n`);
  const settings = readSettings(env);
  // The runner masks these in its log from here on, whatever prints them.
  for (const s of settings.secrets) for (const line of s.split(/\r?\n/)) if (line) log(`::add-mask::${line}`);
  const event = env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(env.GITHUB_EVENT_PATH, 'utf8')) : {};
  const pr = event.pull_request;
  return runFlow(githubForge(env, event), settings, {
    env,
    log,
    request: pr ? { number: pr.number, headSha: pr.head?.sha } : undefined,
    sha: env.GITHUB_SHA,
    runUrl: `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`,
    summaryFile: env.GITHUB_STEP_SUMMARY,
    outputFile: env.GITHUB_OUTPUT,
  });
}

// Run as a program (also through a symlink, as `npm install --global` makes one), not when imported.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`::error::${e.message}\n`);
      process.exitCode = 1;
    },
  );
}
