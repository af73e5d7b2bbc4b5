import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOG_LEVELS } from '../../src/cli/options.js';
import { assertBuilt, CLI, childEnv, runCli } from '../support/cli.js';
import { type E2E, startE2E } from '../support/e2e.js';
import { writeTree } from '../support/tmp.js';

// The CLI's rough edges a first-time user hits, each through the built CLI as a subprocess.

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

const sub = (description: string, extra = '') =>
  `  - description: "${description}"\n    url_callback: https://hooks.example.com/${description.length}\n    event_filters:\n      - { entity: project, action: created }\n${extra}`;

describe('export: -o is the format, --out the file', () => {
  it('refuses `export -o json` instead of writing a file named json, and says how to do either', async () => {
    const dir = writeTree({});
    const r = await runCli(['export', '--workspace', '1', '-o', 'json'], {
      cwd: dir,
      env: { TOGGL_API_TOKEN: 'x' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("option '-o, --output <format>' argument 'json' is invalid");
    expect(r.stderr).toContain('export writes YAML only');
    expect(r.stderr).toContain('--out json');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'json'))).toBe(false);
  });
});

describe('--help agrees with the docs', () => {
  const help = async (cmd: string) => {
    const r = await runCli([cmd, '--help']);
    expect(r.code).toBe(0);
    return r.stdout;
  };
  const commands = ['validate', 'plan', 'sync', 'daemon', 'export', 'status', 'emulator'];

  it('shows no `[]` default anywhere', async () => {
    for (const cmd of commands) expect(await help(cmd), cmd).not.toContain('[]');
  });

  it('offers --ping-new on sync only: a plan creates nothing to ping', async () => {
    expect(await help('sync')).toContain('--ping-new');
    expect(await help('plan')).not.toContain('--ping-new');
    const r = await runCli(['plan', '--ping-new', 'x.yaml']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("unknown option '--ping-new'");
  });

  it('lists every log level the commands accept, fatal included', async () => {
    for (const cmd of ['plan', 'sync', 'daemon', 'export', 'status']) {
      const text = (await help(cmd)).replace(/\s+/g, ' ');
      const listed = /--log-level <level> ([a-z, ]+ or [a-z]+)/.exec(text)?.[1];
      expect(listed, cmd).toBe('trace, debug, info, warn, error, fatal or silent');
    }
    expect([...LOG_LEVELS]).toEqual(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);
    const r = await runCli(['validate', '--log-level', 'loud']);
    expect(r.code).toBe(1);
  });
});

describe('a failed run says so', () => {
  it('a plan with an inaccessible workspace ends with "Plan failed", not "Plan: 0 to create"', async () => {
    e2e = await startE2E({ workspaces: [11] });
    const dir = e2e.files({
      'a.yaml': `workspace_id: 11\nsubscriptions:\n${sub('One')}`,
      'b.yaml': `workspace_id: 12\nsubscriptions:\n${sub('Two')}`,
    });
    for (const output of ['text', 'markdown']) {
      const r = await e2e.cli(['plan', '-o', output, dir]);
      expect(r.code).toBe(1);
      expect(r.stdout).not.toMatch(/^\**Plan: \d+ to create/m);
      expect(r.stdout).toContain(
        'Plan failed (1 error above): incomplete; planned where it could: 1 to create, 0 to update, 0 to patch, 0 to delete.',
      );
    }
  });

  it('a sync with an inaccessible workspace says the run failed and how many changes were not attempted', async () => {
    e2e = await startE2E({ workspaces: [11] });
    const dir = e2e.files({
      'a.yaml': `workspace_id: 11\nsubscriptions:\n${sub('One')}`,
      'b.yaml': `workspace_id: 12\nsubscriptions:\n${sub('Two')}`,
    });
    const r = await e2e.cli(['sync', dir]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /^Run failed \(1 error above\): \d+ of 1 planned change not attempted, 0 failed, \d+ applied\.$/m,
    );
    expect(r.stdout).not.toMatch(/^Plan: /m);
  });
});

describe('JSON output', () => {
  it('counts ignored and kept subscriptions as the text does, and a create has before: null', async () => {
    e2e = await startE2E({ workspaces: [21] });
    e2e.emu.seed(21, { description: 'Zapier: hook' });
    e2e.emu.seed(21, { description: 'Hand made' });
    e2e.emu.seed(22, { description: 'Kept' });
    const dir = e2e.files({
      'a.yaml': `workspace_id: 21\nignore: ["Zapier*", "Hand*"]\nsubscriptions:\n${sub('New one')}`,
    });
    const text = await e2e.cli(['plan', dir]);
    expect(text.stdout).toContain('Left alone: 2 ignored.');
    const json = await e2e.cli(['plan', '-o', 'json', dir]);
    const doc = JSON.parse(json.stdout);
    expect(doc.summary).toMatchObject({ create: 1, ignored: 2, kept: 0, not_attempted: 1 });
    const diff = doc.workspaces[0].changes[0].diff;
    expect(diff.url_callback.before).toBeNull();
    expect(diff.enabled.before).toBeNull();
  });

  it('counts undeclared subscriptions kept by prune: false', async () => {
    e2e = await startE2E({ workspaces: [31] });
    e2e.emu.seed(31, { description: 'Old A' });
    e2e.emu.seed(31, { description: 'Old B' });
    const dir = e2e.files({ 'a.yaml': `workspace_id: 31\nprune: false\nsubscriptions:\n${sub('New one')}` });
    const text = await e2e.cli(['plan', dir]);
    expect(text.stdout).toContain('Left alone: 2 not declared and kept (prune: false).');
    const doc = JSON.parse((await e2e.cli(['plan', '-o', 'json', dir])).stdout);
    expect(doc.summary).toMatchObject({ ignored: 0, kept: 2 });
  });
});

describe('validation messages point at the fix', () => {
  it('suggests the enum value for a typo (did you mean)', async () => {
    const dir = writeTree({
      'a.yaml': `workspace_id: 1\nsubscriptions:\n${sub('x').replace('{ entity: project, action: created }', '{ entity: projects, action: create }')}`,
    });
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/a\.yaml:6:19: invalid entity 'projects' .* \(did you mean 'project'\?\)/);
    expect(r.stderr).toMatch(/a\.yaml:6:37: invalid action 'create' .* \(did you mean 'created'\?\)/);
  });

  it.each([
    [
      'an unclosed [',
      'workspace_id: 1\nsubscriptions: [\n  - description: "x"\n',
      2,
      16,
      "the '[' opened here",
    ],
    [
      'an unclosed {',
      'workspace_id: 1\nsubscriptions:\n  - { description: x\n  - b\n',
      3,
      5,
      "the '{' opened here",
    ],
    [
      'an unclosed "',
      'workspace_id: 1\nsubscriptions:\n  - description: "x\n    url_callback: h\n',
      3,
      18,
      'the "..." quote opened here',
    ],
    [
      "an unclosed '",
      "workspace_id: 1\nsubscriptions:\n  - description: 'it''s\n",
      3,
      18,
      "the '...' quote opened here",
    ],
  ])('reports %s where it opened, not at the end of the file', async (_name, text, line, col, what) => {
    const dir = writeTree({ 'a.yaml': text });
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `a.yaml:${line}:${col}: invalid YAML: ${what} is never closed (the parser stopped at `,
    );
  });

  it('still reports an ordinary syntax error where it is', async () => {
    const dir = writeTree({ 'a.yaml': 'workspace_id: 1\nsubscriptions: ["a"]\n  bad: indent\n' });
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toContain('never closed');
    expect(r.stderr).toMatch(/a\.yaml:3:\d+: invalid YAML/);
  });
});

describe('API errors a first run meets', () => {
  it('a 404 from a base URL without /webhooks/api/v1 says what the URL should be', async () => {
    e2e = await startE2E({ workspaces: [41] });
    const dir = e2e.files({ 'a.yaml': `workspace_id: 41\nsubscriptions:\n${sub('One')}` });
    const root = e2e.emu.url.replace(/\/webhooks\/api\/v1$/, '');
    const wrong = await e2e.cli(['plan', '--api-url', root, dir]);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('404');
    expect(wrong.stdout).toContain(
      'hint: the API base URL (TOGGL_API_URL or --api-url) should end in /webhooks/api/v1',
    );
    const right = await e2e.cli(['plan', dir]);
    expect(right.code).toBe(0);
  });

  it('prints each error once on a terminal (stdout and stderr on one screen), on both streams when piped', async () => {
    e2e = await startE2E({ workspaces: [51] });
    const dir = e2e.files({ 'a.yaml': `workspace_id: 52\nsubscriptions:\n${sub('One')}` });
    const piped = await e2e.cli(['plan', dir]);
    const message = 'GET /subscriptions/52: 403';
    expect(piped.stdout).toContain(message);
    expect(piped.stderr).toContain(message);
    const script = ['/usr/bin/script', '/bin/script'].find((p) => existsSync(p));
    if (!script) {
      process.stderr.write(
        'SKIPPED: script (util-linux) not found: the terminal half of this test did not run\n',
      );
      return;
    }
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} plan ${JSON.stringify(dir)}`;
    // Asynchronous: the emulator answers from this process, so the test must not block its event loop.
    const child = spawn(script, ['-qec', cmd, '/dev/null'], {
      env: { ...childEnv(e2e.env), TERM: 'dumb' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    child.stdout.on('data', (c: Buffer) => {
      screen += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(screen.split(message).length - 1, screen).toBe(1);
    expect(screen).toContain('Plan failed (1 error above)');
  });
});

describe('an --api-url that is refused is not echoed', () => {
  it.each([
    ['a port out of range', 'http://usr:APIPASS123@127.0.0.1:99999/'],
    ['not http(s)', 'ftp://usr:APIPASS123@127.0.0.1/'],
    ['an unclosed IPv6 host', 'https://usr:APIPASS123@[::1/'],
  ])('%s: the error gives its length, never its text (it may carry a credential)', async (_what, url) => {
    for (const command of ['plan', 'status', 'daemon']) {
      const r = await runCli([command, '--api-url', url, writeTree({})]);
      expect(r.code).toBe(1);
      expect(r.stderr).not.toContain('APIPASS123');
      expect(r.stderr).toContain(
        `argument (a ${url.length}-character value, not shown: it may carry a credential)`,
      );
    }
  });
});
