import { afterEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import type { Subscription } from '../../src/toggl/types.js';
import { api, sub, WS } from './helpers.js';

const started: Emulator[] = [];
const start = async (opts: EmulatorOptions) => {
  const emu = await startEmulator({ callbackCheck: false, ...opts });
  started.push(emu);
  return emu;
};
afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

describe('quota', () => {
  it('sends the quota headers on authenticated answers and 402 once the window is used up', async () => {
    const emu = await start({ quota: { limit: 3, windowSeconds: 60 }, workspaces: [WS, 42] });
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(emu, 'GET', `/subscriptions/${WS}`);
      expect(res.status).toBe(200);
      remaining.push(res.headers.get('x-toggl-quota-remaining') ?? '');
      const resetsIn = Number(res.headers.get('x-toggl-quota-resets-in'));
      expect(resetsIn).toBeGreaterThan(0);
      expect(resetsIn).toBeLessThanOrEqual(60);
    }
    expect(remaining).toEqual(['2', '1', '0']);

    const refused = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub() });
    expect(refused.status).toBe(402);
    expect(refused.headers.get('x-toggl-quota-remaining')).toBe('0');
    expect(Number(refused.headers.get('x-toggl-quota-resets-in'))).toBeGreaterThan(0);
    expect(refused.body).toMatch(/Quota resets in \d+ seconds/);
    expect(emu.subscriptions(WS)).toEqual([]);
    expect(emu.calls.at(-1)).toMatchObject({ status: 402, fault: 'quota' });

    // Another workspace has its own window; unauthenticated routes carry no quota headers.
    expect((await api(emu, 'GET', '/subscriptions/42')).headers.get('x-toggl-quota-remaining')).toBe('2');
    expect((await api(emu, 'GET', '/status')).headers.get('x-toggl-quota-remaining')).toBeNull();
  });

  it('frees the quota as the window slides', async () => {
    const emu = await start({ quota: { limit: 1, windowSeconds: 0.2 } });
    expect((await api(emu, 'GET', `/subscriptions/${WS}`)).status).toBe(200);
    expect((await api(emu, 'GET', `/subscriptions/${WS}`)).status).toBe(402);
    await new Promise((r) => setTimeout(r, 250));
    expect((await api(emu, 'GET', `/subscriptions/${WS}`)).status).toBe(200);
  });

  it('quota: false sends no quota headers', async () => {
    const emu = await start({ quota: false });
    const res = await api(emu, 'GET', `/subscriptions/${WS}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-toggl-quota-remaining')).toBeNull();
    expect(res.headers.get('x-toggl-quota-resets-in')).toBeNull();
  });

  it('has a large default quota', async () => {
    const emu = await start({});
    const res = await api(emu, 'GET', `/subscriptions/${WS}`);
    expect(Number(res.headers.get('x-toggl-quota-remaining'))).toBeGreaterThanOrEqual(1000);
  });
});

describe('fault injection', () => {
  it('errorRate 1: 500/502/503 "Internal Server Error" and nothing changes', async () => {
    const emu = await start({ faults: { errorRate: 1, seed: 1 } });
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ description: `s${i}` }) });
      statuses.add(res.status);
      expect(res.body).toBe('Internal Server Error');
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
    expect(emu.subscriptions(WS)).toEqual([]);
    expect(emu.calls.every((c) => c.fault === 'error')).toBe(true);
  });

  it('rateLimitRate 1: 429 with Retry-After', async () => {
    const emu = await start({ faults: { rateLimitRate: 1, retryAfterSeconds: 7 } });
    const res = await api(emu, 'GET', `/subscriptions/${WS}`);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('the same seed gives the same fault sequence', async () => {
    const sequence = async () => {
      const emu = await start({ faults: { errorRate: 0.3, rateLimitRate: 0.2, seed: 42 } });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await api(emu, 'GET', '/status')).status);
      return out;
    };
    const a = await sequence();
    const b = await sequence();
    expect(a).toEqual(b);
    expect(a).toContain(200);
    expect(a.some((s) => s >= 500)).toBe(true);
    expect(a).toContain(429);
  });

  it('setFaults switches faults on and off at run time', async () => {
    const emu = await start({});
    emu.setFaults({ errorRate: 1 });
    expect((await api(emu, 'GET', '/status')).status).toBeGreaterThanOrEqual(500);
    emu.setFaults(undefined);
    expect((await api(emu, 'GET', '/status')).status).toBe(200);
  });

  it('dropRate 1: the connection is closed without an answer and nothing changes', async () => {
    const emu = await start({ faults: { dropRate: 1 } });
    await expect(api(emu, 'POST', `/subscriptions/${WS}`, { body: sub() })).rejects.toThrow();
    emu.setFaults(undefined);
    expect(emu.subscriptions(WS)).toEqual([]);
    expect(emu.calls[0]).toMatchObject({ method: 'POST', status: 0, fault: 'drop' });
  });

  it('lostResponseRate 1: the change is applied, then the connection is closed', async () => {
    const emu = await start({ faults: { lostResponseRate: 1 } });
    await expect(api(emu, 'POST', `/subscriptions/${WS}`, { body: sub() })).rejects.toThrow();
    emu.setFaults(undefined);
    const listed = (await api(emu, 'GET', `/subscriptions/${WS}`)).body as Subscription[];
    expect(listed.map((s) => s.description)).toEqual(['Slack: new projects']);
    expect(emu.calls[0]).toMatchObject({ method: 'POST', status: 200, fault: 'lost_response' });
    const retry = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub() });
    expect(retry.status).toBe(400);
    expect(retry.body).toBe(
      `Subscription description 'Slack: new projects' is already in use for workspace ${WS}`,
    );
  });

  it('latencyMs delays every answer', async () => {
    const emu = await start({ faults: { latencyMs: 60 } });
    const t0 = performance.now();
    const res = await api(emu, 'GET', '/status');
    expect(res.status).toBe(200);
    // A lower bound only: the injected delay is a behaviour, not a speed measurement.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(55);
  });

  it('faults apply to API routes only', async () => {
    const emu = await start({ faults: { errorRate: 1 } });
    const res = await fetch(new URL('/', emu.url));
    expect(res.status).toBe(404);
  });
});

describe('lifecycle', () => {
  it('close() is idempotent and frees the port', async () => {
    const emu = await startEmulator({});
    await Promise.all([emu.close(), emu.close()]);
    await expect(fetch(`${emu.url}/status`)).rejects.toThrow();
  });

  it('serves on the requested port on 127.0.0.1', async () => {
    const probe = await startEmulator({});
    const port = probe.port;
    await probe.close();
    const emu = await start({ port });
    expect(emu.port).toBe(port);
    expect(emu.url).toBe(`http://127.0.0.1:${port}/webhooks/api/v1`);
  });
});
