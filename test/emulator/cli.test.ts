import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';

// The built CLI, as users run it (`npm test` builds first; alone: `npm run build`).
const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const auth = (token: string) => ({
  Authorization: `Basic ${Buffer.from(`${token}:api_token`).toString('base64')}`,
  'Content-Type': 'application/json',
});

interface Running {
  child: ChildProcessWithoutNullStreams;
  url: string;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
});

async function runEmulator(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, [CLI, 'emulator', '--port', '0', ...args]);
  children.push(child);
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /^TOGGL_API_URL=(\S+) TOGGL_API_TOKEN=(\S+)$/m.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exit.then(({ code }) => reject(new Error(`emulator exited (${code}) before listening: ${err}`)));
  });
  return { child, url, stdout: () => out, stderr: () => err, exit };
}

describe('toggl-webhooks-sync emulator', () => {
  it('serves the API with the given options and exits 0 on SIGTERM', async () => {
    const emu = await runEmulator([
      '--token',
      'cli-token',
      '--workspace',
      '42',
      '--workspace',
      '43',
      '--max-webhooks',
      '1',
      '--max-events',
      '2',
      '--no-callback-check',
    ]);
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/api\/v1$/);
    expect(emu.stdout()).toContain(`TOGGL_API_URL=${emu.url} TOGGL_API_TOKEN=cli-token`);

    const limits = await fetch(`${emu.url}/limits/42`);
    expect(await limits.json()).toEqual({ max_webhooks: 1, max_events_per_webhook: 2 });
    expect((await fetch(`${emu.url}/subscriptions/43`, { headers: auth('cli-token') })).status).toBe(200);
    expect((await fetch(`${emu.url}/subscriptions/1234567`, { headers: auth('cli-token') })).status).toBe(
      403,
    );
    expect((await fetch(`${emu.url}/subscriptions/42`, { headers: auth('emulator-token') })).status).toBe(
      403,
    );
    // --no-callback-check: an unreachable URL is accepted.
    const created = await fetch(`${emu.url}/subscriptions/42`, {
      method: 'POST',
      headers: auth('cli-token'),
      body: JSON.stringify({
        description: 'x',
        url_callback: 'https://hooks.invalid/x',
        enabled: true,
        event_filters: [{ entity: 'project', action: 'created' }],
      }),
    });
    expect(created.status).toBe(200);

    emu.child.kill('SIGTERM');
    expect(await emu.exit).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).toContain('POST /subscriptions/42 200');
    expect(emu.stderr()).toContain('emulator stopped (SIGTERM)');
  });

  it('exits 0 on SIGINT (Ctrl-C)', async () => {
    const emu = await runEmulator(['--quiet']);
    expect(emu.stdout()).toContain('TOGGL_API_TOKEN=emulator-token');
    expect(
      (await fetch(`${emu.url}/subscriptions/1234567`, { headers: auth('emulator-token') })).status,
    ).toBe(200);
    emu.child.kill('SIGINT');
    expect(await emu.exit).toEqual({ code: 0, signal: null });
    expect(emu.stderr()).not.toContain('GET /subscriptions');
  });

  it('injects faults from the command line', async () => {
    const emu = await runEmulator(['--error-rate', '1', '--quiet']);
    const res = await fetch(`${emu.url}/status`);
    expect([500, 502, 503]).toContain(res.status);
    emu.child.kill('SIGTERM');
    expect((await emu.exit).code).toBe(0);
  });

  it('refuses a bad option value with exit 1', async () => {
    const child = spawn(process.execPath, [CLI, 'emulator', '--error-rate', '2']);
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err).toContain('expected a number between 0 and 1');
  });

  it('reports a port in use without a stack trace', async () => {
    const first = await runEmulator(['--quiet']);
    const port = new URL(first.url).port;
    const child = spawn(process.execPath, [CLI, 'emulator', '--port', port]);
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(err.trim()).toBe(`error: cannot listen on 127.0.0.1:${port}: address in use (try --port 0)`);
    first.child.kill('SIGTERM');
    expect((await first.exit).code).toBe(0);
  });
});
