import { inspect } from 'node:util';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  AuthError,
  NotFoundError,
  QuotaError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../../src/errors.js';
import { type RetryInfo, TogglClient } from '../../src/toggl/client.js';
import { type ClientConfig, clientConfigFromEnv } from '../../src/toggl/config.js';
import { scripted } from './scripted.js';

const BASE = 'https://toggl-policy.test/webhooks/api/v1';
const TOKEN = 'policy-token-9c2e77d1';
const BASIC = Buffer.from(`${TOKEN}:api_token`).toString('base64');

function client(over: Partial<ClientConfig> = {}, hooks: ConstructorParameters<typeof TogglClient>[1] = {}) {
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
  return new TogglClient(config, hooks);
}

const input = {
  description: 'd',
  url_callback: 'https://hooks.example.com/x',
  event_filters: [{ entity: 'project', action: 'created' }],
  enabled: true,
  secret: 'declared-secret-0a1b2c',
};
const sub = { ...input, subscription_id: 7, workspace_id: 1 };

/** An onRetry hook that records the retry, then stops the client (the test needs the numbers, not the wait). */
function stopAfter(retries: RetryInfo[], ac: AbortController) {
  return (r: RetryInfo) => {
    retries.push(r);
    ac.abort();
  };
}

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
});

describe('Retry-After and the retry budget', () => {
  it('reports each retry with its delay and reason, never shorter than a 503 Retry-After', async () => {
    nock(BASE).get('/subscriptions/1').reply(503, '"Service Unavailable"', { 'Retry-After': '1' });
    const retries: RetryInfo[] = [];
    // The delay is what is asserted; aborting in the hook spares the test the wait itself.
    const ac = new AbortController();
    await client({}, { signal: ac.signal, onRetry: stopAfter(retries, ac) })
      .listSubscriptions(1)
      .catch(() => undefined);
    expect(retries).toEqual([
      {
        method: 'GET',
        path: '/subscriptions/1',
        attempt: 1,
        retriesLeft: 5,
        delayMs: 1000,
        code: 'E_API_SERVER',
        reason: 'GET /subscriptions/1: 503 Service Unavailable',
      },
    ]);
  });

  it('reads Retry-After as an HTTP date', async () => {
    const at = new Date(Date.now() + 3000).toUTCString();
    nock(BASE).get('/status').reply(429, 'slow down', { 'Retry-After': at });
    const retries: RetryInfo[] = [];
    const ac = new AbortController();
    await client({}, { signal: ac.signal, onRetry: stopAfter(retries, ac) })
      .status()
      .catch(() => undefined);
    // The date has one-second resolution: between 1 and 3 seconds remain when it is read.
    expect(retries[0]?.delayMs).toBeGreaterThanOrEqual(1000);
    expect(retries[0]?.delayMs).toBeLessThanOrEqual(3000);
  });

  it('gives up at once when Retry-After is beyond the retry budget, instead of sleeping to fail', async () => {
    const scope = nock(BASE).get('/subscriptions/1').once().reply(429, 'busy', { 'Retry-After': '3600' });
    const retries: RetryInfo[] = [];
    const err = await client({ maxRetryTimeMs: 10_000 }, { onRetry: (r) => retries.push(r) })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_API_RATE_LIMITED', status: 429, retryAfterSeconds: 3600 });
    expect(retries).toEqual([]);
    expect(scope.isDone()).toBe(true);
  });

  it('backs off exponentially with jitter between the configured bounds', async () => {
    nock(BASE).get('/subscriptions/1').times(5).reply(500, 'boom');
    const retries: RetryInfo[] = [];
    await client({ retries: 4, retryMinMs: 8, retryMaxMs: 40 }, { onRetry: (r) => retries.push(r) })
      .listSubscriptions(1)
      .catch(() => undefined);
    // Attempt n waits between half and all of min(max, min * 2^(n-1)).
    const bounds = [8, 16, 32, 40];
    expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 4]);
    retries.forEach((r, i) => {
      expect(r.delayMs).toBeGreaterThanOrEqual(bounds[i]! / 2);
      expect(r.delayMs).toBeLessThanOrEqual(bounds[i]!);
    });
  });
});

describe('lost answers', () => {
  it('retries a POST whose answer never came (timeout), sending the same body again', async () => {
    const server = await scripted(['hang', { status: 200, body: JSON.stringify(sub) }]);
    try {
      const retries: RetryInfo[] = [];
      const out = await client(
        { apiUrl: server.url, timeoutMs: 150 },
        { onRetry: (r) => retries.push(r) },
      ).createSubscription(1, input);
      expect(out.subscription_id).toBe(7);
      expect(server.lines()).toEqual(['POST /v1/subscriptions/1', 'POST /v1/subscriptions/1']);
      expect(JSON.parse(server.seen[1]!.body)).toEqual(input);
      expect(retries[0]?.code).toBe('E_TIMEOUT');
    } finally {
      await server.close();
    }
  });

  it('surfaces the API\'s "already in use" on the retried create as a ValidationError for the caller', async () => {
    const msg = "Subscription description 'd' is already in use for workspace 1";
    const server = await scripted(['reset', { status: 400, body: JSON.stringify(msg) }]);
    try {
      const err = await client({ apiUrl: server.url })
        .createSubscription(1, input)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).apiMessage).toBe(msg);
      expect(server.seen).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('abort signal', () => {
  it('keeps an answer that was already on its way (an applied change is never reported as failed)', async () => {
    const server = await scripted([{ status: 200, body: JSON.stringify(sub), delayMs: 150 }]);
    try {
      const ac = new AbortController();
      const pending = client({ apiUrl: server.url }, { signal: ac.signal }).createSubscription(1, input);
      setTimeout(() => ac.abort(), 30);
      await expect(pending).resolves.toMatchObject({ subscription_id: 7 });
    } finally {
      await server.close();
    }
  });

  it('cuts a backoff short and reports the failure it was waiting out', async () => {
    const server = await scripted([{ status: 503, body: '"down"' }]);
    try {
      const ac = new AbortController();
      const retries: RetryInfo[] = [];
      const pending = client(
        { apiUrl: server.url, retryMinMs: 60_000, retryMaxMs: 60_000, maxRetryTimeMs: 600_000 },
        { signal: ac.signal, onRetry: stopAfter(retries, ac) },
      ).listSubscriptions(1);
      const err = await pending.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(retries).toHaveLength(1);
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('makes no request after the stop while waiting for its turn', async () => {
    const server = await scripted([{ status: 200, body: '[]' }]);
    try {
      const ac = new AbortController();
      const api = client({ apiUrl: server.url, requestSpacingMs: 60_000 }, { signal: ac.signal });
      await api.listSubscriptions(1);
      const second = api.listSubscriptions(1);
      ac.abort();
      await expect(second).rejects.toThrow();
      expect(server.seen).toHaveLength(1);
    } finally {
      await server.close();
    }
  });

  it('stops waiting for a quota reset', async () => {
    nock(BASE).get('/subscriptions/1').reply(402, 'quota', { 'X-Toggl-Quota-Resets-In': '3000' });
    const ac = new AbortController();
    const retries: RetryInfo[] = [];
    const err = await client({ quotaMode: 'wait' }, { signal: ac.signal, onRetry: stopAfter(retries, ac) })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect(retries[0]).toMatchObject({ attempt: 0, code: 'E_API_QUOTA', delayMs: 3_001_000 });
  });
});

describe('quota', () => {
  it('a 402 without X-Toggl-Quota-Resets-In is not waited for, even in wait mode (plan feature, not quota)', async () => {
    const scope = nock(BASE).get('/subscriptions/1').once().reply(402, '"Payment Required"');
    const err = await client({ quotaMode: 'wait' })
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).resetsInSeconds).toBeUndefined();
    expect(scope.isDone()).toBe(true);
  });
});

describe('answers the client refuses to guess at', () => {
  it.each([
    ['an HTML page', '<html>portal</html>', 'text/html'],
    ['an object without items', '{"subscriptions":[]}', 'application/json'],
    ['items that are not subscriptions', '[{"id":1}]', 'application/json'],
  ])('a 200 list answer that is %s is an error, not an empty workspace', async (_what, body, type) => {
    nock(BASE).get('/subscriptions/1').reply(200, body, { 'Content-Type': type });
    const err = await client()
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'E_API_ANSWER', status: 200, path: '/subscriptions/1' });
    expect((err as Error).message).toMatch(/unexpected answer/);
  });

  it.each([
    [
      'event_filters is a string',
      { event_filters: 'project:created' },
      'subscription 7 event_filters is not a list',
    ],
    [
      'a null inside event_filters',
      { event_filters: [null] },
      'subscription 7 event_filters holds an entry that is not an object',
    ],
    [
      'a filter without an action',
      { event_filters: [{ entity: 'tag' }] },
      'subscription 7 event_filters holds an entry without a string entity and action',
    ],
    ['no url_callback', { url_callback: undefined }, 'subscription 7 url_callback is not a string'],
    ['enabled as a string', { enabled: 'yes' }, 'subscription 7 enabled is not true or false'],
    ['a number as description', { description: 42 }, 'subscription 7 description is not a string'],
    ['a fractional id', { subscription_id: 7.5 }, 'subscription_id is not written as an integer'],
    ['another workspace', { workspace_id: 2 }, 'subscription 7 workspace_id names another workspace'],
    ['a secret that is not a string', { secret: { value: 'x' } }, 'subscription 7 secret is not a string'],
  ])(
    'a listed subscription with %s fails the list with a clear message, never a TypeError',
    async (_what, over, message) => {
      const entry = {
        subscription_id: 7,
        workspace_id: 1,
        description: 'd',
        url_callback: 'https://h.example/x',
        enabled: true,
        event_filters: [{ entity: 'project', action: 'created' }],
        ...over,
      };
      nock(BASE).get('/subscriptions/1').reply(200, [entry]);
      const err = await client()
        .listSubscriptions(1)
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'E_API_ANSWER', status: 200 });
      expect((err as Error).message).toContain(`unexpected answer from the API: ${message};`);
    },
  );

  it('refuses an answer nested deeper than 64 levels before parsing it (2M nested lists took 400 MB)', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`);
    const err = await client()
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_API_ANSWER' });
    expect((err as Error).message).toContain('nested deeper than 64 levels');
    // Brackets inside strings do not count.
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, [
        {
          subscription_id: 7,
          workspace_id: 1,
          description: '['.repeat(100),
          url_callback: 'u',
          enabled: true,
          event_filters: [],
        },
      ]);
    expect(await client().listSubscriptions(1)).toHaveLength(1);
  });

  it('reads event_filters: null (how Go encodes an empty list) as no filters', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, [
        {
          subscription_id: 7,
          workspace_id: 1,
          description: 'd',
          url_callback: 'u',
          enabled: true,
          event_filters: null,
        },
      ]);
    const list = await client().listSubscriptions(1);
    expect(list[0]?.event_filters).toEqual([]);
  });

  it('accepts the documented list answers: an array, and {items: [...]}', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(200, { items: [sub] })
      .get('/subscriptions/1')
      .reply(200, []);
    const api = client();
    expect(await api.listSubscriptions(1)).toEqual([sub]);
    expect(await api.listSubscriptions(1)).toEqual([]);
  });

  it.each([
    ['an empty body', 200, '', {}],
    ['a whitespace-only body', 200, ' \n\t ', {}],
    ['{"data": []}', 200, '{"data":[]}', {}],
    ['a 204 without a body', 204, '', {}],
    ['an empty body labelled gzip', 200, '', { 'Content-Encoding': 'gzip' }],
    ['a list labelled gzip that is not gzip', 200, '[]', { 'Content-Encoding': 'gzip' }],
    ['a body labelled br', 200, Buffer.from([0x8b, 0x00, 0x80]), { 'Content-Encoding': 'br' }],
  ])(
    'a list answer that is %s is E_API_ANSWER, never an empty workspace',
    async (_what, status, body, headers) => {
      nock(BASE).get('/subscriptions/1').reply(status, body, headers);
      const err = await client()
        .listSubscriptions(1)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect(err).toMatchObject({ code: 'E_API_ANSWER', path: '/subscriptions/1', workspaceId: 1 });
      expect((err as Error).message).toMatch(/unexpected answer/);
    },
  );

  it('does not follow a redirect (it would carry the Authorization header elsewhere)', async () => {
    const other = nock('https://elsewhere.test').get('/steal').reply(200, '[]');
    nock(BASE).get('/subscriptions/1').reply(301, '', { Location: 'https://elsewhere.test/steal' });
    const err = await client()
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'E_API', status: 301 });
    expect(other.isDone()).toBe(false);
  });

  it('accepts a bare OK from validate and an empty answer to a change', async () => {
    nock(BASE).get('/validate/1/7/code-123').reply(200, 'OK').patch('/subscriptions/1/7').reply(200, '');
    const api = client();
    await expect(api.validate(1, 7, 'code-123')).resolves.toBeUndefined();
    await expect(api.setEnabled(1, 7, false)).resolves.toBeUndefined();
  });
});

describe('error bodies', () => {
  it.each([
    ['a JSON string (the Swagger)', '"subscription 7 for workspace 1 was not found"'],
    ['plain text', 'subscription 7 for workspace 1 was not found\n'],
    ['an object with message', '{"message":"subscription 7 for workspace 1 was not found"}'],
    ['an object with error', '{"error":"subscription 7 for workspace 1 was not found","code":404}'],
  ])('takes the API message verbatim from %s', async (_what, body) => {
    nock(BASE).delete('/subscriptions/1/7').reply(404, body);
    const err = await client()
      .deleteSubscription(1, 7)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({
      method: 'DELETE',
      path: '/subscriptions/1/7',
      status: 404,
      workspaceId: 1,
      apiMessage: 'subscription 7 for workspace 1 was not found',
    });
    expect((err as Error).message).toBe(
      'DELETE /subscriptions/1/7: 404 subscription 7 for workspace 1 was not found',
    );
  });

  it('keeps the validation code out of errors', async () => {
    nock(BASE)
      .get('/validate/1/7/secret-code-55aa')
      .reply(400, '"subscription 7 for workspace 1 and validation code \'secret-code-55aa\' was not found"');
    const err = await client()
      .validate(1, 7, 'secret-code-55aa')
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(`${(err as Error).message} ${(err as Error).stack} ${JSON.stringify(err)}`).not.toContain(
      'secret-code-55aa',
    );
    expect((err as ValidationError).path).toBe('/validate/1/7/…');
  });
});

describe('no credential in any error', () => {
  // A hostile or careless server echoes what it received, headers and body included.
  const echo = `Authorization: Basic ${BASIC}; token ${TOKEN}; body secret ${input.secret}`;
  const cases: [string, number, Record<string, string>][] = [
    ['400', 400, {}],
    ['401', 401, {}],
    ['402', 402, { 'X-Toggl-Quota-Resets-In': '60' }],
    ['403', 403, {}],
    ['404', 404, {}],
    ['410', 410, {}],
    ['418', 418, {}],
    ['429', 429, {}],
    ['500', 500, {}],
    ['503', 503, {}],
  ];

  function dump(err: unknown): string {
    const e = err as Error & { cause?: unknown };
    return [
      e.message,
      e.stack,
      JSON.stringify(e),
      inspect(e, { depth: 10, showHidden: true }),
      String(e.cause),
    ].join('\n');
  }

  function expectClean(err: unknown) {
    const text = dump(err);
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(BASIC);
    expect(text).not.toContain(input.secret);
  }

  it.each(cases)('HTTP %s', async (_name, status, headers) => {
    nock(BASE).post('/subscriptions/1').times(10).reply(status, echo, headers);
    const err = await client({ retries: 1 })
      .createSubscription(1, input)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(status);
    expectClean(err);
  });

  it('a reset socket and a timeout', async () => {
    const server = await scripted(['reset', 'reset', 'hang', 'hang']);
    try {
      const api = client({ apiUrl: server.url, retries: 1, timeoutMs: 100 });
      const reset = await api.createSubscription(1, input).catch((e: unknown) => e);
      expect(reset).toMatchObject({ code: 'E_NETWORK' });
      expectClean(reset);
      const hung = await api.createSubscription(1, input).catch((e: unknown) => e);
      expect(hung).toBeInstanceOf(TimeoutError);
      expectClean(hung);
    } finally {
      await server.close();
    }
  });

  it('a refused bad token (403) from the emulator-shaped message', async () => {
    nock(BASE).get('/subscriptions/1').reply(403, '"User not found/accessible for workspace"');
    const err = await client()
      .listSubscriptions(1)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).message).toBe(
      'GET /subscriptions/1: 403 User not found/accessible for workspace',
    );
    expectClean(err);
  });
});

describe('hooks', () => {
  it('a throwing observer never turns an answer into an error', async () => {
    nock(BASE).post('/subscriptions/1').once().reply(200, sub);
    const api = client(
      {},
      {
        onResponse: () => {
          throw new Error('metrics broke');
        },
        logger: {
          debug: () => {
            throw new Error('logger broke');
          },
        },
      },
    );
    await expect(api.createSubscription(1, input)).resolves.toMatchObject({ subscription_id: 7 });
  });

  it('gives the logger one debug line per attempt, without credentials', async () => {
    nock(BASE)
      .get('/subscriptions/1')
      .reply(500, 'x')
      .get('/subscriptions/1')
      .reply(200, [], { 'X-Toggl-Quota-Remaining': '12' });
    const lines: [object, string][] = [];
    await client({}, { logger: { debug: (o, m) => lines.push([o, m]) } }).listSubscriptions(1);
    expect(lines.map(([o, m]) => [m, (o as { status: number }).status])).toEqual([
      ['API request', 500],
      ['API request', 200],
    ]);
    expect(lines[1]?.[0]).toMatchObject({ method: 'GET', path: '/subscriptions/1', quotaRemaining: 12 });
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });
});
