import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, signBody, startEmulator } from '../../src/emulator/index.js';
import type { Subscription } from '../../src/toggl/types.js';
import { api, closedPort, type Receiver, startReceiver, sub, WS } from './helpers.js';

// The docs' worked example (webhooks-validating-received-events.txt).
const DOC_SECRET = 'PGuRrhCFajIyEvFlreKL';
const DOC_BODY =
  '{"event_id":0,"created_at":"2022-06-25T03:58:10.207820267Z","creator_id":6,"metadata":{"request_type":"POST","event_user_id":6},"payload":"ping","subscription_id":6,"timestamp":"2022-06-25T03:58:10.207820267Z","url_callback":"https://callback-url.com"}';
const DOC_SIGNATURE = 'sha256=bf829606cda0ca6923defb5ca70a43135adc7e8887486a201a19cb50ca6006b1';

let emu: Emulator;
let receiver: Receiver;

beforeAll(async () => {
  receiver = await startReceiver();
  emu = await startEmulator({ callbackTimeoutMs: 2000 });
});
afterAll(async () => {
  await emu.close();
  await receiver.close();
});
beforeEach(() => {
  for (const s of emu.subscriptions(WS)) emu.remove(WS, s.subscription_id);
  receiver.events.length = 0;
  receiver.respond = () => ({ status: 200, body: '{}' });
  emu.resetCalls();
});

const echo = () => {
  receiver.respond = (ev) => ({
    status: 200,
    body: JSON.stringify({ validation_code: ev.json['validation_code'] }),
  });
};

const create = async (over: Record<string, unknown> = {}) => {
  const res = await api(emu, 'POST', `/subscriptions/${WS}`, {
    body: sub({ url_callback: receiver.url, ...over }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Subscription;
};

describe('signatures', () => {
  it('reproduces the test vector of the docs', () => {
    expect(signBody(DOC_SECRET, DOC_BODY)).toBe(DOC_SIGNATURE);
  });
});

describe('callback check on create', () => {
  it('POSTs a signed PING carrying the validation code; the subscription stays unvalidated without an echo', async () => {
    const created = await create();
    expect(created.validated_at).toBeNull();
    expect(receiver.events).toHaveLength(1);
    const ev = receiver.events[0]!;
    expect(ev.method).toBe('POST');
    expect(ev.headers['content-type']).toBe('application/json');
    expect(ev.headers['x-webhook-signature-256']).toBe(signBody(created.secret!, ev.raw));
    expect(ev.json).toMatchObject({
      event_id: 0,
      creator_id: 1,
      metadata: { request_type: 'POST', event_user_id: 1 },
      payload: 'ping',
      subscription_id: created.subscription_id,
      url_callback: receiver.url,
    });
    expect(Object.keys(ev.json).slice(0, 8)).toEqual([
      'event_id',
      'created_at',
      'creator_id',
      'metadata',
      'payload',
      'subscription_id',
      'timestamp',
      'url_callback',
    ]);
    const code = ev.json['validation_code'];
    expect(typeof code).toBe('string');
    expect(code).toBe(emu.validationCode(WS, created.subscription_id));
    expect(ev.json['validation_code_url']).toBe(
      `${emu.url}/validate/${WS}/${created.subscription_id}/${code}`,
    );
    expect(emu.deliveries).toHaveLength(1);
    expect(emu.deliveries[0]).toMatchObject({ url: receiver.url, status: 200, body: ev.raw });
  });

  it('signs with the secret given on create', async () => {
    const created = await create({ secret: 'a-declared-secret' });
    expect(receiver.events[0]?.headers['x-webhook-signature-256']).toBe(
      signBody('a-declared-secret', receiver.events[0]!.raw),
    );
    expect(created.secret).toBe('a-declared-secret');
  });

  it('validates synchronously when the receiver echoes the code; later pings carry no code', async () => {
    echo();
    const created = await create();
    expect(typeof created.validated_at).toBe('string');
    expect(emu.validationCode(WS, created.subscription_id)).toBeUndefined();
    const ping = await api(emu, 'POST', `/ping/${WS}/${created.subscription_id}`);
    expect(ping.body).toEqual({ status: 'OK' });
    expect(receiver.events[1]?.json).not.toHaveProperty('validation_code');
  });

  it('does not validate on a wrong echo', async () => {
    receiver.respond = () => ({ status: 200, body: '{"validation_code":"guess"}' });
    const created = await create();
    expect(created.validated_at).toBeNull();
  });

  it('refuses with the documented text when the endpoint answers non-2xx, and creates nothing', async () => {
    receiver.respond = () => ({ status: 500, body: 'boom' });
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ url_callback: receiver.url }) });
    expect(res.status).toBe(400);
    expect(res.body).toBe(`URL endpoint ${receiver.url} responded with status 500 instead of 200`);
    expect(emu.subscriptions(WS)).toEqual([]);
  });

  it('refuses with the documented text when the endpoint cannot be reached', async () => {
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}/hook`;
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ url_callback: url }) });
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      `URL endpoint ${url} request failed with error: Post "${url}": dial tcp 127.0.0.1:${port}: connect: connection refused`,
    );
    expect(emu.subscriptions(WS)).toEqual([]);
    expect(emu.deliveries[0]).toMatchObject({ url, status: null });
  });

  it('refuses a URL with an unsupported scheme', async () => {
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, {
      body: sub({ url_callback: 'ftp://files.example.com' }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe(
      'URL endpoint ftp://files.example.com request failed with error: Post "ftp://files.example.com": unsupported protocol scheme "ftp"',
    );
  });

  it('reports a receiver that never answers as a timeout', async () => {
    const slow = await startEmulator({ callbackTimeoutMs: 100 });
    const hang = await startReceiver();
    hang.respond = () => null;
    try {
      const res = await api(slow, 'POST', `/subscriptions/${WS}`, { body: sub({ url_callback: hang.url }) });
      expect(res.status).toBe(400);
      expect(res.body).toBe(
        `URL endpoint ${hang.url} request failed with error: Post "${hang.url}": context deadline exceeded (Client.Timeout exceeded while awaiting headers)`,
      );
    } finally {
      await slow.close();
      await hang.close();
    }
  });

  it('is skipped with callbackCheck: false (no delivery, unvalidated)', async () => {
    const quiet = await startEmulator({ callbackCheck: false });
    try {
      const res = await api(quiet, 'POST', `/subscriptions/${WS}`, {
        body: sub({ url_callback: receiver.url }),
      });
      expect(res.status).toBe(200);
      expect((res.body as Subscription).validated_at).toBeNull();
      expect(receiver.events).toEqual([]);
      expect(quiet.deliveries).toEqual([]);
    } finally {
      await quiet.close();
    }
  });
});

describe('callback check on update and enable', () => {
  it('PUT without a URL change or enabling makes no delivery', async () => {
    const s = await create();
    receiver.events.length = 0;
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: sub({
        url_callback: receiver.url,
        secret: s.secret,
        event_filters: [{ entity: 'tag', action: '*' }],
      }),
    });
    expect(res.status).toBe(200);
    expect(receiver.events).toEqual([]);
  });

  it('PUT with a new URL pings it, says "instead of 2xx" on failure and keeps the old state', async () => {
    const s = await create();
    const other = await startReceiver();
    try {
      other.respond = () => ({ status: 503 });
      const res = await api(emu, 'PUT', `/subscriptions/${WS}/${s.subscription_id}`, {
        body: sub({ url_callback: other.url, secret: s.secret }),
      });
      expect(res.status).toBe(400);
      expect(res.body).toBe(`URL endpoint ${other.url} responded with status 503 instead of 2xx`);
      expect(emu.subscriptions(WS)[0]?.url_callback).toBe(receiver.url);

      other.respond = () => ({ status: 204 });
      const ok = await api(emu, 'PUT', `/subscriptions/${WS}/${s.subscription_id}`, {
        body: sub({ url_callback: other.url, secret: 'rotated-secret' }),
      });
      expect(ok.status).toBe(200);
      const ev = other.events.at(-1)!;
      expect(ev.headers['x-webhook-signature-256']).toBe(signBody('rotated-secret', ev.raw));
    } finally {
      await other.close();
    }
  });

  it('a new URL has to be validated again', async () => {
    echo();
    const s = await create();
    expect(s.validated_at).not.toBeNull();
    receiver.respond = () => ({ status: 200, body: '{}' });
    const moved = await api(emu, 'PUT', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: sub({ url_callback: `${receiver.url}?v=2`, secret: s.secret }),
    });
    expect(moved.status).toBe(200);
    expect((moved.body as Subscription).validated_at).toBeNull();
    expect(receiver.events.at(-1)?.json['validation_code']).toBe(emu.validationCode(WS, s.subscription_id));
  });

  it('PATCH false -> true pings (failure: "instead of 200"); true -> false does not', async () => {
    const s = await create({ enabled: false });
    receiver.events.length = 0;
    receiver.respond = () => ({ status: 404 });
    const refused = await api(emu, 'PATCH', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: { enabled: true },
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toBe(`URL endpoint ${receiver.url} responded with status 404 instead of 200`);
    expect(emu.subscriptions(WS)[0]?.enabled).toBe(false);

    echo();
    const enabled = await api(emu, 'PATCH', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: { enabled: true },
    });
    expect(enabled.status).toBe(200);
    expect((enabled.body as Subscription).validated_at).not.toBeNull();
    expect(receiver.events).toHaveLength(2);
    await api(emu, 'PATCH', `/subscriptions/${WS}/${s.subscription_id}`, { body: { enabled: false } });
    expect(receiver.events).toHaveLength(2);
  });

  it('PUT enabling a disabled subscription pings it', async () => {
    const s = await create({ enabled: false });
    receiver.events.length = 0;
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: sub({ url_callback: receiver.url, secret: s.secret, enabled: true }),
    });
    expect(res.status).toBe(200);
    expect(receiver.events).toHaveLength(1);
  });
});

describe('ping and validate endpoints', () => {
  it('POST /ping delivers a signed ping even to a disabled, unvalidated subscription', async () => {
    const s = await create({ enabled: false });
    receiver.events.length = 0;
    const res = await api(emu, 'POST', `/ping/${WS}/${s.subscription_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'OK' });
    const ev = receiver.events[0]!;
    expect(ev.headers['x-webhook-signature-256']).toBe(signBody(s.secret!, ev.raw));
    expect(ev.json['validation_code']).toBe(emu.validationCode(WS, s.subscription_id));
  });

  it('POST /ping reports a failing endpoint in status, and 404s an unknown id', async () => {
    const s = await create();
    receiver.respond = () => ({ status: 500 });
    const res = await api(emu, 'POST', `/ping/${WS}/${s.subscription_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      status: `URL endpoint ${receiver.url} responded with status 500 instead of 2xx`,
    });
    const missing = await api(emu, 'POST', `/ping/${WS}/987654`);
    expect(missing.status).toBe(404);
    expect(missing.body).toBe(`subscription 987654 for workspace ${WS} was not found`);
  });

  it('a ping echoed back validates', async () => {
    const s = await create();
    echo();
    await api(emu, 'POST', `/ping/${WS}/${s.subscription_id}`);
    expect(emu.subscriptions(WS)[0]?.validated_at).not.toBeNull();
  });

  it('GET /validate: wrong code, right code ("OK"), then already validated', async () => {
    const s = await create();
    const code = receiver.events[0]?.json['validation_code'] as string;
    const wrong = await api(emu, 'GET', `/validate/${WS}/${s.subscription_id}/nope`, { token: null });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toBe(
      `subscription ${s.subscription_id} for workspace ${WS} and validation code 'nope' was not found`,
    );
    expect(emu.subscriptions(WS)[0]?.validated_at).toBeNull();

    const right = await api(emu, 'GET', `/validate/${WS}/${s.subscription_id}/${code}`, { token: null });
    expect(right.status).toBe(200);
    expect(right.body).toBe('OK');
    const listed = (await api(emu, 'GET', `/subscriptions/${WS}`)).body as Subscription[];
    expect(Number.isNaN(Date.parse(listed[0]?.validated_at ?? ''))).toBe(false);

    const again = await api(emu, 'GET', `/validate/${WS}/${s.subscription_id}/${code}`, { token: null });
    expect(again.status).toBe(400);
    expect(again.body).toBe(`subscription ${s.subscription_id} has already been validated`);
  });

  it('GET /validate for an unknown subscription uses the "not found" text', async () => {
    const res = await api(emu, 'GET', `/validate/${WS}/31337/abc`, { token: null });
    expect(res.status).toBe(400);
    expect(res.body).toBe(`subscription 31337 for workspace ${WS} and validation code 'abc' was not found`);
  });
});

describe('concurrency', () => {
  it('two concurrent creates with one description: one wins, the other gets "already in use"', async () => {
    const results = await Promise.all([
      api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ url_callback: receiver.url }) }),
      api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ url_callback: receiver.url }) }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    expect(results.find((r) => r.status === 400)?.body).toBe(
      `Subscription description 'Slack: new projects' is already in use for workspace ${WS}`,
    );
    expect(emu.subscriptions(WS)).toHaveLength(1);
  });
});
