import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { SCHEMA_ENTITIES } from '../../src/generated/event-filters.js';
import type { Subscription } from '../../src/toggl/types.js';
import { api, sub, WS } from './helpers.js';

const OTHER_WS = 7654321;
let emu: Emulator;

beforeAll(async () => {
  emu = await startEmulator({
    workspaces: [WS, OTHER_WS],
    limits: { max_webhooks: 2, max_events_per_webhook: 3 },
    callbackCheck: false,
  });
});
afterAll(() => emu.close());
beforeEach(() => {
  for (const ws of [WS, OTHER_WS]) for (const s of emu.subscriptions(ws)) emu.remove(ws, s.subscription_id);
  emu.resetCalls();
});

const create = async (over: Record<string, unknown> = {}, ws = WS) => {
  const res = await api(emu, 'POST', `/subscriptions/${ws}`, { body: sub(over) });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Subscription;
};

describe('unauthenticated endpoints', () => {
  it('GET /status answers {"status":"OK"} without a token', async () => {
    const res = await api(emu, 'GET', '/status', { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'OK' });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('GET /event_filters lists the known entities with created/updated/deleted', async () => {
    const res = await api(emu, 'GET', '/event_filters', { token: null });
    expect(res.status).toBe(200);
    const catalog = res.body as Record<string, string[]>;
    // The one catalogue (generated from the schema), not a copy of it.
    expect(Object.keys(catalog).sort()).toEqual([...SCHEMA_ENTITIES].sort());
    expect(SCHEMA_ENTITIES).toContain('project_group');
    expect(catalog['project']).toEqual(['created', 'updated', 'deleted']);
  });

  it('GET /limits/{ws} serves the configured limits', async () => {
    const res = await api(emu, 'GET', `/limits/${WS}`, { token: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ max_webhooks: 2, max_events_per_webhook: 3 });
  });
});

describe('auth', () => {
  it.each([
    ['no Authorization header', null],
    ['a wrong token', 'not-the-token'],
  ])('%s gets 403 with the documented text and no quota headers', async (_name, token) => {
    const res = await api(emu, 'GET', `/subscriptions/${WS}`, { token });
    expect(res.status).toBe(403);
    expect(res.body).toBe('User not found/accessible for workspace');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('x-toggl-quota-remaining')).toBeNull();
  });

  it('refuses a password other than "api_token"', async () => {
    const res = await fetch(`${emu.url}/subscriptions/${WS}`, {
      headers: { Authorization: `Basic ${Buffer.from('emulator-token:hunter2').toString('base64')}` },
    });
    expect(res.status).toBe(403);
  });

  it('refuses a workspace the token cannot access, on every authenticated route', async () => {
    const foreign = 999;
    const results = await Promise.all([
      api(emu, 'GET', `/subscriptions/${foreign}`),
      api(emu, 'POST', `/subscriptions/${foreign}`, { body: sub() }),
      api(emu, 'PUT', `/subscriptions/${foreign}/1`, { body: sub() }),
      api(emu, 'PATCH', `/subscriptions/${foreign}/1`, { body: { enabled: false } }),
      api(emu, 'DELETE', `/subscriptions/${foreign}/1`),
      api(emu, 'POST', `/ping/${foreign}/1`),
    ]);
    for (const r of results) {
      expect(r.status).toBe(403);
      expect(r.body).toBe('User not found/accessible for workspace');
    }
  });
});

describe('create and list', () => {
  it('creates a subscription with a generated secret, validated_at null and has_pending_events false', async () => {
    const created = await create();
    expect(created).toMatchObject({
      workspace_id: WS,
      user_id: 1,
      enabled: true,
      description: 'Slack: new projects',
      event_filters: [{ entity: 'project', action: 'created' }],
      url_callback: 'https://hooks.example.com/toggl',
      validated_at: null,
      has_pending_events: false,
    });
    expect(created.subscription_id).toBeGreaterThan(0);
    expect(created.secret).toMatch(/^[A-Za-z]{20}$/);
    expect(Number.isNaN(Date.parse(created.created_at ?? ''))).toBe(false);
    const list = await api(emu, 'GET', `/subscriptions/${WS}`);
    expect(list.status).toBe(200);
    expect(list.body).toEqual([created]);
  });

  it('keeps a secret given on create, and generates different secrets otherwise', async () => {
    const mine = await create({ description: 'a', secret: 'my-own-secret-value' });
    expect(mine.secret).toBe('my-own-secret-value');
    const b = await create({ description: 'b', enabled: false });
    const c = await create({ description: 'c', enabled: false });
    expect(b.secret).not.toBe(c.secret);
  });

  it('lists an empty workspace as []', async () => {
    const res = await api(emu, 'GET', `/subscriptions/${OTHER_WS}`);
    expect(res.body).toEqual([]);
  });

  it('keeps workspaces apart: the same description may exist in two workspaces', async () => {
    const a = await create({}, WS);
    const b = await create({}, OTHER_WS);
    expect(b.subscription_id).not.toBe(a.subscription_id);
    expect((await api(emu, 'GET', `/subscriptions/${WS}`)).body).toEqual([a]);
    expect((await api(emu, 'GET', `/subscriptions/${OTHER_WS}`)).body).toEqual([b]);
  });

  it('accepts wildcards and entities it does not list (the docs only restrict the characters)', async () => {
    const created = await create({
      event_filters: [
        { entity: '*', action: '*' },
        { entity: 'future_entity', action: 'deleted' },
      ],
    });
    expect(created.event_filters).toHaveLength(2);
  });
});

describe('documented 400 messages on POST and PUT', () => {
  const f = (entity: string, action: string) => ({ entity, action });
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['empty description', { description: '' }, 'Subscription description must not be empty'],
    ['missing description', { description: undefined }, 'Subscription description must not be empty'],
    ['empty filter list', { event_filters: [] }, 'The list of event filters must not be empty'],
    ['missing filter list', { event_filters: undefined }, 'The list of event filters must not be empty'],
    [
      'too many filters',
      {
        event_filters: [f('project', 'created'), f('tag', '*'), f('client', 'updated'), f('task', 'deleted')],
      },
      "The limit of 3 event filters for your subscription has been exceeded as you're trying to set 4 filters",
    ],
    [
      'a duplicated filter',
      { event_filters: [f('project', 'created'), f('project', 'created')] },
      'The following event filter appears more than once for your subscription: {"entity":"project","action":"created"}',
    ],
    [
      'an empty entity',
      { event_filters: [f('', 'created')] },
      'The entity field for each subscription event filter must be non-empty',
    ],
    [
      'a bad entity',
      { event_filters: [f('pro-ject', 'created')] },
      "The value 'pro-ject' for the filter entity can only contain letters, numbers and '_' or be '*' to match all entities",
    ],
    [
      'an empty action',
      { event_filters: [f('project', '')] },
      'The action field for each subscription event filter must be non-empty',
    ],
    [
      'a bad action',
      { event_filters: [f('project', 'crea ted')] },
      "The value 'crea ted' for the filter action can only contain letters, numbers and '_' or be '*' to match all actions",
    ],
    [
      'an unknown action',
      { event_filters: [f('project', 'archived')] },
      "Invalid value 'archived' for event filter action",
    ],
  ];

  it.each(cases)('POST with %s', async (_name, over, message) => {
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub(over) });
    expect(res.status).toBe(400);
    expect(res.body).toBe(message);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(emu.subscriptions(WS)).toEqual([]);
  });

  it.each(cases)('PUT with %s', async (_name, over, message) => {
    const existing = await create({ secret: 'keep-this-secret' });
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${existing.subscription_id}`, {
      body: sub({ secret: 'keep-this-secret', ...over }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe(message);
    expect(emu.subscriptions(WS)).toEqual([existing]);
  });

  it('refuses a description already in use in the workspace, on POST and on PUT', async () => {
    await create({ description: 'taken' });
    const other = await create({ description: 'other', enabled: false });
    const post = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ description: 'taken' }) });
    expect(post.status).toBe(400);
    expect(post.body).toBe(`Subscription description 'taken' is already in use for workspace ${WS}`);
    const put = await api(emu, 'PUT', `/subscriptions/${WS}/${other.subscription_id}`, {
      body: sub({ description: 'taken', secret: other.secret, enabled: false }),
    });
    expect(put.status).toBe(400);
    expect(put.body).toBe(`Subscription description 'taken' is already in use for workspace ${WS}`);
  });

  it('refuses a body that is not JSON', async () => {
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, { rawBody: '{"description":' });
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/^Invalid request body: /);
  });

  it('refuses fields of the wrong type', async () => {
    const res = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ enabled: 'yes' }) });
    expect(res.status).toBe(400);
    expect(res.body).toBe("Invalid request body: 'enabled' must be a boolean");
  });
});

describe('enabled-subscription limit (max_webhooks = 2)', () => {
  const limitMessage = `User 1 already reached the limit of 2 enabled subscriptions for workspace ${WS}`;

  it('counts enabled subscriptions only, on POST, PATCH and PUT', async () => {
    await create({ description: 'one' });
    const two = await create({ description: 'two' });
    const third = await api(emu, 'POST', `/subscriptions/${WS}`, { body: sub({ description: 'three' }) });
    expect(third.status).toBe(400);
    expect(third.body).toBe(limitMessage);

    const disabled = await create({ description: 'three', enabled: false });
    const patch = await api(emu, 'PATCH', `/subscriptions/${WS}/${disabled.subscription_id}`, {
      body: { enabled: true },
    });
    expect(patch.status).toBe(400);
    expect(patch.body).toBe(limitMessage);
    const put = await api(emu, 'PUT', `/subscriptions/${WS}/${disabled.subscription_id}`, {
      body: sub({ description: 'three', secret: disabled.secret, enabled: true }),
    });
    expect(put.status).toBe(400);
    expect(put.body).toBe(limitMessage);

    const off = await api(emu, 'PATCH', `/subscriptions/${WS}/${two.subscription_id}`, {
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    const on = await api(emu, 'PATCH', `/subscriptions/${WS}/${disabled.subscription_id}`, {
      body: { enabled: true },
    });
    expect(on.status).toBe(200);
    expect((on.body as Subscription).enabled).toBe(true);
  });

  it('lets an enabled subscription be updated while the limit is reached', async () => {
    await create({ description: 'one' });
    const two = await create({ description: 'two' });
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${two.subscription_id}`, {
      body: sub({ description: 'two', secret: two.secret, url_callback: 'https://hooks.example.com/new' }),
    });
    expect(res.status).toBe(200);
  });

  it("does not count other users' subscriptions", async () => {
    emu.seed(WS, { description: 'colleague 1', user_id: 99 });
    emu.seed(WS, { description: 'colleague 2', user_id: 99 });
    await create({ description: 'mine' });
  });
});

describe('PUT', () => {
  it('replaces the subscription and bumps updated_at', async () => {
    const before = await create({ secret: 'old-secret-value' });
    await new Promise((r) => setTimeout(r, 5));
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${before.subscription_id}`, {
      body: sub({
        description: 'renamed',
        url_callback: 'https://hooks.example.com/v2',
        event_filters: [{ entity: '*', action: '*' }],
        enabled: false,
        secret: 'new-secret-value',
      }),
    });
    expect(res.status).toBe(200);
    const after = res.body as Subscription;
    expect(after).toMatchObject({
      subscription_id: before.subscription_id,
      description: 'renamed',
      url_callback: 'https://hooks.example.com/v2',
      event_filters: [{ entity: '*', action: '*' }],
      enabled: false,
      secret: 'new-secret-value',
      created_at: before.created_at,
    });
    expect(after.updated_at).not.toBe(before.updated_at);
    expect(emu.subscriptions(WS)).toEqual([after]);
  });

  it.each([
    ['empty', ''],
    ['missing', undefined],
  ])('refuses an %s secret', async (_name, secret) => {
    const existing = await create();
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/${existing.subscription_id}`, {
      body: sub({ secret }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toBe('Subscription secret must not be empty');
    expect(emu.subscriptions(WS)).toEqual([existing]);
  });

  it('answers 404 with the documented text for an unknown id', async () => {
    const res = await api(emu, 'PUT', `/subscriptions/${WS}/424242`, {
      body: sub({ secret: 's3cret-value' }),
    });
    expect(res.status).toBe(404);
    expect(res.body).toBe(`subscription 424242 for workspace ${WS} was not found`);
  });
});

describe('PATCH and DELETE', () => {
  it('PATCH switches enabled and returns the subscription', async () => {
    const s = await create();
    const res = await api(emu, 'PATCH', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: { enabled: false },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ subscription_id: s.subscription_id, enabled: false, secret: s.secret });
    expect(emu.subscriptions(WS)[0]?.enabled).toBe(false);
  });

  it('DELETE returns the deleted subscription with deleted_at, then 404', async () => {
    const s = await create();
    const res = await api(emu, 'DELETE', `/subscriptions/${WS}/${s.subscription_id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ subscription_id: s.subscription_id, description: s.description });
    expect(typeof (res.body as Subscription).deleted_at).toBe('string');
    expect(emu.subscriptions(WS)).toEqual([]);
    const again = await api(emu, 'DELETE', `/subscriptions/${WS}/${s.subscription_id}`);
    expect(again.status).toBe(404);
    expect(again.body).toBe(`subscription ${s.subscription_id} for workspace ${WS} was not found`);
  });

  it('a subscription of another workspace is not found through this one', async () => {
    const s = await create({}, OTHER_WS);
    const res = await api(emu, 'PATCH', `/subscriptions/${WS}/${s.subscription_id}`, {
      body: { enabled: false },
    });
    expect(res.status).toBe(404);
    expect(res.body).toBe(`subscription ${s.subscription_id} for workspace ${WS} was not found`);
  });
});

describe('routing', () => {
  it.each([
    ['GET', '/subscriptions/abc'],
    ['PUT', `/subscriptions/${WS}/abc`],
    ['DELETE', `/subscriptions/${WS}/-1`],
    ['GET', '/nothing-here'],
  ])('%s %s is 404 "404 page not found"', async (method, path) => {
    const res = await api(emu, method, path, method === 'PUT' ? { body: sub() } : {});
    expect(res.status).toBe(404);
    expect(res.body).toBe('404 page not found');
  });

  it('answers 405 for a known path with another method', async () => {
    const res = await api(emu, 'POST', '/status');
    expect(res.status).toBe(405);
  });

  it('serves only below /webhooks/api/v1', async () => {
    const res = await fetch(new URL('/status', emu.url));
    expect(res.status).toBe(404);
  });
});

describe('recorded calls and direct state access', () => {
  it('records every API request in order with method, path, status and body', async () => {
    const s = await create();
    await api(emu, 'GET', `/subscriptions/${WS}`, { token: 'wrong' });
    await api(emu, 'DELETE', `/subscriptions/${WS}/${s.subscription_id}`);
    expect(emu.calls.map((c) => [c.method, c.path, c.status])).toEqual([
      ['POST', `/subscriptions/${WS}`, 200],
      ['GET', `/subscriptions/${WS}`, 403],
      ['DELETE', `/subscriptions/${WS}/${s.subscription_id}`, 200],
    ]);
    expect(emu.calls[0]?.body).toEqual(sub());
    emu.resetCalls();
    expect(emu.calls).toEqual([]);
  });

  it('seed, mutate and remove change what the API serves; subscriptions() returns copies', async () => {
    const seeded = emu.seed(WS, { description: 'drifted', enabled: false });
    expect(seeded.secret).toMatch(/^[A-Za-z]{20}$/);
    emu.mutate(WS, seeded.subscription_id, {
      url_callback: 'https://evil.example.com',
      validated_at: '2024-01-01T00:00:00Z',
    });
    const listed = (await api(emu, 'GET', `/subscriptions/${WS}`)).body as Subscription[];
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      url_callback: 'https://evil.example.com',
      validated_at: '2024-01-01T00:00:00Z',
    });

    const copy = emu.subscriptions(WS)[0] as Subscription;
    copy.description = 'changed through a copy';
    copy.event_filters.push({ entity: 'tag', action: '*' });
    expect(emu.subscriptions(WS)[0]).toMatchObject({
      description: 'drifted',
      event_filters: [{ entity: '*', action: '*' }],
    });

    // A created subscription never reuses a seeded id.
    const created = await create({ description: 'new' });
    expect(created.subscription_id).not.toBe(seeded.subscription_id);
    emu.remove(WS, seeded.subscription_id);
    expect(emu.subscriptions(WS).map((s) => s.description)).toEqual(['new']);
    expect(() => emu.remove(WS, seeded.subscription_id)).toThrow(/was not found/);
  });
});
