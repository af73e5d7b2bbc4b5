import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PROBE_CONNECTIONS, type ProbeServer, startProbeServer } from '../../src/daemon/server.js';
import { createMetrics } from '../../src/metrics/index.js';

let server: ProbeServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('probe server', () => {
  it('serves /healthz, /readyz (503 until ready), /metrics, and 404 for the rest', async () => {
    const metrics = createMetrics({ processMetrics: false });
    let ready = false;
    server = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      registry: metrics.registry,
      isReady: () => ready,
    });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toMatch(/no reconcile has completed/);
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(metrics.registry.contentType);
    expect(await res.text()).toContain('# TYPE toggl_webhooks_reconcile_total counter');

    expect((await fetch(`${server.url}/`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics/extra`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
    const head = await fetch(`${server.url}/healthz`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('closes even with a keep-alive connection open', async () => {
    server = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics({ processMetrics: false }).registry,
      isReady: () => true,
    });
    await fetch(`${server.url}/healthz`, { headers: { connection: 'keep-alive' } });
    await server.close();
    server = undefined;
  });

  it('fails clearly when the port is taken', async () => {
    const registry = createMetrics({ processMetrics: false }).registry;
    server = await startProbeServer({ host: '127.0.0.1', port: 0, registry, isReady: () => true });
    await expect(
      startProbeServer({ host: '127.0.0.1', port: server.port, registry, isReady: () => true }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('probe server budgets', () => {
  const connect = (url: string) =>
    new Promise<import('node:net').Socket>((resolve, reject) => {
      const { hostname, port } = new URL(url);
      const s = net.connect(Number(port), hostname, () => resolve(s));
      s.on('error', reject);
    });
  const closed = (s: import('node:net').Socket) => new Promise<void>((r) => s.once('close', () => r()));

  it('closes a connection that sends nothing (before: kept forever)', async () => {
    server = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics({ processMetrics: false }).registry,
      isReady: () => true,
      idleTimeoutMs: 300,
    });
    const socket = await connect(server.url);
    const started = Date.now();
    await closed(socket);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it(`refuses connections past ${MAX_PROBE_CONNECTIONS} and still serves once they go`, async () => {
    server = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      registry: createMetrics({ processMetrics: false }).registry,
      isReady: () => true,
    });
    const sockets = await Promise.all(
      Array.from({ length: MAX_PROBE_CONNECTIONS }, () => connect((server as ProbeServer).url)),
    );
    const extra = await connect(server.url);
    await closed(extra);
    for (const s of sockets) s.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
