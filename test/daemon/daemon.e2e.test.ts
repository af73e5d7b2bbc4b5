import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { checkMetrics, promtool } from '../metrics/promtool.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { emulator, liveUrls, mutations, subsYaml, WS } from './fixtures.js';
import { escapeRegExp, waitFor } from './helpers.js';
import { type LongRunning, sample, scrape, startDaemon } from './process.js';

let emu: Emulator | undefined;
let env: Record<string, string>;
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

async function start(args: string[]): Promise<LongRunning & { url: string }> {
  daemon = await startDaemon(args, env);
  return daemon;
}

async function setup(): Promise<Emulator> {
  ({ emu, env } = await emulator());
  return emu;
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number | undefined> {
  return sample(await scrape(daemon!.url), name, labels);
}

async function status(p: string): Promise<number> {
  return (await fetch(`${daemon!.url}${p}`)).status;
}

const A = { description: 'Slack: projects' };
const B = { description: 'Audit: tags' };
const C = { description: 'CRM: clients' };

describe('daemon (built CLI, emulator)', () => {
  it('probes: /healthz 200; /readyz 503 until a reconcile completed with valid config, then 200', async () => {
    const e = await setup();
    const dir = writeTree({ 'a.yaml': 'workspace_id: [\n' });
    const file = path.join(dir, 'a.yaml');
    await start(['--interval', '1h', dir]);
    expect(await status('/healthz')).toBe(200);
    await daemon!.waitForLog((l) => l['msg'] === 'reconcile finished', 'the first reconcile');
    // Never a valid configuration: nothing is reconciled, not ready.
    expect(await status('/readyz')).toBe(503);
    expect(e.calls).toEqual([]);
    expect(await metric('toggl_webhooks_config_valid')).toBe(0);
    expect(await status('/nope')).toBe(404);

    await writeFile(file, subsYaml([A]));
    await waitFor(async () => (await status('/readyz')) === 200, 'ready after the fix', 8_000);
    expect(Object.keys(liveUrls(e))).toEqual([A.description]);
    expect(await metric('toggl_webhooks_config_valid')).toBe(1);
    expect(await status('/healthz')).toBe(200);
  });

  it('/readyz is 503 while the first reconcile is in flight', async () => {
    const e = await setup();
    e.setFaults({ latencyMs: 3_000 });
    const dir = writeTree({ 'a.yaml': subsYaml([A]) });
    await start(['--interval', '1h', dir]);
    await waitFor(() => e.calls.length > 0, 'the first list call');
    expect(await status('/readyz')).toBe(503);
    expect(await status('/healthz')).toBe(200);
    // The SIGTERM of afterEach arrives during that call: the daemon lets it finish, then exits 0.
  });

  it('a broken file deletes nothing, sets config_valid 0 and logs FILE:LINE:COL', async () => {
    const e = await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A, B]) });
    const file = path.join(dir, 'a.yaml');
    await start(['--interval', '1s', dir]);
    await waitFor(async () => (await status('/readyz')) === 200, 'ready');
    expect(Object.keys(liveUrls(e)).sort()).toEqual([B.description, A.description].sort());
    const before = mutations(e).length;

    await writeFile(file, subsYaml([A, B]).replace('    url_callback:', '    url_callbak:'));
    await waitFor(async () => (await metric('toggl_webhooks_config_valid')) === 0, 'config_valid 0', 8_000);
    // Line 4, column 5: the misspelt key (the loader also reports the missing url_callback at 3:5).
    const at = new RegExp(`^${escapeRegExp(file)}:4:5: .*url_callbak`);
    const issue = await daemon!.waitForLog(
      (l) => l['stage'] === 'config' && typeof l['msg'] === 'string' && at.test(l['msg']),
      'the config error in the logs',
    );
    expect(issue).toMatchObject({ level: 'error', file, line: 4, col: 5 });
    expect(issue['reconcile_id']).toMatch(/^[0-9a-f]+$/);
    expect((await metric('toggl_webhooks_errors_total', { stage: 'config' })) ?? 0).toBeGreaterThanOrEqual(1);
    // The interval keeps reconciling on the last good configuration: still nothing deleted.
    const reconciles = (await metric('toggl_webhooks_reconcile_total', { result: 'error' })) ?? 0;
    await waitFor(
      async () => ((await metric('toggl_webhooks_reconcile_total', { result: 'error' })) ?? 0) > reconciles,
      'another reconcile on the last good configuration',
      8_000,
    );
    expect(mutations(e).length).toBe(before);
    expect(e.subscriptions(WS)).toHaveLength(2);
    expect(await status('/readyz')).toBe(200);
  });

  it('corrects out-of-band drift at the next interval and counts it', async () => {
    const e = await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A, B, C]) });
    await start(['--interval', '1s', '--no-watch', dir]);
    await waitFor(() => e.subscriptions(WS).length === 3, 'the first reconcile');
    await waitFor(async () => (await status('/readyz')) === 200, 'ready');
    const want = liveUrls(e);

    const [a, b] = [...e.subscriptions(WS)].sort((x, y) => x.subscription_id - y.subscription_id);
    e.mutate(WS, a!.subscription_id, { url_callback: 'https://evil.example.com/steal' });
    e.mutate(WS, b!.subscription_id, { enabled: false });
    await waitFor(
      () =>
        JSON.stringify(liveUrls(e)) === JSON.stringify(want) && e.subscriptions(WS).every((s) => s.enabled),
      'the drift to be corrected',
      8_000,
    );
    const ws = String(WS);
    await waitFor(async () => {
      const text = await scrape(daemon!.url);
      return (
        (sample(text, 'toggl_webhooks_drift_detected_total', { workspace_id: ws, action: 'update' }) ?? 0) >=
          1 &&
        (sample(text, 'toggl_webhooks_drift_detected_total', { workspace_id: ws, action: 'patch' }) ?? 0) >=
          1 &&
        sample(text, 'toggl_webhooks_drift', { workspace_id: ws, action: 'update' }) === 0
      );
    }, 'drift counted and back to 0');
    const text = await scrape(daemon!.url);
    expect(sample(text, 'toggl_webhooks_changes_applied_total', { workspace_id: ws, action: 'update' })).toBe(
      1,
    );
    expect(sample(text, 'toggl_webhooks_changes_applied_total', { workspace_id: ws, action: 'patch' })).toBe(
      1,
    );
    expect(sample(text, 'toggl_webhooks_changes_applied_total', { workspace_id: ws, action: 'create' })).toBe(
      3,
    );
    expect(sample(text, 'toggl_webhooks_api_requests_total', { method: 'PUT', status: '200' })).toBe(1);
    expect(sample(text, 'toggl_webhooks_last_success_timestamp_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 60,
    );
    // No secret or URL ever reaches the exposition.
    expect(text).not.toContain('evil.example.com');
    expect(text).not.toContain('hooks.example.com');
    for (const s of e.subscriptions(WS)) if (s.secret) expect(text).not.toContain(s.secret);
    expect(daemon!.stderr()).not.toContain(env['TOGGL_API_TOKEN']!);
  });

  it('--dry-run shows pending changes in toggl_webhooks_drift and makes no mutating call', async () => {
    const e = await setup();
    e.seed(WS, { description: A.description, url_callback: 'https://old.example.com/x' });
    e.seed(WS, { description: 'stray', url_callback: 'https://old.example.com/y' });
    const dir = writeTree({ 'a.yaml': subsYaml([A, B, C]) });
    await start(['--dry-run', '--interval', '1h', dir]);
    await waitFor(async () => (await status('/readyz')) === 200, 'ready');
    const ws = String(WS);
    const text = await scrape(daemon!.url);
    expect(sample(text, 'toggl_webhooks_drift', { workspace_id: ws, action: 'create' })).toBe(2);
    expect(sample(text, 'toggl_webhooks_drift', { workspace_id: ws, action: 'update' })).toBe(1);
    expect(sample(text, 'toggl_webhooks_drift', { workspace_id: ws, action: 'delete' })).toBe(1);
    expect(sample(text, 'toggl_webhooks_drift', { workspace_id: ws, action: 'patch' })).toBe(0);
    expect(sample(text, 'toggl_webhooks_reconcile_total', { result: 'success' })).toBe(1);
    expect(mutations(e)).toEqual([]);
    expect(e.subscriptions(WS)).toHaveLength(2);
  });

  it('exits 0 on SIGTERM during a reconcile, after the call in flight', async () => {
    const e = await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A, B, C]) });
    e.setFaults({ latencyMs: 1_500 });
    const d = await start(['--interval', '1h', dir]);
    await waitFor(() => e.calls.length > 0, 'the first call to be in flight');
    const { code, signal } = await d.stop('SIGTERM');
    daemon = undefined;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The list in flight was abandoned (a read changes nothing); no change was started after the signal.
    expect(mutations(e)).toEqual([]);
    const stopped = d.logs().find((l) => l['msg'] === 'stopped');
    expect(stopped).toBeDefined();
  });

  it('treats SIGHUP like SIGTERM: the call in flight finishes, no change starts, exit 0 (it was killed before)', async () => {
    const e = await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A, B, C]) });
    e.setFaults({ latencyMs: 1_500 });
    const d = await start(['--interval', '1h', dir]);
    await waitFor(() => e.calls.length > 0, 'the first call to be in flight');
    const { code, signal } = await d.stop('SIGHUP');
    daemon = undefined;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(mutations(e)).toEqual([]);
    expect(d.logs().find((l) => l['msg'] === 'stopped')).toBeDefined();
  });

  promtool.it('passes promtool check metrics on its /metrics', async () => {
    await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A]) });
    await start(['--interval', '1h', dir]);
    await waitFor(async () => (await status('/readyz')) === 200, 'ready');
    const { code, out } = await checkMetrics(await scrape(daemon!.url));
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('fails at start, exit 1, without a token or with a bad flag', async () => {
    await setup();
    const dir = writeTree({ 'a.yaml': subsYaml([A]) });
    const noToken = await runCli(['daemon', '--listen', '127.0.0.1:0', dir], {
      env: { ...env, TOGGL_API_TOKEN: undefined },
    });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/TOGGL_API_TOKEN/);
    const badInterval = await runCli(['daemon', '--interval', '10', dir], { env });
    expect(badInterval.code).toBe(1);
    expect(badInterval.stderr).toMatch(/not a duration/);
    const badListen = await runCli(['daemon', '--listen', 'nowhere', dir], { env });
    expect(badListen.code).toBe(1);
    expect(badListen.stderr).toMatch(/HOST:PORT/);
  });
});
