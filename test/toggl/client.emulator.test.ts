import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { AuthError, NotFoundError, type TwsError, ValidationError } from '../../src/errors.js';
import { type ResponseInfo, TogglClient } from '../../src/toggl/client.js';
import { clientConfigFromEnv } from '../../src/toggl/config.js';
import { USER_AGENT } from '../../src/version.js';

const TOKEN = 'client-test-token-7f3a9c';
const WS = 4242;
let emu: Emulator;
let receiver: http.Server;
let receiverUrl: string;

function client(env: Record<string, string> = {}) {
  return new TogglClient(
    clientConfigFromEnv({
      TOGGL_API_TOKEN: TOKEN,
      TOGGL_API_URL: emu.url,
      TOGGL_REQUEST_SPACING_MS: '0',
      TOGGL_RETRY_MIN_MS: '10',
      TOGGL_RETRY_MAX_MS: '20',
      ...env,
    }),
  );
}

beforeAll(async () => {
  emu = await startEmulator({
    port: 0,
    token: TOKEN,
    workspaces: [WS],
    limits: { max_webhooks: 3, max_events_per_webhook: 4 },
  });
  // A receiver that echoes validation codes, so the emulator's callback check passes and validates.
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => {
      raw += c.toString('utf8');
    });
    req.on('end', () => {
      const code = (JSON.parse(raw) as { validation_code?: string }).validation_code;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(code ? JSON.stringify({ validation_code: code }) : '{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
});

afterAll(async () => {
  await emu.close();
  await new Promise((r) => receiver.close(r));
});

describe('TogglClient against the emulator', () => {
  it('creates, lists, updates, patches and deletes a subscription', async () => {
    const api = client();
    const created = await api.createSubscription(WS, {
      description: 'client CRUD',
      url_callback: receiverUrl,
      event_filters: [{ entity: 'project', action: 'created' }],
      enabled: true,
      secret: 'crud-secret-1',
    });
    expect(created.subscription_id).toBeGreaterThan(0);
    expect(created.secret).toBe('crud-secret-1');

    const listed = await api.listSubscriptions(WS);
    expect(listed.map((s) => s.description)).toContain('client CRUD');

    const updated = await api.updateSubscription(WS, created.subscription_id, {
      description: 'client CRUD',
      url_callback: receiverUrl,
      event_filters: [{ entity: 'tag', action: '*' }],
      enabled: true,
      secret: 'crud-secret-2',
    });
    expect(updated.event_filters).toEqual([{ entity: 'tag', action: '*' }]);

    const patched = await api.setEnabled(WS, created.subscription_id, false);
    expect(patched.enabled).toBe(false);

    await api.deleteSubscription(WS, created.subscription_id);
    expect((await api.listSubscriptions(WS)).map((s) => s.description)).not.toContain('client CRUD');
  });

  it('pings, validates, and reads limits, event filters and status', async () => {
    const api = client();
    const sub = await api.createSubscription(WS, {
      description: 'client ping',
      url_callback: receiverUrl,
      event_filters: [{ entity: 'tag', action: 'created' }],
      enabled: false,
    });
    expect(typeof (await api.ping(WS, sub.subscription_id))).toBe('object');
    expect(await api.limits(WS)).toEqual({ max_webhooks: 3, max_events_per_webhook: 4 });
    const catalog = await api.eventFilters();
    expect(Object.keys(catalog)).toContain('project');
    expect(typeof (await api.status())).toBe('object');
    await expect(api.validate(WS, sub.subscription_id, 'not-the-code')).rejects.toBeInstanceOf(
      ValidationError,
    );
    await api.deleteSubscription(WS, sub.subscription_id);
  });

  it('maps documented errors to classes with the API message, method, path and status', async () => {
    const api = client();
    const err = await api.listSubscriptions(999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect(err).toMatchObject({
      code: 'E_API_AUTH',
      method: 'GET',
      path: '/subscriptions/999',
      status: 403,
      apiMessage: 'User not found/accessible for workspace',
    });
    const nf = await api.setEnabled(WS, 987654, true).catch((e: unknown) => e);
    expect(nf).toBeInstanceOf(NotFoundError);
    expect((nf as NotFoundError).apiMessage).toBe(`subscription 987654 for workspace ${WS} was not found`);
    const bad = await api
      .createSubscription(WS, {
        description: '',
        url_callback: receiverUrl,
        event_filters: [],
        enabled: true,
      })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as ValidationError).apiMessage).toBe('Subscription description must not be empty');
  });

  it('refuses a bad token with 403 and never puts the token in an error', async () => {
    const api = new TogglClient(
      clientConfigFromEnv({
        TOGGL_API_TOKEN: 'wrong-token-abcdef',
        TOGGL_API_URL: emu.url,
        TOGGL_REQUEST_SPACING_MS: '0',
      }),
    );
    const err = (await api.listSubscriptions(WS).catch((e: unknown) => e)) as TwsError;
    expect(err).toBeInstanceOf(AuthError);
    const dump = `${err.message}\n${err.stack}\n${JSON.stringify(err)}\n${String(err.cause ?? '')}`;
    expect(dump).not.toContain('wrong-token-abcdef');
    expect(dump).not.toContain(Buffer.from('wrong-token-abcdef:api_token').toString('base64'));
  });

  it('sends Basic TOKEN:api_token, the User-Agent and JSON content type', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const probe = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/webhooks/api/v1`;
    await client({ TOGGL_API_URL: url }).listSubscriptions(1);
    await new Promise((r) => probe.close(r));
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from(`${TOKEN}:api_token`).toString('base64')}`);
    expect(seen[0]?.['user-agent']).toBe(USER_AGENT);
    expect(seen[0]?.['content-type']).toBe('application/json');
  });

  it('spaces requests by the configured interval', async () => {
    emu.resetCalls();
    const api = client({ TOGGL_REQUEST_SPACING_MS: '80' });
    await Promise.all([api.listSubscriptions(WS), api.listSubscriptions(WS), api.listSubscriptions(WS)]);
    const at = emu.calls.map((c) => c.at);
    expect(at).toHaveLength(3);
    // Arrival times jitter with scheduling; two full intervals must still separate the first and last.
    expect(at[2]! - at[0]!).toBeGreaterThanOrEqual(140);
  });

  it('retries injected 5xx and 429 faults until it succeeds', async () => {
    emu.setFaults({ errorRate: 0.5, rateLimitRate: 0.2, retryAfterSeconds: 0, seed: 7 });
    try {
      const api = client({ TOGGL_RETRIES: '10' });
      for (let i = 0; i < 5; i++) expect(Array.isArray(await api.listSubscriptions(WS))).toBe(true);
    } finally {
      emu.setFaults({});
    }
    expect(emu.calls.some((c) => c.status >= 500 || c.status === 429)).toBe(true);
  });

  it('validates with the code the pings carry, and reports quota headers per response', async () => {
    const responses: ResponseInfo[] = [];
    const api = new TogglClient(
      clientConfigFromEnv({ TOGGL_API_TOKEN: TOKEN, TOGGL_API_URL: emu.url, TOGGL_REQUEST_SPACING_MS: '0' }),
      { onResponse: (r) => responses.push(r) },
    );
    const created = await api.createSubscription(WS, {
      description: 'client validate',
      url_callback: receiverUrl,
      event_filters: [{ entity: 'client', action: '*' }],
      enabled: false,
    });
    const id = created.subscription_id;
    emu.mutate(WS, id, { validated_at: null });
    const code = emu.validationCode(WS, id);
    expect(code).toBeTruthy();
    await api.validate(WS, id, code as string);
    const live = (await api.listSubscriptions(WS)).find((s) => s.subscription_id === id);
    expect(live?.validated_at).toBeTruthy();
    const again = await api.validate(WS, id, code as string).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ValidationError);
    const list = responses.find((r) => r.method === 'GET' && r.path === `/subscriptions/${WS}`);
    expect(list).toMatchObject({ status: 200 });
    expect(list?.quotaRemaining).toEqual(expect.any(Number));
    expect(list?.quotaResetsIn).toEqual(expect.any(Number));
    await api.deleteSubscription(WS, id);
  });

  it('a create whose answer the emulator loses is retried and meets "already in use" (the caller adopts it)', async () => {
    emu.setFaults({ lostResponseRate: 1, seed: 1 });
    // Only the first attempt's answer is lost: the moment the client sees no answer, the faults end.
    const api = new TogglClient(
      clientConfigFromEnv({
        TOGGL_API_TOKEN: TOKEN,
        TOGGL_API_URL: emu.url,
        TOGGL_REQUEST_SPACING_MS: '0',
        TOGGL_RETRY_MIN_MS: '10',
      }),
      { onResponse: (r) => (r.status === 0 ? emu.setFaults({}) : undefined) },
    );
    const pending = api.createSubscription(WS, {
      description: 'client lost answer',
      url_callback: receiverUrl,
      event_filters: [{ entity: 'project', action: 'deleted' }],
      enabled: true,
    });
    const err = await pending.catch((e: unknown) => e);
    emu.setFaults({});
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).apiMessage).toBe(
      `Subscription description 'client lost answer' is already in use for workspace ${WS}`,
    );
    const made = emu.subscriptions(WS).filter((s) => s.description === 'client lost answer');
    expect(made).toHaveLength(1);
    await api.deleteSubscription(WS, made[0]!.subscription_id);
  });

  it('never puts the token in any error it throws, across every kind of failure', async () => {
    const basic = Buffer.from(`${TOKEN}:api_token`).toString('base64');
    const api = client({ TOGGL_RETRIES: '1', TOGGL_TIMEOUT_MS: '300' });
    const failures: unknown[] = [];
    const grab = async (p: Promise<unknown>) =>
      failures.push(
        await p.then(
          () => undefined,
          (e: unknown) => e,
        ),
      );
    await grab(api.listSubscriptions(999));
    await grab(api.setEnabled(WS, 123456, true));
    await grab(
      api.createSubscription(WS, {
        description: '',
        url_callback: receiverUrl,
        event_filters: [],
        enabled: true,
      }),
    );
    await grab(api.validate(WS, 123456, 'nope-code'));
    emu.setFaults({ errorRate: 1, seed: 3 });
    await grab(api.listSubscriptions(WS));
    emu.setFaults({ dropRate: 1, seed: 3 });
    await grab(api.listSubscriptions(WS));
    emu.setFaults({ latencyMs: 1000 });
    await grab(api.listSubscriptions(WS));
    emu.setFaults({});
    expect(failures.map((e) => (e as TwsError).code)).toEqual([
      'E_API_AUTH',
      'E_API_NOT_FOUND',
      'E_API_VALIDATION',
      'E_API_VALIDATION',
      'E_API_SERVER',
      'E_NETWORK',
      'E_TIMEOUT',
    ]);
    for (const e of failures) {
      const text = `${(e as Error).message}\n${(e as Error).stack}\n${JSON.stringify(e)}\n${inspect(e, { showHidden: true, depth: 10 })}`;
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(basic);
    }
  });
});
