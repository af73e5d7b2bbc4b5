import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { dollarBrace, ghExpr, type JsonObject, ROOT, readYaml } from '../shipping/helpers.js';
import { GITHUB_BASH, obj, runScript, stepNamed, tempDir } from '../shipping/scripts.js';
import { assertBuilt } from '../support/cli.js';
import { type FakeGitHub, startFakeGitHub } from '../support/fake-forge.js';

// The Action's entrypoint run as the runner runs it: action.yml's "Run" step with bash, its `${{ inputs }}`
// resolved from the inputs' defaults, a simulated runner environment (GITHUB_EVENT_PATH, GITHUB_OUTPUT,
// GITHUB_STEP_SUMMARY) and GITHUB_API_URL pointing at a GitHub API stand-in on loopback. Plans use the
// built CLI against the emulator; the merge-time checks use a recording stand-in CLI as well.

const REPO = 'acme/subscriptions';
const HEAD = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const MERGE = 'ffeeddccbbaa99887766554433221100ffeeddcc';
const GITHUB_TOKEN = 'ghs_FakeInstallationToken0123456789abcd';
const TOGGL_TOKEN = 'toggl-token-Zz9yX8wV7u';
const SLACK_SECRET = 'slack-Hook-Secret-5f3e9a';

const action = obj(readYaml('action.yml'));
const runStep = stepNamed(obj(action.runs), 'Run toggl-webhooks-sync');

/** The Run step's env with `${{ inputs.x }}` resolved from `inputs` or the input's default. */
function stepEnv(inputs: Record<string, string>): Record<string, string> {
  const declared = obj(action.inputs);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(obj(runStep.env))) {
    const m = /^\$\{\{ inputs\.([\w-]+) \}\}$/.exec(String(value));
    expect(m, `${name} maps one input`).not.toBeNull();
    const input = m?.[1] as string;
    expect(declared[input], `input ${input} is declared`).toBeDefined();
    const dflt = String((declared[input] as JsonObject).default ?? '');
    env[name] = inputs[input] ?? (dflt === ghExpr('github.token') ? GITHUB_TOKEN : dflt);
  }
  return env;
}

interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

let gh: FakeGitHub;
let emu: Emulator;

beforeAll(async () => {
  assertBuilt();
  // Two per page so that finding our comment needs the Link pagination.
  gh = await startFakeGitHub(REPO, { perPage: 2 });
  emu = await startEmulator({ port: 0, token: TOGGL_TOKEN, workspaces: [1234567], callbackCheck: false });
});
afterAll(async () => {
  await gh.close();
  await emu.close();
});

async function runAction(
  inputs: Record<string, string>,
  event: { name: string; payload: object; sha?: string },
  opts: { cwd?: string; fakeCli?: string; extraEnv?: Record<string, string> } = {},
): Promise<ActionRun> {
  const dir = opts.cwd ?? tempDir();
  const runner = join(dir, '.runner');
  mkdirSync(runner, { recursive: true });
  writeFileSync(join(runner, 'event.json'), JSON.stringify(event.payload));
  writeFileSync(join(runner, 'output'), '');
  writeFileSync(join(runner, 'summary'), '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    GITHUB_ACTION_PATH: ROOT,
    GITHUB_EVENT_PATH: join(runner, 'event.json'),
    GITHUB_EVENT_NAME: event.name,
    GITHUB_REPOSITORY: REPO,
    GITHUB_SHA: event.sha ?? HEAD,
    GITHUB_API_URL: gh.url,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '42',
    GITHUB_OUTPUT: join(runner, 'output'),
    GITHUB_STEP_SUMMARY: join(runner, 'summary'),
    TOGGL_API_URL: emu.url,
    TOGGL_REQUEST_SPACING_MS: '0',
    ...stepEnv({ 'toggl-api-token': TOGGL_TOKEN, ...inputs }),
    ...(opts.fakeCli ? { TWS_CLI: opts.fakeCli } : {}),
    ...opts.extraEnv,
  };
  const r = await runScript(GITHUB_BASH, String(runStep.run), dir, env);
  const outputs: Record<string, string> = {};
  for (const line of readFileSync(env.GITHUB_OUTPUT as string, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return { ...r, outputs, summary: readFileSync(env.GITHUB_STEP_SUMMARY as string, 'utf8') };
}

/** A checkout with one subscription file whose secret comes from SLACK_HOOK_SECRET. */
function checkout(description = 'Slack: new projects'): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'subscriptions'));
  writeFileSync(
    join(dir, 'subscriptions/team.yaml'),
    [
      'workspace_id: 1234567',
      'subscriptions:',
      `  - description: "${description}"`,
      '    url_callback: https://hooks.example.com/toggl',
      `    secret: ${dollarBrace('SLACK_HOOK_SECRET')}`,
      '    event_filters:',
      '      - { entity: project, action: created }',
      '',
    ].join('\n'),
  );
  return dir;
}

const prEvent = (number: number) => ({
  name: 'pull_request',
  payload: { pull_request: { number, head: { sha: HEAD }, merged: false } },
});
const extraEnv = `SLACK_HOOK_SECRET=${SLACK_SECRET}\n# a comment line\n`;

/** Nothing secret anywhere the job sends or shows. */
function expectNoSecret(run: ActionRun) {
  const everything = [
    run.stdout.replace(/^::add-mask::.*$/gm, ''),
    run.stderr,
    run.summary,
    JSON.stringify(run.outputs),
    ...gh.requests.map((r) => r.path + r.body),
    ...[...gh.comments.values()].flat().map((c) => c.body),
  ].join('\n');
  for (const secret of [SLACK_SECRET, TOGGL_TOKEN, GITHUB_TOKEN]) expect(everything).not.toContain(secret);
}

describe('the GitHub Action in plan mode (built CLI, emulator, GitHub API stand-in)', () => {
  const PR = 7;

  beforeAll(() => {
    // Someone else's comments first, one of them quoting our marker: never ours to edit.
    gh.comments.set(PR, [
      { id: 1, body: 'LGTM', user: { login: 'alice', type: 'User' }, updated_at: '2026-01-01T00:00:00Z' },
      {
        id: 2,
        body: '<!-- toggl-webhooks-sync-plan -->\nquoted by a human',
        user: { login: 'mallory', type: 'User' },
        updated_at: '2026-01-01T00:00:01Z',
      },
      {
        id: 3,
        body: 'ci bot',
        user: { login: 'other[bot]', type: 'Bot' },
        updated_at: '2026-01-01T00:00:02Z',
      },
    ]);
  });

  it('creates one comment with the plan, its hash and the head commit; writes summary and outputs', async () => {
    const run = await runAction({ env: extraEnv }, prEvent(PR), { cwd: checkout() });
    expect(run.code, run.stderr).toBe(0);
    expect(run.outputs).toMatchObject({
      'exit-code': '2',
      create: '1',
      update: '0',
      patch: '0',
      delete: '0',
    });
    expect(run.outputs['plan-hash']).toMatch(/^[0-9a-f]{64}$/);
    const mine = (gh.comments.get(PR) ?? []).filter((c) => c.user.type === 'Bot' && c.id >= 1000);
    expect(mine).toHaveLength(1);
    const body = mine[0]?.body ?? '';
    expect(body.split('\n').slice(0, 3)).toEqual([
      '<!-- toggl-webhooks-sync-plan -->',
      `<!-- toggl-webhooks-sync:plan-hash=${run.outputs['plan-hash']} -->`,
      `<!-- toggl-webhooks-sync:head-sha=${HEAD} -->`,
    ]);
    expect(body).toContain('Merging applies the changes below.');
    expect(body).toContain('Slack: new projects');
    expect(body).toContain('Plan: 1 to create, 0 to update, 0 to patch, 0 to delete.');
    expect(body).toContain('[run](https://github.example/acme/subscriptions/actions/runs/42)');
    expect(run.outputs['comment-id']).toBe(String(mine[0]?.id));
    expect(run.summary).toContain('Slack: new projects');
    // The runner is told to mask the secrets in its log.
    expect(run.stdout).toContain(`::add-mask::${SLACK_SECRET}`);
    expect(run.stdout).toContain(`::add-mask::${TOGGL_TOKEN}`);
    // The API saw the GitHub token as a bearer credential, and nothing was written to Toggl.
    expect(gh.requests.every((r) => r.auth === `Bearer ${GITHUB_TOKEN}`)).toBe(true);
    expect(emu.subscriptions(1234567)).toEqual([]);
    expectNoSecret(run);
  });

  it('updates the same comment on the next push instead of adding one (found across pages)', async () => {
    const before = gh.comments.get(PR)?.length;
    const run = await runAction({ env: extraEnv }, prEvent(PR), { cwd: checkout('Slack: renamed') });
    expect(run.code, run.stderr).toBe(0);
    expect(gh.comments.get(PR)?.length).toBe(before);
    const mine = (gh.comments.get(PR) ?? []).filter((c) => c.id >= 1000);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.body).toContain('Slack: renamed');
    expect(gh.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      `/repos/${REPO}/issues/comments/${mine[0]?.id}`,
    ]);
    // The human comment quoting the marker is untouched.
    expect(gh.comments.get(PR)?.find((c) => c.id === 2)?.body).toBe(
      '<!-- toggl-webhooks-sync-plan -->\nquoted by a human',
    );
    expect(gh.requests.some((r) => r.path.includes('page=2'))).toBe(true);
    expectNoSecret(run);
  });

  it('shows the validation errors in the same comment when the files are broken, with no plan hash', async () => {
    const dir = checkout();
    writeFileSync(
      join(dir, 'subscriptions/broken.yaml'),
      'workspace_id: 1234567\nsubscriptions: [\n  - oops\n',
    );
    const run = await runAction({ env: extraEnv }, prEvent(PR), { cwd: dir });
    // fail-on-error: the step fails, after the comment was written.
    expect(run.code).toBe(1);
    expect(run.outputs['exit-code']).toBe('1');
    expect(run.outputs['plan-hash']).toBe('');
    const mine = (gh.comments.get(PR) ?? []).filter((c) => c.id >= 1000);
    expect(mine).toHaveLength(1);
    const body = mine[0]?.body ?? '';
    expect(body.split('\n')[1]).toBe(
      '**The plan failed.** Merging applies nothing until a plan succeeds; the errors are below.',
    );
    expect(body).toContain('<details open><summary>errors</summary>');
    expect(body).toMatch(/subscriptions\/broken\.yaml:\d+:\d+/);
    expect(body).not.toContain('toggl-webhooks-sync:plan-hash=');
    expectNoSecret(run);
  });

  it('fails the plan with a clear error when a referenced variable is not passed, and says so in the comment', async () => {
    const run = await runAction({}, prEvent(PR), { cwd: checkout() });
    expect(run.code).toBe(1);
    const body = (gh.comments.get(PR) ?? []).find((c) => c.id >= 1000)?.body ?? '';
    expect(body).toContain('SLACK_HOOK_SECRET');
    expect(body).toContain('**The plan failed.**');
  });

  it('warns and still writes the summary and outputs when the token may not comment (fork)', async () => {
    gh.failWrites = 403;
    try {
      const run = await runAction({ env: extraEnv }, prEvent(8), { cwd: checkout() });
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain('::warning::could not write the pull request comment');
      expect(run.outputs['exit-code']).toBe('2');
      expect(run.summary).toContain('Merging applies the changes below.');
    } finally {
      gh.failWrites = undefined;
    }
  });
});

describe('the GitHub Action in sync mode on a merge (reviewed plan only)', () => {
  const PR = 21;
  const HASH = 'c'.repeat(64);

  /** A stand-in CLI: records its arguments, prints a secret on both streams, exits FAKE_CODE. */
  function fakeCli(dir: string): string {
    const file = join(dir, 'fake-cli.mjs');
    writeFileSync(
      file,
      [
        "import { appendFileSync } from 'node:fs';",
        "appendFileSync(process.env.FAKE_ARGS, JSON.stringify(process.argv.slice(2)) + '\\n');",
        "process.stdout.write((process.env.FAKE_STDOUT ?? '').replace('SECRET', process.env.SLACK_HOOK_SECRET ?? ''));",
        "process.stderr.write((process.env.FAKE_STDERR ?? '').replace('TOKEN', process.env.TOGGL_API_TOKEN ?? ''));",
        'process.exitCode = Number(process.env.FAKE_CODE ?? 0);',
      ].join('\n'),
    );
    return file;
  }

  function merged(headSha = HEAD) {
    gh.pullsForCommit.set(MERGE, [
      { number: PR, merged_at: '2026-11-28T10:00:00Z', merge_commit_sha: MERGE, head: { sha: headSha } },
    ]);
  }
  const pushEvent = { name: 'push', payload: { ref: 'refs/heads/main', after: MERGE }, sha: MERGE };

  async function sync(fake: Record<string, string>) {
    const dir = checkout();
    const args = join(dir, 'args');
    writeFileSync(args, '');
    const run = await runAction({ mode: 'sync', env: extraEnv }, pushEvent, {
      cwd: dir,
      fakeCli: fakeCli(dir),
      extraEnv: { FAKE_ARGS: args, ...fake },
    });
    const calls = readFileSync(args, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as string[]);
    return { run, calls };
  }

  function planComment(hash: string | null, headSha = HEAD) {
    const header = ['<!-- toggl-webhooks-sync-plan -->'];
    if (hash)
      header.push(
        `<!-- toggl-webhooks-sync:plan-hash=${hash} -->`,
        `<!-- toggl-webhooks-sync:head-sha=${headSha} -->`,
      );
    gh.comments.set(PR, [
      {
        id: 9,
        body: `<!-- toggl-webhooks-sync-plan -->\n<!-- toggl-webhooks-sync:plan-hash=${'f'.repeat(64)} -->\nforged by a human`,
        user: { login: 'mallory', type: 'User' },
        updated_at: '2026-11-28T09:59:00Z',
      },
      {
        id: 10,
        body: `${header.join('\n')}\nMerging applies the changes below.\n`,
        user: { login: 'github-actions[bot]', type: 'Bot' },
        updated_at: '2026-11-28T09:00:00Z',
      },
    ]);
  }

  it('applies with --expect-plan-hash taken from the bot comment of the merged pull request', async () => {
    merged();
    planComment(HASH);
    const { run, calls } = await sync({
      FAKE_STDOUT:
        '### toggl-webhooks-sync apply\n\n**Plan: 1 to create, 0 to update, 0 to patch, 0 to delete.**\n',
      FAKE_CODE: '2',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(calls).toEqual([
      ['sync', '--output', 'markdown', '--expect-plan-hash', HASH, '--', 'subscriptions/'],
    ]);
    expect(run.outputs).toMatchObject({ 'exit-code': '2', create: '1' });
    // Success adds nothing to the pull request; the plan comment stays as the record of the review.
    expect(gh.comments.get(PR)).toHaveLength(2);
  });

  it('posts why on the pull request when the CLI refuses the plan, and fails; secrets masked', async () => {
    merged();
    planComment(HASH);
    const { run, calls } = await sync({
      FAKE_STDOUT: 'secret was SECRET',
      FAKE_STDERR:
        'error: the live state changed since the reviewed plan: workspace 1234567, "Slack" url_callback (token TOKEN)\n',
      FAKE_CODE: '1',
    });
    expect(calls).toHaveLength(1);
    expect(run.code).toBe(1);
    const posted = (gh.comments.get(PR) ?? []).filter((c) => c.id >= 1000);
    expect(posted).toHaveLength(1);
    expect(posted[0]?.body).toContain('**The sync failed.**');
    expect(posted[0]?.body).toContain('the live state changed since the reviewed plan');
    expect(posted[0]?.body).toContain('token ***');
    // The refusal is its own comment, not a new sticky plan comment.
    expect(posted[0]?.body.startsWith('<!-- toggl-webhooks-sync-plan -->')).toBe(false);
    expectNoSecret(run);
  });

  it('refuses without calling the CLI when the merged pull request has no successful plan comment', async () => {
    merged();
    planComment(null);
    const { run, calls } = await sync({ FAKE_CODE: '0' });
    expect(calls).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.outputs['exit-code']).toBe('1');
    const posted = (gh.comments.get(PR) ?? []).filter((c) => c.id >= 1000);
    expect(posted[0]?.body).toContain(
      `**Not applied.** pull request #${PR} has no successful plan comment to apply`,
    );
  });

  it('refuses when the plan comment is for an older commit than the one merged', async () => {
    merged('9'.repeat(40));
    planComment(HASH, HEAD);
    const { run, calls } = await sync({ FAKE_CODE: '0' });
    expect(calls).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `is for commit ${HEAD.slice(0, 7)}, but the pull request's last commit is 9999999`,
    );
  });

  it('refuses a push that no pull request merged', async () => {
    gh.pullsForCommit.delete(MERGE);
    const { run, calls } = await sync({ FAKE_CODE: '0' });
    expect(calls).toEqual([]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`no merged pull request found for commit ${MERGE}`);
  });
});

describe('the reviewed-plan flow end to end with the built CLI (plan on the PR, sync on the merge)', () => {
  const PR = 31;
  const ws = 7654321;
  let emu2: Emulator;
  beforeAll(async () => {
    emu2 = await startEmulator({ port: 0, token: TOGGL_TOKEN, workspaces: [ws], callbackCheck: false });
  });
  afterAll(() => emu2.close());

  function repoCheckout(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'subscriptions'));
    writeFileSync(
      join(dir, 'subscriptions/team.yaml'),
      // prune: false, so the re-plan after the hand edit keeps the hand-made subscription (a plan that
      // deleted the only live subscription would be stopped by the mass-delete guard instead).
      `workspace_id: ${ws}\nprune: false\nsubscriptions:\n  - description: "Reviewed"\n    url_callback: https://hooks.example.com/r\n    secret: ${dollarBrace('SLACK_HOOK_SECRET')}\n    event_filters:\n      - { entity: project, action: created }\n`,
    );
    return dir;
  }
  const toEmu2 = { TOGGL_API_URL: '' };

  it('applies exactly the reviewed plan, and refuses (changing nothing) after a hand edit in Toggl', async () => {
    toEmu2.TOGGL_API_URL = emu2.url;
    const dir = repoCheckout();
    const planned = await runAction({ env: extraEnv }, prEvent(PR), { cwd: dir, extraEnv: toEmu2 });
    expect(planned.outputs['exit-code'], planned.stderr).toBe('2');
    gh.pullsForCommit.set(MERGE, [
      { number: PR, merged_at: '2026-11-28T10:00:00Z', merge_commit_sha: MERGE, head: { sha: HEAD } },
    ]);
    const push = { name: 'push', payload: { ref: 'refs/heads/main' }, sha: MERGE };

    // Someone adds a subscription by hand after the review: the live state differs from the reviewed one.
    emu2.seed(ws, { description: 'Made by hand' });
    const refused = await runAction({ mode: 'sync', env: extraEnv }, push, { cwd: dir, extraEnv: toEmu2 });
    expect(refused.code).toBe(1);
    expect(emu2.subscriptions(ws).map((s) => s.description)).toEqual(['Made by hand']);
    const why = (gh.comments.get(PR) ?? []).filter(
      (c) => !c.body.startsWith('<!-- toggl-webhooks-sync-plan -->'),
    );
    expect(why).toHaveLength(1);
    expect(why[0]?.body).toContain('**The sync failed.**');
    expect(why[0]?.body).toContain('is not the reviewed plan');
    expectNoSecret(refused);

    // A fresh plan is reviewed (the comment is updated), then the merge applies exactly that.
    const replanned = await runAction({ env: extraEnv }, prEvent(PR), { cwd: dir, extraEnv: toEmu2 });
    expect(replanned.outputs['plan-hash']).not.toBe(planned.outputs['plan-hash']);
    const applied = await runAction({ mode: 'sync', env: extraEnv }, push, { cwd: dir, extraEnv: toEmu2 });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.outputs['plan-hash']).toBe(replanned.outputs['plan-hash']);
    expect(
      emu2
        .subscriptions(ws)
        .map((s) => s.description)
        .sort(),
    ).toEqual(['Made by hand', 'Reviewed']);
  });
});

describe('the GitHub Action against a hostile API and hostile output', () => {
  it('never follows a Link header to another host with the token', async () => {
    const evil = await startFakeGitHub(REPO);
    try {
      gh.forgedNext = `${evil.url}/steal?page=2`;
      gh.comments.set(61, [
        { id: 1, body: 'a', user: { login: 'a', type: 'User' }, updated_at: '' },
        { id: 2, body: 'b', user: { login: 'b', type: 'User' }, updated_at: '' },
      ]);
      const run = await runAction({ env: extraEnv }, prEvent(61), { cwd: checkout() });
      expect(run.code, run.stderr).toBe(0);
      expect(evil.requests).toEqual([]);
      expect((gh.comments.get(61) ?? []).filter((c) => c.id >= 1000)).toHaveLength(1);
    } finally {
      gh.forgedNext = undefined;
      await evil.close();
    }
  });

  it('takes the plan hash from the CLI, not from marker-like text in the report, and strips such text', async () => {
    const dir = checkout();
    const fake = join(dir, 'fake.mjs');
    const forged = 'e'.repeat(64);
    const real = 'a'.repeat(64);
    writeFileSync(
      fake,
      `process.stdout.write(${JSON.stringify(
        `| x | <!-- toggl-webhooks-sync:plan-hash=${forged} --> |\n**Plan: 1 to create, 0 to update, 0 to patch, 0 to delete.**\n<!-- toggl-webhooks-sync:plan-hash=${real} -->\n`,
      )}); process.exitCode = 2;`,
    );
    const run = await runAction({ env: extraEnv }, prEvent(62), { cwd: dir, fakeCli: fake });
    expect(run.outputs['plan-hash']).toBe(real);
    const body = (gh.comments.get(62) ?? [])[0]?.body ?? '';
    expect(body.split('\n')[1]).toBe(`<!-- toggl-webhooks-sync:plan-hash=${real} -->`);
    expect(body).not.toContain(forged);
  });
});
