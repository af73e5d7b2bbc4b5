import net from 'node:net';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  GoneError,
  NetworkError,
  QuotaError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../../src/errors.js';
import { type ResponseInfo, TogglClient } from '../../src/toggl/client.js';
import { type ClientConfig, clientConfigFromEnv } from '../../src/toggl/config.js';
import { scripted } from './scripted.js';

// Exact retry sequences a real server cannot produce deterministically; everything else runs against
// the emulator over real HTTP (client.emulator.test.ts).
const BASE = 'https://toggl.test/webhooks/api/v1';
const TOKEN = 'nock-token-4b1d2e';

function client(over: Partial<ClientConfig> = {}, onResponse?: (i: ResponseInfo) => void) {
  const config = clientConfigFromEnv(
    {
      TOGGL_API_TOKEN: TOKEN,
      TOGGL_API_URL: BASE,
      TOGGL_REQUEST_SPACING_MS: '0',
      TOGGL_RETRY_MIN_MS: '5',
      TOGGL_RETRY_MAX_MS: '10',
    },
    over,
  );
  return new TogglClient(config, onResponse ? { onResponse } : {});
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => {
  nock.cleanAll();
});

const sub = {
  subscription_id: 1,
  workspace_id: 1,
  description: 'd',
  url_callback: 'https://x',
  enabled: true,
  event_filters: [],
};

describe('retry policy', () => {
  it('503, 503, 200: succeeds on the third attempt', async () => {
    const scope = nock(BASE)
      .get('/subscriptions/1')
      .times(2)
      .reply(503, '"Internal Server Error"')
      .get('/subscriptions/1')
      .reply(200, [sub]);
    const statuses: number[] = [];
    const out = await client({}, (i) => statuses.push(i.status)).listSubscriptions(1);
    expect(out).toEqual([sub]);
    expect(statuses).toEqual([503, 503, 200]);
    expect(scope.isDone()).toBe(true);
  });

  it('429 with Retry-After waits at least that long before retrying', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(429, 'slow down', { 'Retry-After': '1' })
      .get('/subscriptions/1')
      .reply(200, []);
    const started = Date.now();
    await client().listSubscriptions(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('a socket reset is retried', async () => {
    // nock 14's replyWithError never settles a got request, so the reset comes from a real socket.
    const server = await scripted(['reset', { status: 200, body: '[]' }]);
    try {
      await expect(client({ apiUrl: server.url }).listSubscriptions(1)).resolves.toEqual([]);
      expect(server.lines()).toEqual(['GET /v1/subscriptions/1', 'GET /v1/subscriptions/1']);
    } finally {
      await server.close();
    }
  });

  it('a 400 is never retried and carries the API message verbatim', async () => {
    const msg = "Subscription description 'd' is already in use for workspace 1";
    const scope = nock(BASE).post('/subscriptions/1').once().reply(400, JSON.stringify(msg));
    const statuses: number[] = [];
    const err = await client({}, (i) => statuses.push(i.status))
      .createSubscription(1, {
        description: 'd',
        url_callback: 'https://x',
        event_filters: [],
        enabled: true,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).apiMessage).toBe(msg);
    expect(statuses).toEqual([400]);
    expect(scope.isDone()).toBe(true);
  });

  it('a POST whose response is lost is retried (the caller handles "already in use")', async () => {
    // The server reads the whole request, then drops the connection before answering.
    const server = await scripted(['reset', { status: 200, body: JSON.stringify(sub) }]);
    try {
      const out = await client({ apiUrl: server.url }).createSubscription(1, {
        description: 'd',
        url_callback: 'https://x',
        event_filters: [],
        enabled: true,
      });
      expect(out.subscription_id).toBe(1);
      expect(server.lines()).toEqual(['POST /v1/subscriptions/1', 'POST /v1/subscriptions/1']);
      // The retry sends the same body: the caller recognises "already in use" if the first one landed.
      expect(server.seen[1]?.body).toBe(server.seen[0]?.body);
    } finally {
      await server.close();
    }
  });

  it('gives up after the configured retries with the last error', async () => {
    nock(BASE).get('/subscriptions/1').times(3).reply(502, 'Bad Gateway');
    const err = await client({ retries: 2 })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(502);
  });

  it('bounds the total retry time', async () => {
    nock(BASE).get('/subscriptions/1').times(50).reply(503, 'down');
    const started = Date.now();
    const err = await client({ retries: 50, retryMinMs: 50, retryMaxMs: 50, maxRetryTimeMs: 300 })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('402 fails fast in one-shot mode with the reset time', async () => {
    const scope = nock(BASE)
      .get('/subscriptions/1')
      .once()
      .reply(402, 'quota', { 'X-Toggl-Quota-Remaining': '0', 'X-Toggl-Quota-Resets-In': '1234' });
    const err = await client()
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).resetsInSeconds).toBe(1234);
    expect((err as QuotaError).message).toContain('1234');
    expect(scope.isDone()).toBe(true);
  });

  it('402 waits for the reset in wait mode, then succeeds', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(402, 'quota', { 'X-Toggl-Quota-Resets-In': '0' })
      .get('/subscriptions/1')
      .reply(200, [], { 'X-Toggl-Quota-Remaining': '29' });
    const infos: ResponseInfo[] = [];
    await expect(
      client({ quotaMode: 'wait', maxQuotaWaitMs: 50 }, (i) => infos.push(i)).listSubscriptions(1),
    ).resolves.toEqual([]);
    expect(infos.map((i) => i.status)).toEqual([402, 200]);
    expect(infos[1]?.quotaRemaining).toBe(29);
  });

  it('a 402 that keeps saying "resets in 0 s" is asked again later and later, not every second', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .times(2)
      .reply(402, 'quota', { 'X-Toggl-Quota-Resets-In': '0' })
      .get('/subscriptions/1')
      .reply(200, []);
    const waits: number[] = [];
    const config = clientConfigFromEnv(
      {
        TOGGL_API_TOKEN: TOKEN,
        TOGGL_API_URL: BASE,
        TOGGL_REQUEST_SPACING_MS: '0',
        TOGGL_RETRY_MAX_MS: '600',
      },
      { quotaMode: 'wait' },
    );
    const api = new TogglClient(config, { onRetry: (i) => waits.push(i.delayMs) });
    await expect(api.listSubscriptions(1)).resolves.toEqual([]);
    // Twice the longest backoff (600 ms here, 30 s by default), doubled at each further 402; before,
    // each wait was the header's 0 s plus one.
    expect(waits).toEqual([1200, 2400]);
  });

  it('410 stops at once', async () => {
    const scope = nock(BASE).get('/status').once().reply(410, 'Gone');
    await expect(client().status()).rejects.toBeInstanceOf(GoneError);
    expect(scope.isDone()).toBe(true);
  });

  it('connection refused is a NetworkError after retries, without the token', async () => {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    const err = await client({ apiUrl: `http://127.0.0.1:${port}/webhooks/api/v1`, retries: 1 })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(JSON.stringify({ m: (err as Error).message, s: (err as Error).stack })).not.toContain(TOKEN);
  });

  it('times out on a server that never answers', async () => {
    const sockets: net.Socket[] = [];
    const srv = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const port = (srv.address() as net.AddressInfo).port;
    try {
      const err = await client({ apiUrl: `http://127.0.0.1:${port}/v1`, timeoutMs: 200, retries: 1 })
        .listSubscriptions(1)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TimeoutError);
      expect((err as TimeoutError).code).toBe('E_TIMEOUT');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    }
  });

  it('429 without Retry-After is retried with backoff and reported as RateLimitError when exhausted', async () => {
    nock(BASE).get('/subscriptions/1').times(2).reply(429, 'Too Many Requests');
    const err = await client({ retries: 1 })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
  });

  it("normalises list answers: array, {items}, and null (Go's empty slice) as empty", async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, { items: [sub] })
      .get('/subscriptions/2')
      .reply(200, 'null');
    expect(await client().listSubscriptions(1)).toEqual([sub]);
    expect(await client().listSubscriptions(2)).toEqual([]);
  });

  it('drops soft-deleted subscriptions, but not a Go zero deleted_at', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, [
        { ...sub, subscription_id: 7, workspace_id: 1 },
        { ...sub, subscription_id: 8, description: 'gone', deleted_at: '2026-01-01T00:00:00Z' },
        { ...sub, subscription_id: 9, description: 'zero', deleted_at: '0001-01-01T00:00:00Z' },
      ]);
    const out = await client().listSubscriptions(1);
    expect(out.map((s) => [s.subscription_id, s.description])).toEqual([
      [7, 'd'],
      [9, 'zero'],
    ]);
  });
});

describe('TOGGL_API_TOKEN_FILE rotation', () => {
  const basic = (t: string) => `Basic ${Buffer.from(`${t}:api_token`).toString('base64')}`;

  it('after a 403, reads the file again and retries once with the new token (same size and mtime)', async () => {
    const { mkdtempSync, writeFileSync, statSync, utimesSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'tws-token-')), 'token');
    writeFileSync(file, 'old-token-1111');
    const config = clientConfigFromEnv({
      TOGGL_API_TOKEN_FILE: file,
      TOGGL_API_URL: BASE,
      TOGGL_REQUEST_SPACING_MS: '0',
    });
    expect(config.tokenFile).toBe(file);
    const api = new TogglClient(config);
    // Rotated in place, same length, modification time put back: only the 403 can reveal it.
    const before = statSync(file);
    writeFileSync(file, 'new-token-2222');
    utimesSync(file, before.atimeMs / 1000, before.mtimeMs / 1000);
    const scope = nock(BASE)
      .get('/subscriptions/1')
      .matchHeader('authorization', basic('old-token-1111'))
      .reply(403, '"Incorrect username and/or password"')
      .get('/subscriptions/1')
      .matchHeader('authorization', basic('new-token-2222'))
      .reply(200, [sub]);
    expect(await api.listSubscriptions(1)).toHaveLength(1);
    expect(scope.isDone()).toBe(true);
  });

  it('a 403 with an unchanged file is final: no retry loop', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const file = join(mkdtempSync(join(tmpdir(), 'tws-token-')), 'token');
    writeFileSync(file, 'same-token-3333');
    const api = new TogglClient(
      clientConfigFromEnv({ TOGGL_API_TOKEN_FILE: file, TOGGL_API_URL: BASE, TOGGL_REQUEST_SPACING_MS: '0' }),
    );
    const scope = nock(BASE).get('/subscriptions/1').once().reply(403, '"no"');
    await expect(api.listSubscriptions(1)).rejects.toMatchObject({ code: 'E_API_AUTH' });
    expect(scope.isDone()).toBe(true);
  });
});
