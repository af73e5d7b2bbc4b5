import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import { exitCodeFor, summarize } from '../../src/apply/summary.js';
import { LimitError, ServerError } from '../../src/errors.js';
import { SecretSet } from '../../src/sensitive/index.js';
import { desiredState } from '../support/desired.js';
import { apiFailure, FakeApi } from '../support/fake-api.js';

const WS = 111;
const WS2 = 222;
const filters = [{ entity: 'project', action: 'created' }];

function liveDescriptions(api: FakeApi, ws: number): string[] {
  return (api.state.get(ws) ?? []).map((s) => s.description).sort();
}

describe('reconcile', () => {
  it('lists each declared workspace once, applies creates, updates, patches and deletes, and converges', async () => {
    const api = new FakeApi([WS, 999]);
    api.seed(WS, { description: 'keep', url_callback: 'https://a.example/1' });
    api.seed(WS, { description: 'move', url_callback: 'https://a.example/old' });
    api.seed(WS, { description: 'off', enabled: true });
    api.seed(WS, { description: 'gone' });
    api.seed(999, { description: 'undeclared workspace' });
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          { description: 'keep', url_callback: 'https://a.example/1' },
          { description: 'move', url_callback: 'https://a.example/new' },
          { description: 'off', enabled: false },
          { description: 'new', url_callback: 'https://a.example/brand-new', secret: 'declared-secret-1' },
        ],
      },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.calls.map((c) => c.method)).toEqual(['GET', 'DELETE', 'PATCH', 'PUT', 'POST']);
    expect(result.outcomes.map((o) => [o.change.action, o.status])).toEqual([
      ['delete', 'applied'],
      ['patch', 'applied'],
      ['update', 'applied'],
      ['create', 'applied'],
    ]);
    expect(result.failures).toEqual([]);
    expect(exitCodeFor(result, false)).toBe(0);
    expect(exitCodeFor(result, true)).toBe(2);
    expect(liveDescriptions(api, WS)).toEqual(['keep', 'move', 'new', 'off']);
    // The created id comes from the API's answer.
    const created = api.state.get(WS)?.find((s) => s.description === 'new');
    expect(result.outcomes[3]?.subscription_id).toBe(created?.subscription_id);
    // Live state in the result is the API's answers, without secrets.
    const live = result.live.get(WS) ?? [];
    expect(live.map((s) => s.description).sort()).toEqual(['keep', 'move', 'new', 'off']);
    expect(live.every((s) => s.secret === undefined)).toBe(true);
    expect(live.find((s) => s.description === 'move')?.url_callback).toBe('https://a.example/new');
    expect(result.live.has(999)).toBe(false);

    api.calls.length = 0;
    const again = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.calls).toEqual([{ method: 'GET', workspaceId: WS }]);
    expect(again.outcomes).toEqual([]);
    expect(summarize(again).unchanged).toBe(4);
    expect(exitCodeFor(again, true)).toBe(0);
  });

  it('dry run lists and plans but makes no other call', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'a' });
    api.seed(WS, { description: 'b' });
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          { description: 'a', enabled: false },
          { description: 'c', url_callback: 'https://c.example/' },
        ],
      },
    ]);
    const result = await reconcile({ desired, api, dryRun: true, allowMassDelete: false });
    expect(api.mutations()).toEqual([]);
    expect(result.outcomes.map((o) => [o.change.action, o.status])).toEqual([
      ['delete', 'planned'],
      ['patch', 'planned'],
      ['create', 'planned'],
    ]);
    expect(exitCodeFor(result, false)).toBe(0);
    expect(exitCodeFor(result, true)).toBe(2);
  });

  it('keeps going after a failed change, records the API message, and exits 1', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'x', url_callback: 'https://a.example/old' });
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          { description: 'x', url_callback: 'https://a.example/new' },
          { description: 'bad' },
          { description: 'good' },
        ],
      },
    ]);
    const message =
      'URL endpoint https://a.example/new?token=query-secret-77 responded with status 500 instead of 2xx';
    api.fail = (c) => {
      if (c.method === 'PUT') return apiFailure('PUT', `/subscriptions/${WS}/1`, 400, message);
      if (c.method === 'POST' && (c.body as { description: string }).description === 'bad') {
        return apiFailure(
          'POST',
          `/subscriptions/${WS}`,
          400,
          "Invalid value 'nope' for event filter action",
        );
      }
      return undefined;
    };
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.outcomes.map((o) => [o.change.description, o.status])).toEqual([
      ['x', 'failed'],
      ['bad', 'failed'],
      ['good', 'applied'],
    ]);
    expect(result.outcomes[0]?.error).toContain('responded with status 500 instead of 2xx');
    // Kept as the API said it (a value of the result); every output scrubs it (docs/secrets.md).
    expect(SecretSet.empty.scrub(result.outcomes[0]?.error ?? '')).not.toContain('query-secret-77');
    expect(result.outcomes[1]?.error).toBe("Invalid value 'nope' for event filter action (HTTP 400)");
    expect(liveDescriptions(api, WS)).toEqual(['good', 'x']);
    expect(exitCodeFor(result, true)).toBe(1);
    expect(summarize(result)).toMatchObject({ failed: 2, applied: 1, create: 2, update: 1 });
  });

  it('refuses every workspace when the mass-delete guard trips in one, and reports each refusal', async () => {
    const api = new FakeApi([WS, WS2]);
    for (const d of ['a', 'b', 'c', 'd']) api.seed(WS, { description: d });
    api.seed(WS2, { description: 'only' });
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'a' }, { description: 'new' }] },
      { workspace_id: WS2, subscriptions: [] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.mutations()).toEqual([]);
    expect(result.failures.map((f) => [f.workspace_id, f.stage])).toEqual([
      [WS, 'guard'],
      [WS2, 'guard'],
    ]);
    expect(result.failures[0]?.error.message).toContain('3 of 4');
    expect(result.outcomes.every((o) => o.status === 'planned')).toBe(true);
    expect(exitCodeFor(result, false)).toBe(1);

    const allowed = await reconcile({ desired, api, dryRun: false, allowMassDelete: true });
    expect(allowed.failures).toEqual([]);
    expect(liveDescriptions(api, WS)).toEqual(['a', 'new']);
    expect(liveDescriptions(api, WS2)).toEqual([]);
  });

  it('one workspace refused by the guard stops changes in the others too', async () => {
    const api = new FakeApi([WS, WS2]);
    api.seed(WS, { description: 'a' });
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [] },
      { workspace_id: WS2, subscriptions: [{ description: 'fine' }] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.mutations()).toEqual([]);
    expect(result.failures.map((f) => f.workspace_id)).toEqual([WS]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['planned', 'planned']);
  });

  it('a workspace that cannot be listed is named and untouched; the others proceed', async () => {
    const api = new FakeApi([WS2]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'x' }] },
      { workspace_id: WS2, subscriptions: [{ description: 'y' }] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({ workspace_id: WS, stage: 'list' });
    expect(result.failures[0]?.error.message).toContain('User not found/accessible for workspace');
    expect(api.mutations().map((c) => [c.method, c.workspaceId])).toEqual([['POST', WS2]]);
    expect(result.plan.workspaces.map((w) => w.workspace_id)).toEqual([WS2]);
    expect(exitCodeFor(result, false)).toBe(1);
  });

  it('adopts a create whose answer was lost instead of creating a duplicate', async () => {
    const api = new FakeApi([WS]);
    api.lostCreate = true;
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'lost', secret: 's3cret-lost' }] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'POST', 'GET']);
    expect(result.outcomes[0]?.status).toBe('applied');
    expect(api.state.get(WS)).toHaveLength(1);
    expect(result.outcomes[0]?.subscription_id).toBe(api.state.get(WS)?.[0]?.subscription_id);
    expect(result.live.get(WS)?.map((s) => s.description)).toEqual(['lost']);
    expect(exitCodeFor(result, false)).toBe(0);
  });

  it('after "already in use", a subscription with another url_callback is not adopted nor changed', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'raced', url_callback: 'https://mine.example/' }] },
    ]);
    // Someone made it between our list and our create: not what our create sent, so not ours.
    api.onCall = (c) => {
      if (c.method === 'POST' && !api.state.get(WS)?.length) {
        api.seed(WS, {
          description: 'raced',
          url_callback: 'https://other.example/',
          secret: 'live-secret-9',
        });
      }
    };
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    // Before: GET, POST, GET, PUT rewrote the other one's URL (with its secret).
    expect(api.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'GET']);
    expect(result.outcomes[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('has this description but another url_callback'),
    });
    expect(api.state.get(WS)?.[0]?.url_callback).toBe('https://other.example/');
  });

  it('after a lost create, only enabled differing means a PATCH', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'raced', enabled: false }] },
    ]);
    api.onCall = (c) => {
      if (c.method === 'POST' && !api.state.get(WS)?.length)
        api.seed(WS, { description: 'raced', enabled: true });
    };
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'GET', 'PATCH']);
    expect(result.outcomes[0]?.status).toBe('applied');
  });

  it('an "already in use" create whose re-list finds nothing is a failure, not a retry loop', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'ghost' }] }]);
    api.fail = (c) =>
      c.method === 'POST'
        ? apiFailure(
            'POST',
            `/subscriptions/${WS}`,
            400,
            `Subscription description 'ghost' is already in use for workspace ${WS}`,
          )
        : undefined;
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(api.calls.map((c) => c.method)).toEqual(['GET', 'POST', 'GET']);
    expect(result.outcomes[0]?.status).toBe('failed');
    expect(result.outcomes[0]?.error).toContain('is already in use');
  });

  it('stops before the next change once aborted; the call in flight completes', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [{ description: 'one' }, { description: 'two' }, { description: 'three' }],
      },
    ]);
    const controller = new AbortController();
    api.onCall = (c) => {
      if (c.method === 'POST') controller.abort();
    };
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      signal: controller.signal,
    });
    expect(api.mutations()).toHaveLength(1);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'planned', 'planned']);
    expect(result.aborted).toBe(true);
    expect(exitCodeFor(result, false)).toBe(1);
  });

  it('an already aborted signal makes no call at all', async () => {
    const api = new FakeApi([WS]);
    const controller = new AbortController();
    controller.abort();
    const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'one' }] }]);
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      signal: controller.signal,
    });
    expect(api.calls).toEqual([]);
    expect(result.aborted).toBe(true);
  });

  it('a preflight failure refuses only its workspace, on dry runs too', async () => {
    const api = new FakeApi([WS, WS2]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'too many' }] },
      { workspace_id: WS2, subscriptions: [{ description: 'fine' }] },
    ]);
    const preflight = async (wp: { workspace_id: number }) =>
      wp.workspace_id === WS
        ? [{ workspace_id: WS, stage: 'limit' as const, error: new LimitError(WS, 'over the limit') }]
        : [];
    const dry = await reconcile({ desired, api, dryRun: true, allowMassDelete: false, preflight });
    expect(dry.failures.map((f) => [f.workspace_id, f.stage])).toEqual([[WS, 'limit']]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false, preflight });
    expect(api.mutations().map((c) => c.workspaceId)).toEqual([WS2]);
    expect(result.outcomes.map((o) => [o.change.workspace_id, o.status])).toEqual([
      [WS, 'planned'],
      [WS2, 'applied'],
    ]);
    expect(exitCodeFor(result, false)).toBe(1);
  });

  it('calls onApplied after each applied change with live state from the answer; its errors fail nothing', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'a' }, { description: 'b' }] },
    ]);
    api.fail = (c) =>
      c.method === 'POST' && (c.body as { description: string }).description === 'b'
        ? apiFailure('POST', `/subscriptions/${WS}`, 400, 'nope')
        : undefined;
    const seen: string[] = [];
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      onApplied: async (o, live) => {
        const found = live.get(WS)?.find((s) => s.subscription_id === o.subscription_id);
        seen.push(`${o.change.description}:${found?.description}`);
        throw new Error('hook broke');
      },
    });
    expect(seen).toEqual(['a:a']);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied', 'failed']);
  });

  it('a thrown non-API error in a change is recorded, and the rest still run', async () => {
    const api = new FakeApi([WS]);
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'a' }, { description: 'b' }] },
    ]);
    let first = true;
    api.fail = (c) => {
      if (c.method === 'POST' && first) {
        first = false;
        return new ServerError({
          method: 'POST',
          path: `/subscriptions/${WS}`,
          status: 503,
          apiMessage: 'Service Unavailable',
        });
      }
      return undefined;
    };
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.outcomes.map((o) => o.status)).toEqual(['failed', 'applied']);
    expect(result.outcomes[0]?.error).toBe('Service Unavailable (HTTP 503)');
  });
});

describe('reconcile keeps filters as sets', () => {
  it('plans nothing when only the order of filters differs', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, {
      description: 'x',
      event_filters: [
        { entity: 'tag', action: '*' },
        { entity: 'project', action: 'created' },
      ],
    });
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [{ description: 'x', event_filters: [...filters, { entity: 'tag', action: '*' }] }],
      },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.outcomes).toEqual([]);
    expect(api.calls).toHaveLength(1);
  });
});
