import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordedCall } from '../../src/emulator/index.js';
import { assertBuilt, type RunningCli, startCli } from '../support/cli.js';
import {
  callList,
  closedPort,
  type E2E,
  mutatingCalls,
  startE2E,
  startEchoReceiver,
  withoutIds,
  yamlDoc,
} from '../support/e2e.js';

const WS = 1234567;

beforeAll(() => assertBuilt());

const filters: Array<[string, string]> = [['project', 'created']];
// Keeps retry back-off short; the real defaults wait seconds.
const retryFast = { TOGGL_RETRY_MIN_MS: '1', TOGGL_RETRY_MAX_MS: '20' };

describe('failures and retries', () => {
  let e: E2E;
  let receiver: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    receiver = await startEchoReceiver();
    // The URL check on: a callback that does not answer makes the API refuse that one change.
    e = await startE2E({ workspaces: [WS], callbackCheck: true, callbackTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await e.close();
    await receiver.close();
  });

  it('one bad change fails with the API message; the others are applied; exit 1', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}/hook?key=dead-QUERY-9911`;
    e.emu.seed(WS, {
      description: 'stale',
      url_callback: `${receiver.url}/stale`,
      event_filters: [{ entity: 'tag', action: '*' }],
    });
    e.emu.seed(WS, {
      description: 'keep',
      url_callback: `${receiver.url}/keep`,
      event_filters: [{ entity: 'tag', action: '*' }],
    });
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({
        workspace_id: WS,
        subscriptions: [
          { description: 'keep', url_callback: `${receiver.url}/keep`, event_filters: [['tag', '*']] },
          { description: 'broken', url_callback: dead, event_filters: filters },
          { description: 'fine', url_callback: `${receiver.url}/fine`, event_filters: filters },
        ],
      }),
    });
    const run = await e.cli(['sync', dir]);
    expect(run.code).toBe(1);
    expect(withoutIds(mutatingCalls(e.emu))).toEqual([
      `DELETE /subscriptions/${WS}/ID`,
      `POST /subscriptions/${WS}`,
      `POST /subscriptions/${WS}`,
    ]);
    const names = e.emu
      .subscriptions(WS)
      .map((s) => s.description)
      .sort();
    expect(names).toEqual(['fine', 'keep']);
    expect(run.stdout).toMatch(/^\+ create "broken" \(workspace 1234567\): FAILED$/m);
    expect(run.stdout).toMatch(/^ {4}error: URL endpoint \(sensitive\) request failed with error: /m);
    expect(run.stdout).toMatch(/^\+ create "fine" \(workspace 1234567, id \d+\): applied$/m);
    expect(run.stdout).toContain('Apply finished with 1 failed: 2 applied, 1 failed.');
    expect(run.stdout + run.stderr).not.toContain('dead-QUERY-9911');

    for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
  });
});

describe('retries and lost answers', () => {
  let e: E2E;
  let onCall: (c: RecordedCall) => void = () => {};
  beforeAll(async () => {
    e = await startE2E({ workspaces: [WS], onCall: (c) => onCall(c) });
  });
  afterAll(() => e.close());

  const reset = () => {
    e.emu.setFaults(undefined);
    for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
    e.emu.resetCalls();
  };
  const desired = (n: number) =>
    yamlDoc({
      workspace_id: WS,
      subscriptions: Array.from({ length: n }, (_, i) => ({
        description: `hook ${i}`,
        url_callback: `https://hooks.example.com/${i}`,
        event_filters: filters,
      })),
    });

  it('retries 5xx and 429 answers and still converges without duplicates', async () => {
    reset();
    e.emu.setFaults({ errorRate: 0.35, rateLimitRate: 0.2, retryAfterSeconds: 0, seed: 42 });
    const dir = e.files({ 'ws.yaml': desired(5) });
    const run = await e.cli(['sync', dir], retryFast);
    expect(run.code).toBe(0);
    const faults = e.emu.calls.filter((c) => c.fault).map((c) => c.fault);
    expect(faults).toContain('error');
    expect(faults).toContain('rate_limit');
    const names = e.emu
      .subscriptions(WS)
      .map((s) => s.description)
      .sort();
    expect(names).toEqual(['hook 0', 'hook 1', 'hook 2', 'hook 3', 'hook 4']);

    e.emu.setFaults(undefined);
    e.emu.resetCalls();
    const again = await e.cli(['sync', '--detailed-exitcode', dir]);
    expect(again.code).toBe(0);
    expect(callList(e.emu)).toEqual([`GET /subscriptions/${WS}`]);
  });

  it('a create whose answer is lost is not made twice', async () => {
    reset();
    // Lose the answer of the first POST only: after every successful GET, arm "apply, then drop the
    // connection"; disarm as soon as an answer was lost (a lost GET is simply retried).
    let done = false;
    onCall = (c) => {
      if (c.fault === 'lost_response') {
        e.emu.setFaults(undefined);
        if (c.method === 'POST') done = true;
      } else if (!done && c.method === 'GET' && c.status === 200) {
        e.emu.setFaults({ lostResponseRate: 1 });
      }
    };
    const dir = e.files({ 'ws.yaml': desired(2) });
    const run = await e.cli(['sync', '--output', 'json', dir], retryFast);
    onCall = () => {};
    expect(done).toBe(true);
    expect(run.code).toBe(0);
    const posts = e.emu.calls.filter((c) => c.method === 'POST');
    expect(posts[0]?.fault).toBe('lost_response');
    expect(posts[1]?.status).toBe(400);
    const names = e.emu
      .subscriptions(WS)
      .map((s) => s.description)
      .sort();
    expect(names).toEqual(['hook 0', 'hook 1']);
    const doc = JSON.parse(run.stdout);
    expect(doc.workspaces[0].changes.map((c: { status: string }) => c.status)).toEqual([
      'applied',
      'applied',
    ]);
    const lost = doc.workspaces[0].changes[0];
    expect(lost.subscription_id).toBe(
      e.emu.subscriptions(WS).find((s) => s.description === 'hook 0')?.subscription_id,
    );

    e.emu.resetCalls();
    const again = await e.cli(['sync', dir]);
    expect(again.code).toBe(0);
    expect(callList(e.emu)).toEqual([`GET /subscriptions/${WS}`]);
  });
});

describe('interruption', () => {
  it('Ctrl-C stops before the next change, prints what was done, and exits 1', async () => {
    let running: RunningCli | undefined;
    let interrupted = false;
    const e = await startE2E({
      workspaces: [WS],
      // Slow answers, so the signal lands while the first create is in flight.
      faults: { latencyMs: 150 },
      onCall: (c) => {
        if (c.method === 'POST' && !interrupted) {
          interrupted = true;
          running?.child.kill('SIGINT');
        }
      },
    });
    try {
      const dir = e.files({
        'ws.yaml': yamlDoc({
          workspace_id: WS,
          subscriptions: ['a', 'b', 'c', 'd'].map((d) => ({
            description: d,
            url_callback: `https://hooks.example.com/${d}`,
            event_filters: filters,
          })),
        }),
      });
      running = startCli(['sync', dir], { env: e.env });
      const { code } = await running.exit;
      expect(interrupted).toBe(true);
      expect(code).toBe(1);
      const made = e.emu.subscriptions(WS).length;
      expect(made).toBeGreaterThanOrEqual(1);
      expect(made).toBeLessThan(4);
      expect(e.emu.calls.filter((c) => c.method === 'POST')).toHaveLength(made);
      expect(running.stdout()).toMatch(/^\+ create "a" \(workspace 1234567, id \d+\): applied$/m);
      expect(running.stdout()).toMatch(/^\+ create "d" \(workspace 1234567\): not applied$/m);
      expect(running.stdout()).toContain(
        `Apply interrupted: ${made} applied, 0 failed, ${4 - made} not attempted.`,
      );
    } finally {
      await e.close();
    }
  });

  it('a second Ctrl-C quits at once with exit code 130, without waiting for the change in flight', async () => {
    // An API that lists an empty workspace, then takes the create and never answers: a change in
    // flight is awaited after the first signal (a read would be abandoned), so only the second signal
    // can end the run early.
    const sockets = new Set<Socket>();
    let arrived: () => void = () => {};
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const stall = http.createServer((req, res) => {
      if (req.method !== 'GET') return arrived();
      const body = req.url?.includes('/event_filters')
        ? { project: ['created', '*'] }
        : req.url?.includes('/limits/')
          ? { max_webhooks: 10, max_events_per_webhook: 10 }
          : [];
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
    stall.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => stall.listen(0, '127.0.0.1', resolve));
    const e = await startE2E({ workspaces: [WS] });
    try {
      const dir = e.files({
        'ws.yaml': yamlDoc({
          workspace_id: WS,
          subscriptions: [
            { description: 'a', url_callback: 'https://hooks.example.com/a', event_filters: filters },
          ],
        }),
      });
      const port = (stall.address() as AddressInfo).port;
      const running = startCli(['sync', dir], {
        env: { ...e.env, TOGGL_API_URL: `http://127.0.0.1:${port}/v1` },
      });
      await requestArrived;
      const started = Date.now();
      running.child.kill('SIGINT');
      await running.waitFor(/press Ctrl-C again to quit now/, 10_000);
      running.child.kill('SIGINT');
      const { code } = await running.exit;
      expect(code).toBe(130);
      // The request timeout (30 s by default) never came into it.
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => stall.close(resolve));
      await e.close();
    }
  });
});
