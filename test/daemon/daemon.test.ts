import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import type { DesiredState } from '../../src/config/types.js';
import {
  type CycleReport,
  Daemon,
  type DaemonOptions,
  MAX_RETRY_BACKOFF_MS,
  type ReconcileFn,
  retryWait,
} from '../../src/daemon/daemon.js';
import { ConfigError, ServerError } from '../../src/errors.js';
import { createMetrics, MetricsRecorder } from '../../src/metrics/index.js';
import { QuotaBudget } from '../../src/toggl/budget.js';
import { desiredState } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';
import { FakeClock, memoryLogger, waitFor } from './helpers.js';

const WS = 1234567;
const MIN = 60_000;

const good = desiredState([
  {
    workspace_id: WS,
    subscriptions: [{ description: 'Slack: projects' }, { description: 'Audit: tags' }],
  },
]);

const broken = new ConfigError([{ file: 'subs/a.yaml', line: 4, col: 7, message: 'unknown key "urll"' }]);

interface Harness {
  daemon: Daemon;
  api: FakeApi;
  clock: FakeClock;
  recorder: MetricsRecorder;
  reports: CycleReport[];
  logs: ReturnType<typeof memoryLogger>;
  /** What the next loads return (a DesiredState) or throw (an Error). */
  config: { next: DesiredState | Error };
  metric(name: string, labels?: Record<string, string>): Promise<number | undefined>;
}

function harness(over: Partial<DaemonOptions> = {}, api = new FakeApi([WS])): Harness {
  const clock = new FakeClock();
  const recorder = new MetricsRecorder(createMetrics({ processMetrics: false }));
  const logs = memoryLogger();
  const config: { next: DesiredState | Error } = { next: good };
  const run: ReconcileFn = (args) => reconcile({ ...args, api });
  const daemon = new Daemon({
    paths: ['subs'],
    intervalMs: 10 * MIN,
    dryRun: false,
    allowMassDelete: false,
    logger: logs,
    metrics: recorder,
    load: async () => {
      if (config.next instanceof Error) throw config.next;
      return config.next;
    },
    reconcile: run,
    watch: false,
    clock,
    random: () => 0.5,
    ...over,
  });
  const reports: CycleReport[] = [];
  daemon.onCycle((r) => reports.push(r));
  const metric = async (name: string, labels: Record<string, string> = {}) => {
    const m = await recorder.metrics.registry.getSingleMetric(name)?.get();
    const v = m?.values.find((x) =>
      Object.entries(labels).every(([k, want]) => String((x.labels as Record<string, unknown>)[k]) === want),
    );
    return v?.value;
  };
  return { daemon, api, clock, recorder, reports, logs, config, metric };
}

async function cycles(h: Harness, n: number): Promise<void> {
  await waitFor(() => h.reports.length >= n, `${n} reconcile(s)`);
  await h.daemon.idle();
}

describe('Daemon loop', () => {
  it('reconciles at start, then every interval with jitter', async () => {
    const h = harness({ random: () => 1 });
    h.api.seed(WS, { description: 'Slack: projects', url_callback: 'https://old.example.com/x' });
    h.api.seed(WS, { description: 'stray' });
    await h.daemon.start();
    await cycles(h, 1);
    expect(h.reports[0]).toMatchObject({ reason: 'start', configValid: true, success: true });
    expect(
      h.api.state
        .get(WS)!
        .map((s) => s.description)
        .sort(),
    ).toEqual(['Audit: tags', 'Slack: projects']);
    expect(h.daemon.ready).toBe(true);
    // random() = 1 is the top of the jitter range: interval + 10 %.
    expect(h.clock.pending()).toEqual([11 * MIN]);

    h.clock.fireNext();
    await cycles(h, 2);
    expect(h.reports[1]).toMatchObject({ reason: 'interval', success: true });
    // Converged: the second reconcile only lists.
    expect(h.api.calls.slice(-1)).toEqual([{ method: 'GET', workspaceId: WS }]);
    expect(await h.metric('toggl_webhooks_reconcile_total', { result: 'success' })).toBe(2);
    await h.daemon.stop();
    expect(h.clock.pending()).toEqual([]);
  });

  it('holds the same metric series and one timer after 200 reconciles as after 20: nothing is kept per cycle', async () => {
    const h = harness();
    await h.daemon.start();
    await cycles(h, 1);
    // Series per metric (label sets, histogram buckets): a label that varied per reconcile would grow them.
    const series = async () =>
      (await h.recorder.metrics.registry.getMetricsAsJSON())
        .map((m) => `${m.name} ${m.values.length}`)
        .sort();
    let wake = () => {};
    h.daemon.onCycle(() => wake());
    const more = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const reported = new Promise<void>((resolve) => {
          wake = resolve;
        });
        h.clock.fireNext();
        await reported;
        await h.daemon.idle();
      }
    };
    await more(20);
    const early = await series();
    await more(180);
    expect(h.reports).toHaveLength(201);
    expect(await series()).toEqual(early);
    expect(h.clock.pending()).toHaveLength(1);
    await h.daemon.stop();
    expect(h.clock.pending()).toEqual([]);
  });

  it('keeps the jitter within ±10 % of the interval', async () => {
    for (const r of [0, 0.25, 0.5, 0.999]) {
      const h = harness({ random: () => r });
      await h.daemon.start();
      await cycles(h, 1);
      const [wait] = h.clock.pending();
      expect(wait).toBeGreaterThanOrEqual(9 * MIN);
      expect(wait).toBeLessThanOrEqual(11 * MIN);
      await h.daemon.stop();
    }
  });

  it('reconciles nothing while there never was a valid configuration', async () => {
    const h = harness();
    h.api.seed(WS, { description: 'live one' });
    h.config.next = broken;
    await h.daemon.start();
    await cycles(h, 1);
    expect(h.api.calls).toEqual([]);
    expect(h.daemon.ready).toBe(false);
    expect(h.reports[0]).toMatchObject({ configValid: false, usedLastGood: false, success: false });
    expect(await h.metric('toggl_webhooks_config_valid')).toBe(0);
    expect(await h.metric('toggl_webhooks_errors_total', { stage: 'config' })).toBe(1);
    expect(await h.metric('toggl_webhooks_reconcile_total', { result: 'error' })).toBe(1);
    const issue = h.logs.entries.find((e) => e.obj['stage'] === 'config' && e.obj['file']);
    expect(issue?.msg).toBe('subs/a.yaml:4:7: unknown key "urll"');
    expect(issue?.obj['reconcile_id']).toMatch(/^[0-9a-f]{8}$/);

    h.config.next = good;
    h.daemon.trigger('change');
    await cycles(h, 2);
    expect(h.daemon.ready).toBe(true);
    expect(await h.metric('toggl_webhooks_config_valid')).toBe(1);
    await h.daemon.stop();
  });

  it('keeps the last good configuration in force when the files break: nothing is deleted', async () => {
    const h = harness();
    await h.daemon.start();
    await cycles(h, 1);
    const before = h.api.state
      .get(WS)!
      .map((s) => s.description)
      .sort();

    h.config.next = broken;
    h.daemon.trigger('change');
    await cycles(h, 2);
    expect(h.reports[1]).toMatchObject({ configValid: false, usedLastGood: true, success: false });
    expect(h.api.mutations()).toHaveLength(2); // the two creates of the first reconcile
    expect(
      h.api.state
        .get(WS)!
        .map((s) => s.description)
        .sort(),
    ).toEqual(before);
    expect(await h.metric('toggl_webhooks_config_valid')).toBe(0);
    expect(h.daemon.ready).toBe(true);

    // Drift while the files are broken is still corrected, towards the last good configuration.
    const victim = h.api.state.get(WS)![0]!;
    await h.api.deleteSubscription(WS, victim.subscription_id);
    h.clock.fireNext();
    await cycles(h, 3);
    expect(
      h.api.state
        .get(WS)!
        .map((s) => s.description)
        .sort(),
    ).toEqual(before);
    await h.daemon.stop();
  });

  it('backs off after an API outage, doubling up to the interval, and never crashes', async () => {
    const h = harness({ retryBaseMs: 10_000, intervalMs: MIN, jitter: 0 });
    let down = true;
    h.api.fail = (call) =>
      down && call.method === 'GET'
        ? new ServerError({
            method: 'GET',
            path: `/subscriptions/${WS}`,
            status: 503,
            apiMessage: 'unavailable',
          })
        : undefined;
    await h.daemon.start();
    await cycles(h, 1);
    const waits: number[] = [h.clock.pending()[0]!];
    for (let i = 2; i <= 4; i++) {
      h.clock.fireNext();
      await cycles(h, i);
      waits.push(h.clock.pending()[0]!);
    }
    expect(waits).toEqual([10_000, 20_000, 40_000, MIN]);
    expect(h.reports.map((r) => r.reason)).toEqual(['start', 'retry', 'retry', 'retry']);
    expect(await h.metric('toggl_webhooks_errors_total', { stage: 'list' })).toBe(4);
    expect(await h.metric('toggl_webhooks_reconcile_total', { result: 'error' })).toBe(4);

    // Valid files, but Toggl could not be read: not ready.
    expect(h.daemon.ready).toBe(false);
    down = false;
    h.clock.fireNext();
    await cycles(h, 5);
    expect(h.daemon.ready).toBe(true);
    expect(h.reports[4]).toMatchObject({ success: true });
    expect(h.clock.pending()).toEqual([MIN]);
    expect(await h.metric('toggl_webhooks_last_success_timestamp_seconds')).toBe(
      Math.floor(h.clock.now() / 1000),
    );
    await h.daemon.stop();
  });

  it('caps the retry backoff at 5 minutes with a week-long interval, and never past the timer limit', async () => {
    const DAY = 24 * 60 * MIN;
    const h = harness({ retryBaseMs: 10_000, intervalMs: 7 * DAY, jitter: 0 });
    h.api.fail = () =>
      new ServerError({
        method: 'GET',
        path: `/subscriptions/${WS}`,
        status: 503,
        apiMessage: 'unavailable',
      });
    await h.daemon.start();
    await cycles(h, 1);
    const waits: number[] = [h.clock.pending()[0]!];
    for (let i = 2; i <= 8; i++) {
      h.clock.fireNext();
      await cycles(h, i);
      waits.push(h.clock.pending()[0]!);
    }
    // Before the cap the 6th retry waited 320 s, and the 14th 22 hours ("up to the interval").
    expect(waits).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 5 * MIN, 5 * MIN, 5 * MIN]);
    await h.daemon.stop();
  });

  it('retryWait stays finite and bounded after any number of failures', () => {
    for (const failures of [1, 31, 1024, 1e6, Number.MAX_SAFE_INTEGER]) {
      const wait = retryWait(10_000, failures, 7 * 24 * 60 * MIN);
      expect(Number.isFinite(wait)).toBe(true);
      expect(wait).toBeLessThanOrEqual(MAX_RETRY_BACKOFF_MS);
    }
  });

  it('never runs two reconciles at once: triggers during one collapse into one more', async () => {
    let running = 0;
    let maxRunning = 0;
    let release: (() => void) | undefined;
    const api = new FakeApi([WS]);
    const h = harness(
      {
        reconcile: async (args) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          if (!release) await new Promise<void>((r) => (release = r));
          const result = await reconcile({ ...args, api });
          running--;
          return result;
        },
      },
      api,
    );
    await h.daemon.start();
    await waitFor(() => release, 'the first reconcile to start');
    for (let i = 0; i < 5; i++) h.daemon.trigger('change');
    release!();
    await cycles(h, 2);
    expect(h.reports.map((r) => r.reason)).toEqual(['start', 'change']);
    expect(maxRunning).toBe(1);
    await h.daemon.stop();
  });

  it('stops before the next change on stop(): the call in flight finishes, nothing is scheduled', async () => {
    const api = new FakeApi([WS]);
    const h = harness({}, api);
    let stopping: Promise<void> | undefined;
    api.onCall = (call) => {
      // Stop while the first create is on the wire.
      if (call.method === 'POST' && !stopping) stopping = h.daemon.stop();
    };
    await h.daemon.start();
    await waitFor(() => stopping !== undefined, 'stop to be requested');
    await stopping;
    expect(api.mutations()).toHaveLength(1);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]!.result?.aborted).toBe(true);
    expect(h.clock.pending()).toEqual([]);
    h.daemon.trigger('change');
    await h.daemon.idle();
    expect(h.reports).toHaveLength(1);
  });

  it('warns at start when the interval alone would exceed the Free plan quota', async () => {
    const many = desiredState(
      [1, 2, 3, 4, 5, 6].map((id) => ({ workspace_id: id, subscriptions: [{ description: 'x' }] })),
    );
    const h = harness({ intervalMs: 10 * MIN }, new FakeApi([1, 2, 3, 4, 5, 6]));
    h.config.next = many;
    await h.daemon.start();
    await cycles(h, 1);
    const warning = h.logs.entries.find((e) => e.level === 'warn' && /quota/.test(e.msg));
    expect(warning?.msg).toMatch(/36 requests\/hour/);
    expect(warning?.obj).toMatchObject({ workspaces: 6 });
    await h.daemon.stop();

    const h2 = harness({ intervalMs: 10 * MIN });
    await h2.daemon.start();
    await cycles(h2, 1);
    expect(h2.logs.entries.filter((e) => /quota/.test(e.msg))).toEqual([]);
    await h2.daemon.stop();
  });

  it('in dry-run reports drift in the metrics and changes nothing', async () => {
    const h = harness({ dryRun: true });
    h.api.seed(WS, { description: 'Slack: projects', url_callback: 'https://old.example.com/x' });
    h.api.seed(WS, { description: 'stray' });
    await h.daemon.start();
    await cycles(h, 1);
    expect(h.api.mutations()).toEqual([]);
    expect(await h.metric('toggl_webhooks_drift', { workspace_id: String(WS), action: 'create' })).toBe(1);
    expect(await h.metric('toggl_webhooks_drift', { workspace_id: String(WS), action: 'delete' })).toBe(1);
    expect(await h.metric('toggl_webhooks_drift', { workspace_id: String(WS), action: 'update' })).toBe(1);
    expect(await h.metric('toggl_webhooks_drift', { workspace_id: String(WS), action: 'patch' })).toBe(0);
    expect(
      await h.metric('toggl_webhooks_subscription_info', {
        workspace_id: String(WS),
        description: 'Audit: tags',
      }),
    ).toBe(1);
    expect(h.daemon.ready).toBe(true);
    expect(h.reports[0]).toMatchObject({ success: true });
    await h.daemon.stop();
  });

  it('logs a summary per workspace with the reconcile id, and no secret', async () => {
    const secretive = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'S', secret: 'hunter2-very-secret' }] },
    ]);
    const h = harness();
    h.config.next = secretive;
    await h.daemon.start();
    await cycles(h, 1);
    const ws = h.logs.entries.find((e) => e.msg === 'workspace reconciled');
    expect(ws?.obj).toMatchObject({ workspace_id: WS, create: 1, applied: 1, failed: 0 });
    const id = ws?.obj['reconcile_id'];
    expect(h.logs.entries.filter((e) => e.msg === 'reconcile finished')[0]?.obj['reconcile_id']).toBe(id);
    expect(JSON.stringify(h.logs.entries)).not.toContain('hunter2-very-secret');
    await h.daemon.stop();
  });

  it('reconciles on the interval when the files cannot be watched, and on change with a working watcher', async () => {
    const broken = harness({
      watch: () => ({
        ready: Promise.reject(new Error('ENOSPC: System limit for number of file watchers reached')),
        close: async () => {},
      }),
    });
    await broken.daemon.start();
    await cycles(broken, 1);
    expect(broken.logs.entries.some((e) => e.level === 'warn' && /interval only/.test(e.msg))).toBe(true);
    expect(broken.clock.pending()).toHaveLength(1);
    await broken.daemon.stop();

    let fire: (() => void) | undefined;
    let closed = false;
    const h = harness({
      watch: (onChange) => {
        fire = onChange;
        return {
          ready: Promise.resolve(),
          close: async () => {
            closed = true;
          },
        };
      },
    });
    await h.daemon.start();
    await cycles(h, 1);
    fire!();
    await cycles(h, 2);
    expect(h.reports.map((r) => r.reason)).toEqual(['start', 'change']);
    await h.daemon.stop();
    expect(closed).toBe(true);
  });
});

describe('Daemon quota pacing', () => {
  it('delays periodic reconciles while the quota is low, lets a file change go first, re-asks when the timer fires', async () => {
    const budget = new QuotaBudget({ share: 0.25 });
    const h = harness({
      pace: (desired, dueAt) => budget.nextPeriodic('default', desired.workspaces.length, dueAt),
    });
    const t0 = h.clock.now();
    // A full window seen earlier, then CI on the same token left 2 requests, reset in 30 minutes.
    budget.observe('default', { status: 200, remaining: 29, resetsIn: 3600 }, t0 - 2 * 3_600_000);
    budget.observe('default', { status: 200, remaining: 2, resetsIn: 1800 }, t0);

    await h.daemon.start();
    await cycles(h, 1);
    // Due in 10 minutes, but one request is more than a quarter of the 2 left: wait for the reset.
    expect(h.clock.pending()).toEqual([30 * MIN]);
    expect(await h.metric('toggl_webhooks_next_reconcile_timestamp_seconds')).toBe(
      Math.floor((t0 + 30 * MIN) / 1000),
    );
    expect(h.logs.entries.some((e) => e.msg.includes('delayed to stay within the API quota budget'))).toBe(
      true,
    );

    // A file change does not wait.
    h.daemon.trigger('change');
    await cycles(h, 2);
    expect(h.reports[1]?.reason).toBe('change');

    // Meanwhile CI spent more: at the reset time the budget is asked again and says later.
    budget.observe('default', { status: 200, remaining: 1, resetsIn: 3000 }, t0);
    h.clock.fireNext();
    await h.daemon.idle();
    expect(h.reports).toHaveLength(2);
    expect(h.clock.pending()).toEqual([20 * MIN]);

    h.clock.fireNext();
    await cycles(h, 3);
    expect(h.reports[2]?.reason).toBe('interval');
    await h.daemon.stop();
  });
});
