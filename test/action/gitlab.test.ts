import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type JsonObject, ROOT, read } from '../shipping/helpers.js';
import { fakeBin, obj, POSIX_SH, runScript, tempDir } from '../shipping/scripts.js';
import { assertBuilt } from '../support/cli.js';
import { type FakeGitLab, startFakeGitLab } from '../support/fake-forge.js';

// The GitLab CI component run as a GitLab runner would: the template's spec inputs interpolated, its job
// variables and script run with sh, `npm root --global` answering a directory where the package is this
// repository (what `npm install --global` would have made), and CI_API_V4_URL pointing at a GitLab API
// stand-in on loopback.

const PROJECT = '3';
const GITLAB_TOKEN = 'glpat-FakeProjectToken-0123456789';
const TOGGL_TOKEN = 'toggl-token-GitLab-77aa';
const SLACK_SECRET = 'slack-Secret-From-CI-Var-91';
const HEAD = '0123456789abcdef0123456789abcdef01234567';
const MERGE = 'abcdefabcdefabcdefabcdefabcdefabcdefabcd';

const [specDoc, jobsDoc] = parseAllDocuments(read('templates/toggl-webhooks-sync.yml')).map(
  (d) => d.toJSON() as JsonObject,
);
const inputs = obj(obj(obj(specDoc).spec).inputs);

/** The template's job with `$[[ inputs.x ]]` interpolated from `given` or the spec defaults. */
function job(given: Record<string, string>): JsonObject {
  const text = JSON.stringify(jobsDoc).replace(/\$\[\[ inputs\.([\w-]+) \]\]/g, (_m, name: string) => {
    const spec = obj(inputs[name]);
    const value = given[name] ?? String(spec.default ?? '');
    if (Array.isArray(spec.options)) expect(spec.options.map(String)).toContain(value);
    return JSON.stringify(value).slice(1, -1);
  });
  const doc = JSON.parse(text) as JsonObject;
  const name = `toggl-webhooks-${given.mode ?? 'plan'}`;
  return obj(doc[name]);
}

let gl: FakeGitLab;
let emu: Emulator;
beforeAll(async () => {
  assertBuilt();
  gl = await startFakeGitLab(PROJECT, { perPage: 2 });
  emu = await startEmulator({ port: 0, token: TOGGL_TOKEN, workspaces: [1234567], callbackCheck: false });
});
afterAll(async () => {
  await gl.close();
  await emu.close();
});

function checkout(description: string, broken = false): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'subscriptions'));
  writeFileSync(
    join(dir, 'subscriptions/team.yaml'),
    `workspace_id: 1234567\nsubscriptions:\n  - description: "${description}"\n    url_callback: https://hooks.example.com/t\n    secret: \${SLACK_HOOK_SECRET}\n    event_filters:\n      - { entity: project, action: created }\n${broken ? '  - [\n' : ''}`,
  );
  // `npm root --global` -> a directory whose toggl-webhooks-sync is this repository (built).
  const globalRoot = join(dir, '.npm-global');
  mkdirSync(globalRoot);
  symlinkSync(ROOT, join(globalRoot, 'toggl-webhooks-sync'));
  fakeBin(dir, 'npm', `#!/bin/sh\n[ "$1 $2" = "root --global" ] && echo "${globalRoot}"\n`);
  return dir;
}

async function runJob(given: Record<string, string>, dir: string, ci: Record<string, string>) {
  const j = job(given);
  const vars = Object.fromEntries(Object.entries(obj(j.variables)).map(([k, v]) => [k, String(v)]));
  const env: Record<string, string> = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    HOME: process.env.HOME ?? '/tmp',
    CI_API_V4_URL: gl.url,
    CI_PROJECT_ID: PROJECT,
    CI_PROJECT_URL: 'https://gitlab.example/acme/subs',
    CI_JOB_URL: 'https://gitlab.example/acme/subs/-/jobs/9',
    GITLAB_API_TOKEN: GITLAB_TOKEN,
    TOGGL_API_TOKEN: TOGGL_TOKEN,
    TOGGL_API_URL: emu.url,
    TOGGL_REQUEST_SPACING_MS: '0',
    SLACK_HOOK_SECRET: SLACK_SECRET,
    ...vars,
    ...ci,
  };
  const r = await runScript(POSIX_SH, (j.script as string[]).join('\n'), dir, env);
  const dotenv = Object.fromEntries(
    readFileSync(join(dir, 'toggl-webhooks.env'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const report = readFileSync(join(dir, 'toggl-webhooks-report.md'), 'utf8');
  const all = [r.stdout, r.stderr, report, ...gl.requests.map((q) => q.path + q.body)].join('\n');
  for (const s of [GITLAB_TOKEN, TOGGL_TOKEN, SLACK_SECRET]) expect(all).not.toContain(s);
  return { ...r, dotenv, report };
}

describe('the GitLab component', () => {
  it('declares its inputs with defaults and runs in merge requests (plan) or the default branch (sync)', () => {
    expect(Object.keys(inputs).sort()).toEqual(
      ['env', 'image', 'mode', 'output-format', 'paths', 'reviewed-plan', 'stage', 'version'].sort(),
    );
    const rules = JSON.stringify(job({}).rules);
    expect(rules).toContain('$TWS_MODE == \\"plan\\" && $CI_PIPELINE_SOURCE == \\"merge_request_event\\"');
    expect(rules).toContain('$TWS_MODE == \\"sync\\" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
    expect(obj(obj(job({}).artifacts).reports).dotenv).toBe('toggl-webhooks.env');
  });

  it('plan: posts one merge-request note, then updates it; other users quoting the marker are left alone', async () => {
    const IID = 9;
    gl.notes.set(IID, [
      { id: 1, body: 'looks good', author: { id: 5, username: 'alice' }, system: false, updated_at: '' },
      {
        id: 2,
        body: '<!-- toggl-webhooks-sync-plan -->\nquoted',
        author: { id: 6, username: 'mallory' },
        system: false,
        updated_at: '',
      },
      { id: 3, body: 'added 1 commit', author: { id: 5, username: 'alice' }, system: true, updated_at: '' },
    ]);
    const ci = {
      CI_MERGE_REQUEST_IID: String(IID),
      CI_MERGE_REQUEST_SOURCE_BRANCH_SHA: HEAD,
      CI_COMMIT_SHA: HEAD,
    };
    const first = await runJob({}, checkout('Slack: new projects'), ci);
    expect(first.code, first.stderr).toBe(0);
    expect(first.dotenv).toMatchObject({ TWS_EXIT_CODE: '2', TWS_CREATE: '1', TWS_DELETE: '0' });
    const mine = () => (gl.notes.get(IID) ?? []).filter((n) => n.author.id === gl.tokenUser.id);
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.body).toContain(`<!-- toggl-webhooks-sync:plan-hash=${first.dotenv.TWS_PLAN_HASH} -->`);
    expect(mine()[0]?.body).toContain('Slack: new projects');
    expect(first.report).toBe(mine()[0]?.body);

    const second = await runJob({}, checkout('Slack: renamed'), ci);
    expect(second.code, second.stderr).toBe(0);
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.body).toContain('Slack: renamed');
    expect(gl.notes.get(IID)?.find((n) => n.id === 2)?.body).toBe(
      '<!-- toggl-webhooks-sync-plan -->\nquoted',
    );
    expect(gl.requests.filter((q) => q.method === 'PUT')).toHaveLength(1);
    expect(gl.requests.every((q) => q.auth === GITLAB_TOKEN)).toBe(true);

    const failed = await runJob({}, checkout('Slack: x', true), ci);
    expect(failed.code).toBe(1);
    expect(failed.dotenv.TWS_EXIT_CODE).toBe('1');
    expect(mine()).toHaveLength(1);
    expect(mine()[0]?.body).toContain('**The plan failed.**');
    expect(mine()[0]?.body).toMatch(/subscriptions\/team\.yaml:\d+:\d+/);
    expect(mine()[0]?.body).not.toContain('plan-hash=');
  });

  it('sync: applies only the hash of its own note on the merged merge request, and refuses without one', async () => {
    const IID = 12;
    const HASH = 'd'.repeat(64);
    gl.mergeRequestsForCommit.set(MERGE, [{ iid: IID, state: 'merged', sha: HEAD }]);
    gl.notes.set(IID, [
      {
        id: 40,
        body: `<!-- toggl-webhooks-sync-plan -->\n<!-- toggl-webhooks-sync:plan-hash=${'e'.repeat(64)} -->\nforged`,
        author: { id: 6, username: 'mallory' },
        system: false,
        updated_at: '',
      },
      {
        id: 41,
        body: `<!-- toggl-webhooks-sync-plan -->\n<!-- toggl-webhooks-sync:plan-hash=${HASH} -->\n<!-- toggl-webhooks-sync:head-sha=${HEAD} -->\nplan`,
        author: gl.tokenUser,
        system: false,
        updated_at: '',
      },
    ]);
    const dir = checkout('Slack: new projects');
    const argsFile = join(dir, 'args');
    writeFileSync(argsFile, '');
    writeFileSync(
      join(dir, 'fake-cli.mjs'),
      "import { appendFileSync } from 'node:fs';\nappendFileSync(process.env.FAKE_ARGS, JSON.stringify(process.argv.slice(2)) + '\\n');\nprocess.stderr.write(process.env.FAKE_STDERR ?? '');\nprocess.exitCode = Number(process.env.FAKE_CODE);\n",
    );
    const ci = { CI_COMMIT_SHA: MERGE, TWS_CLI: join(dir, 'fake-cli.mjs'), FAKE_ARGS: argsFile };
    const ok = await runJob({ mode: 'sync' }, dir, { ...ci, FAKE_CODE: '0' });
    expect(ok.code, ok.stderr).toBe(0);
    expect(readFileSync(argsFile, 'utf8')).toBe(
      `${JSON.stringify(['sync', '--output', 'markdown', '--expect-plan-hash', HASH, '--', 'subscriptions/'])}\n`,
    );

    const refused = await runJob({ mode: 'sync' }, dir, {
      ...ci,
      FAKE_CODE: '1',
      FAKE_STDERR: `error: not the reviewed plan: subscription "Slack" changed (token ${TOGGL_TOKEN})\n`,
    });
    expect(refused.code).toBe(1);
    const posted = (gl.notes.get(IID) ?? []).filter((n) => n.id >= 500);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toContain('not the reviewed plan');
    expect(posted[0]?.body).toContain('token ***');

    gl.notes.set(
      IID,
      (gl.notes.get(IID) ?? []).filter((n) => n.id !== 41),
    );
    writeFileSync(argsFile, '');
    const none = await runJob({ mode: 'sync' }, dir, { ...ci, FAKE_CODE: '0' });
    expect(none.code).toBe(1);
    expect(readFileSync(argsFile, 'utf8')).toBe('');
    expect(none.stderr).toContain(`merge request !${IID} has no successful plan comment to apply`);
  });
});
