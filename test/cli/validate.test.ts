// biome-ignore-all lint/suspicious/noTemplateCurlyInString: YAML sources and messages hold ${NAME} literally
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/version.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';

beforeAll(() => assertBuilt());

const SECRET = 'slack-secret-value-9f8e7d';

describe('toggl-webhooks-sync validate', () => {
  it('accepts examples/subscriptions (with SLACK_HOOK_SECRET set): exit 0 and a summary on stdout', async () => {
    const r = await runCli(['validate', 'examples/subscriptions'], { env: { SLACK_HOOK_SECRET: SECRET } });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('OK: 3 files, 2 workspaces, 6 subscriptions\n');
    expect(r.code).toBe(0);
  });

  it('reports an unset variable as an error, as sync would (strict, docs/configuration.md)', async () => {
    const r = await runCli(['validate', 'examples/subscriptions']);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      [
        'examples/subscriptions/acme-main.yaml:11:13: environment variable SLACK_HOOK_SECRET is not set (referenced in subscriptions[0].secret)',
        'examples/subscriptions/acme-reporting.yml:24:13: environment variable SLACK_HOOK_SECRET is not set (referenced in subscriptions[0].secret)',
        '',
      ].join('\n'),
    );
    expect(r.code).toBe(1);
  });

  it('needs no token and opens no connection, even with TOGGL_API_URL pointing at a listening server', async () => {
    const connections: Socket[] = [];
    const server = createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const r = await runCli(['validate', 'examples/subscriptions'], {
        env: { SLACK_HOOK_SECRET: SECRET, TOGGL_API_URL: `http://127.0.0.1:${port}/webhooks/api/v1` },
      });
      expect(r.code).toBe(0);
      expect(connections).toHaveLength(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('reports all problems of all files and paths, one per line, sorted, and exits 1', async () => {
    const dir = writeTree({
      'a.yaml': 'workspace_id: 1\nsubscriptions: []\nprune: nope\n',
      'b/c.yml': 'workspace_id: 1\nsubscriptions:\n  - description: x\n',
    });
    const r = await runCli(['validate', join(dir, 'b'), join(dir, 'missing'), dir]);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')).toEqual([
      `${join(dir, 'a.yaml')}:3:8: prune must be true or false, got 'nope'`,
      `${join(dir, 'b/c.yml')}:3:5: missing required keys 'url_callback' and 'event_filters' at subscriptions[0]`,
      `${join(dir, 'missing')}: no such file or directory`,
      '',
    ]);
    expect(r.code).toBe(1);
  });

  it('reads ./subscriptions when no path is given, and says so when it is missing', async () => {
    const dir = writeTree({ 'subscriptions/a.yaml': 'workspace_id: 1\nsubscriptions: []\n' });
    const ok = await runCli(['validate'], { cwd: dir });
    expect(ok.stdout).toBe('OK: 1 file, 1 workspace, 0 subscriptions\n');
    expect(ok.code).toBe(0);

    const empty = writeTree({});
    const missing = await runCli(['validate'], { cwd: empty });
    expect(missing.stderr).toBe(
      'subscriptions: no such file or directory (the default input; pass the files or directories to read as arguments)\n',
    );
    expect(missing.code).toBe(1);
  });

  it('--output json: one document on stdout, valid or not, nothing on stderr', async () => {
    const good = await runCli(['validate', '--output', 'json', 'examples/subscriptions'], {
      env: { SLACK_HOOK_SECRET: SECRET },
    });
    expect(JSON.parse(good.stdout)).toEqual({
      valid: true,
      files: 3,
      workspaces: 2,
      subscriptions: 6,
      errors: [],
    });
    expect(good.stderr).toBe('');
    expect(good.code).toBe(0);

    const bad = await runCli(['validate', '-o', 'json', 'test/fixtures/config/invalid/action-invalid.yaml']);
    expect(JSON.parse(bad.stdout)).toEqual({
      valid: false,
      errors: [
        {
          file: 'test/fixtures/config/invalid/action-invalid.yaml',
          line: 7,
          col: 32,
          message:
            "invalid action 'create' at subscriptions[0].event_filters[1]: allowed values are created, updated, deleted, * (did you mean 'created'?)",
        },
      ],
    });
    expect(bad.stderr).toBe('');
    expect(bad.code).toBe(1);
  });

  it('refuses an unknown output format', async () => {
    const r = await runCli(['validate', '--output', 'yaml', 'examples/subscriptions']);
    expect(r.stderr).toContain("option '-o, --output <format>' argument 'yaml' is invalid");
    expect(r.code).toBe(1);
  });

  it('never prints a secret or an expanded variable, whatever goes wrong', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: ${HOOK_URL}',
        '    secret: ${SLACK_HOOK_SECRET}',
        '    event_filters: [{ entity: tag, action: created }]',
        '  - description: One',
        '    url_callback: https://h.example/?token=${HOOK_TOKEN}',
        '    event_filters: [{ entity: nope, action: created }]',
      ].join('\n'),
    });
    for (const output of ['text', 'json']) {
      const r = await runCli(['validate', '-o', output, dir], {
        env: { SLACK_HOOK_SECRET: SECRET, HOOK_URL: 'ftp://leak-host-abc/x', HOOK_TOKEN: 'token-leak-123' },
      });
      expect(r.code).toBe(1);
      const all = r.stdout + r.stderr;
      expect(all).toContain(
        'url_callback is not a valid http:// or https:// URL after expanding ${HOOK_URL}',
      );
      expect(all).not.toMatch(/slack-secret-value|leak-host-abc|token-leak-123/);
    }
  });

  it('--help describes the command; --version prints the version', async () => {
    const help = await runCli(['validate', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: toggl-webhooks-sync validate [options] [paths...]');
    expect(help.stdout).toContain('needs no token and makes no API call');
    expect(help.stdout).toContain('(default: ./subscriptions)');
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(VERSION);
    expect(version.code).toBe(0);
  });
});
