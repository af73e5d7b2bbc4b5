import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { assertBuilt } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { subsYaml, TOKEN, WS } from './fixtures.js';
import { waitFor } from './helpers.js';
import { type LongRunning, sample, scrape, startDaemon } from './process.js';

let emu: Emulator | undefined;
let daemon: (LongRunning & { url: string }) | undefined;

beforeAll(() => assertBuilt());
afterEach(async () => {
  if (daemon) {
    const { code } = await daemon.stop('SIGTERM');
    daemon = undefined;
    expect(code).toBe(0);
  }
  await emu?.close();
  emu = undefined;
});

function envFor(e: Emulator, extra: Record<string, string> = {}): Record<string, string> {
  return { TOGGL_API_URL: e.url, TOGGL_API_TOKEN: TOKEN, TOGGL_REQUEST_SPACING_MS: '0', ...extra };
}

const subs = [
  { description: 'Slack: projects' },
  { description: 'Audit: tags' },
  { description: 'CRM: clients' },
];

describe('daemon under API faults (built CLI, emulator)', () => {
  it('survives an API outage, counts it by stage, and converges once the API is back', async () => {
    emu = await startEmulator({ port: 0, token: TOKEN, workspaces: [WS], callbackCheck: false });
    emu.setFaults({ errorRate: 1 });
    const dir = writeTree({ 'a.yaml': subsYaml(subs) });
    // Few, fast client retries so the outage outlasts them; the backoff is capped by the 1 s interval.
    daemon = await startDaemon(
      ['--interval', '1s', '--no-watch', dir],
      envFor(emu, { TOGGL_RETRIES: '1', TOGGL_RETRY_MIN_MS: '1', TOGGL_RETRY_MAX_MS: '10' }),
    );
    await waitFor(
      async () =>
        (sample(await scrape(daemon!.url), 'toggl_webhooks_errors_total', { stage: 'list' }) ?? 0) >= 2,
      'list errors during the outage',
      10_000,
    );
    expect((await fetch(`${daemon.url}/readyz`)).status).toBe(503);
    expect((await fetch(`${daemon.url}/healthz`)).status).toBe(200);
    const during = await scrape(daemon.url);
    expect(sample(during, 'toggl_webhooks_reconcile_total', { result: 'error' })).toBeGreaterThanOrEqual(2);
    // The injected 5xx are 500, 502 or 503 at random.
    expect(during).toMatch(/^toggl_webhooks_api_requests_total\{method="GET",status="50[023]"\} [1-9]/m);

    emu.setFaults(undefined);
    await waitFor(() => emu!.subscriptions(WS).length === 3, 'convergence after the outage', 10_000);
    await waitFor(async () => (await fetch(`${daemon!.url}/readyz`)).status === 200, 'ready');
    const retried = daemon
      .logs()
      .filter((l) => l['msg'] === 'reconcile finished' && l['retry'] !== undefined);
    expect(retried.length).toBeGreaterThan(0);
  });

  it('waits for the quota reset on 402 and then completes the reconcile', async () => {
    emu = await startEmulator({
      port: 0,
      token: TOKEN,
      workspaces: [WS],
      callbackCheck: false,
      quota: { limit: 3, windowSeconds: 2 },
    });
    const dir = writeTree({ 'a.yaml': subsYaml(subs) });
    // The quota wait is at least twice the longest backoff: short here, as the window is.
    daemon = await startDaemon(
      ['--interval', '1h', '--no-watch', dir],
      envFor(emu, { TOGGL_RETRY_MAX_MS: '500' }),
    );
    await waitFor(() => emu!.subscriptions(WS).length === 3, 'all three creates despite the quota', 20_000);
    await waitFor(async () => (await fetch(`${daemon!.url}/readyz`)).status === 200, 'ready');
    const text = await scrape(daemon.url);
    expect(emu.calls.some((c) => c.status === 402)).toBe(true);
    expect(sample(text, 'toggl_webhooks_reconcile_total', { result: 'success' })).toBe(1);
    expect(sample(text, 'toggl_webhooks_reconcile_total', { result: 'error' })).toBe(0);
    expect(text).toMatch(/^toggl_webhooks_api_requests_total\{method="[A-Z]+",status="402"\} [1-9]/m);
    expect(
      sample(text, 'toggl_webhooks_api_quota_remaining', { workspace_id: String(WS) }),
    ).toBeGreaterThanOrEqual(0);
  });
});
