import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type HostileApi, startHostileApi } from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';
import { TOKEN, WS } from './fixtures.js';
import { type LongRunning, sample, scrape, startDaemon } from './process.js';

/**
 * An API (or a proxy in front of it) that answers with an absurd X-Toggl-Quota-Resets-In must not
 * hold the daemon's periodic reconciles for years: the wait is bounded by the one-hour quota window
 * (docs/limits-and-budgets.md), and the header is reported as a warning.
 */
const HOUR_MS = 3_600_000;

let api: HostileApi | undefined;
let daemon: (LongRunning & { url: string }) | undefined;
beforeAll(() => assertBuilt());
afterEach(async () => {
  if (daemon) {
    const { code } = await daemon.stop('SIGTERM');
    daemon = undefined;
    expect(code).toBe(0);
  }
  await api?.close();
  api = undefined;
});

describe('daemon scheduling under an absurd quota reset time (built CLI, loopback API)', () => {
  it.each([
    ['eleven nines', '99999999999'],
    ['400 nines', '9'.repeat(400)],
  ])('delays the next periodic reconcile by at most an hour (%s), and warns', async (_name, resetsIn) => {
    api = await startHostileApi((call) =>
      call.method === 'GET' && call.path === `/subscriptions/${WS}`
        ? { body: [], headers: { 'X-Toggl-Quota-Remaining': '0', 'X-Toggl-Quota-Resets-In': resetsIn } }
        : { status: 500, body: 'unexpected call' },
    );
    const dir = writeTree({ 'a.yaml': `workspace_id: ${WS}\nsubscriptions: []\n` });
    daemon = await startDaemon(['--interval', '1m', '--no-watch', dir], {
      TOGGL_API_URL: api.url,
      TOGGL_API_TOKEN: TOKEN,
      TOGGL_REQUEST_SPACING_MS: '0',
    });
    const delayed = await daemon.waitForLog(
      (l) => String(l['msg']).includes('delayed to stay within the API quota budget'),
      'the periodic reconcile to be paced',
    );
    expect(delayed['delay_ms']).toBeGreaterThan(0);
    expect(delayed['delay_ms']).toBeLessThanOrEqual(HOUR_MS);
    const warning = daemon
      .logs()
      .find((l) => /X-Toggl-Quota-Resets-In .* longer than the one-hour quota window/.test(String(l['msg'])));
    expect(warning, daemon.stderr()).toBeDefined();
    expect(warning?.['level']).toBe('warn');

    const next = sample(await scrape(daemon.url), 'toggl_webhooks_next_reconcile_timestamp_seconds');
    expect(next).toBeDefined();
    expect((next as number) * 1000).toBeLessThanOrEqual(Date.now() + HOUR_MS);
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`GET /subscriptions/${WS}`]);
  });
});
