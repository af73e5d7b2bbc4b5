import { afterEach, describe, expect, it } from 'vitest';
import { type ProbeServer, startProbeServer } from '../../src/daemon/server.js';
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
