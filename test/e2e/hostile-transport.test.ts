import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';
import { closedPort, yamlDoc } from '../support/e2e.js';
import { writeTree } from '../support/tmp.js';

/** Where the token may go, and how fast a one-shot run gives up on a dead endpoint (built CLI). */
beforeAll(() => assertBuilt());

const files = () =>
  writeTree({
    'a.yaml': yamlDoc({
      workspace_id: 1,
      subscriptions: [
        {
          description: 'x',
          url_callback: 'https://hooks.example.com/x',
          event_filters: [['project', 'created']],
        },
      ],
    }),
  });
const TOKEN = 'transport-token-9911';

describe('plain http:// API URLs', () => {
  it('to another host are refused before any connection, naming the way out', async () => {
    for (const args of [['--api-url', 'http://api.example.com/webhooks/api/v1'], []]) {
      const r = await runCli(['sync', '--dry-run', ...args, files()], {
        env: { TOGGL_API_TOKEN: TOKEN, TOGGL_API_URL: 'http://10.0.0.1/webhooks/api/v1' },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(
        'is plain http:// to another host: the API token would travel in clear text',
      );
      expect(r.stderr).toContain('--insecure-http (TOGGL_ALLOW_INSECURE_HTTP=1)');
      expect(r.stderr).not.toContain(TOKEN);
    }
  });

  it('are allowed with --insecure-http or TOGGL_ALLOW_INSECURE_HTTP=1 (then the connection is tried)', async () => {
    const port = await closedPort();
    // 127.0.0.2 is loopback too; a name that is not: a reserved .invalid host fails to resolve.
    const url = 'http://tws-refused.invalid/webhooks/api/v1';
    const flag = await runCli(['--insecure-http', 'sync', '--dry-run', '--api-url', url, files()], {
      env: { TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' },
    });
    expect(flag.stderr).not.toContain('plain http://');
    expect(flag.stderr).toMatch(/ENOTFOUND|EAI_AGAIN/);
    const env = await runCli(['sync', '--dry-run', files()], {
      env: {
        TOGGL_API_TOKEN: TOKEN,
        TOGGL_API_URL: url,
        TOGGL_ALLOW_INSECURE_HTTP: '1',
        TOGGL_REQUEST_SPACING_MS: '0',
      },
    });
    expect(env.stderr).not.toContain('plain http://');
    // Loopback needs no flag.
    const loop = await runCli(['sync', '--dry-run', '--api-url', `http://127.0.0.1:${port}/v1`, files()], {
      env: { TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' },
    });
    expect(loop.stderr).not.toContain('plain http://');
    expect(loop.stderr).toContain('ECONNREFUSED');
  });
});

describe('one-shot runs fail fast when nothing can be reached', () => {
  it('connection refused: one retry at most, then exit 1 (it took ~27 s of backoff before)', async () => {
    const port = await closedPort();
    const started = Date.now();
    const r = await runCli(['sync', '--dry-run', '--api-url', `http://127.0.0.1:${port}/v1`, files()], {
      // The default backoff (1 s doubling up to 30 s, 5 retries): only the fail-fast rule keeps this short.
      env: { TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0' },
      timeoutMs: 20_000,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.match(/retrying an API request/g) ?? []).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(8_000);
  });
});
