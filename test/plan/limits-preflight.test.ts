import { describe, expect, it } from 'vitest';
import { pingNewHook } from '../../src/apply/ping-new.js';
import { createPrecheckCache, limitsPreflight } from '../../src/apply/prechecks.js';
import { reconcile } from '../../src/apply/reconcile.js';
import { ConfigError, LimitError, NotFoundError } from '../../src/errors.js';
import type { EventFilterCatalog, WorkspaceLimits } from '../../src/toggl/types.js';
import { desiredState } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';

/** The in-memory API plus the read-only endpoints the pre-checks use, counting their calls. */
class Api extends FakeApi {
  limitsOf: WorkspaceLimits | Error = { max_webhooks: 10, max_events_per_webhook: 5 };
  catalog: EventFilterCatalog | Error = { project: ['created', 'updated', 'deleted'], tag: ['created'] };
  reads: string[] = [];
  pings: number[] = [];
  override async limits(ws = 0): Promise<WorkspaceLimits> {
    this.reads.push(`limits/${ws}`);
    if (this.limitsOf instanceof Error) throw this.limitsOf;
    return this.limitsOf;
  }
  override async eventFilters(): Promise<EventFilterCatalog> {
    this.reads.push('event_filters');
    if (this.catalog instanceof Error) throw this.catalog;
    return this.catalog;
  }
  override async ping(ws = 0, id = 0): Promise<{ status?: string }> {
    this.pings.push(id);
    if (ws < 0) throw new Error('unreachable');
    return { status: 'OK' };
  }
}

function logger() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: object, msg: string) => lines.push({ level, msg });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const WS = 42;

describe('limitsPreflight in reconcile', () => {
  it('refuses a workspace over max_webhooks before any mutating call, in dry runs too', async () => {
    for (const dryRun of [true, false]) {
      const api = new Api([WS, 43]);
      api.limitsOf = { max_webhooks: 1, max_events_per_webhook: 5 };
      api.seed(WS, { description: 'A' });
      const desired = desiredState([
        { workspace_id: WS, subscriptions: [{ description: 'A' }, { description: 'B' }] },
        { workspace_id: 43, subscriptions: [{ description: 'C' }] },
      ]);
      const log = logger();
      const result = await reconcile({
        desired,
        api,
        dryRun,
        allowMassDelete: false,
        logger: log,
        preflight: limitsPreflight({ api, desired, logger: log }),
      });
      expect(result.failures).toHaveLength(1);
      expect(result.failures[0]?.stage).toBe('limit');
      expect(result.failures[0]?.error).toBeInstanceOf(LimitError);
      expect(result.failures[0]?.error.message).toBe(
        'workspace 42 allows 1 enabled subscription (GET /limits: max_webhooks); this plan would leave 2 enabled: "A", "B"',
      );
      // Workspace 43 is under its limit and proceeds (unless dry run); 42 gets no mutating call.
      expect(api.mutations().map((c) => c.workspaceId)).toEqual(dryRun ? [] : [43]);
      // Both plans grow the enabled count; every filter is in the schema's catalogue: no /event_filters.
      expect(api.reads).toEqual([`limits/${WS}`, 'limits/43']);
    }
  });

  it('refuses too many filters and filters the catalog does not know, pointing at the file', async () => {
    const api = new Api([WS]);
    api.limitsOf = { max_webhooks: 10, max_events_per_webhook: 2 };
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          {
            description: 'wide',
            event_filters: [
              { entity: 'project', action: 'created' },
              { entity: 'project', action: 'updated' },
              { entity: 'tag', action: 'created' },
            ],
          },
          { description: 'typo', event_filters: [{ entity: 'projects', action: 'created' }] },
        ],
      },
    ]);
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      preflight: limitsPreflight({ api, desired }),
    });
    expect(api.mutations()).toEqual([]);
    const errors = result.failures.map((f) => f.error);
    expect(errors[0]).toBeInstanceOf(ConfigError);
    expect(errors[0]?.message).toBe(
      'test.yaml:8:18: subscription "typo": entity "projects" is not supported by the API ' +
        '(GET /event_filters lists project, tag); did you mean "project"?',
    );
    expect(errors[1]).toBeInstanceOf(LimitError);
    expect(errors[1]?.message).toBe(
      'test.yaml:3:18: workspace 42 allows 2 event filters per subscription ' +
        '(GET /limits: max_events_per_webhook); "wide" declares 3',
    );
  });

  it('warns and applies when GET /limits or GET /event_filters fails (an optional pre-check)', async () => {
    const api = new Api([WS]);
    api.limitsOf = new NotFoundError({
      method: 'GET',
      path: `/limits/${WS}`,
      status: 404,
      apiMessage: '404 page not found',
    });
    api.catalog = new NotFoundError({
      method: 'GET',
      path: '/event_filters',
      status: 404,
      apiMessage: '404 page not found',
    });
    // An entity outside the schema's catalogue (a hand-built state) is what makes /event_filters worth a request.
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [{ description: 'A', event_filters: [{ entity: 'invoice', action: '*' }] }],
      },
    ]);
    const log = logger();
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      logger: log,
      preflight: limitsPreflight({ api, desired, logger: log }),
    });
    expect(result.failures).toEqual([]);
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied']);
    const warnings = log.lines.filter((l) => l.level === 'warn').map((l) => l.msg);
    expect(warnings).toEqual([
      expect.stringContaining('GET /event_filters failed, event filters are not checked before applying'),
      expect.stringContaining(
        `GET /limits/${WS} failed, the workspace's limits are not checked before applying`,
      ),
    ]);
  });

  it('reads nothing extra when nothing changes, or when a plan only deletes and disables', async () => {
    const api = new Api([WS]);
    api.seed(WS, { description: 'keep' });
    api.seed(WS, { description: 'off' });
    api.seed(WS, { description: 'gone' });
    api.seed(WS, { description: 'gone too' });
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'keep' }, { description: 'off', enabled: false }] },
    ]);
    await reconcile({
      desired,
      api,
      dryRun: true,
      allowMassDelete: false,
      preflight: limitsPreflight({ api, desired }),
    });
    expect(api.reads).toEqual([]);
  });

  it('with a cache, the daemon reads limits and filters once per TTL', async () => {
    let now = 0;
    const cache = createPrecheckCache(60_000, () => now);
    const api = new Api([WS]);
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          { description: 'A', enabled: true, event_filters: [{ entity: 'invoice', action: '*' }] },
        ],
      },
    ]);
    for (const t of [0, 30_000, 61_000]) {
      now = t;
      await reconcile({
        desired,
        api,
        dryRun: true,
        allowMassDelete: false,
        preflight: limitsPreflight({ api, desired, cache }),
      });
    }
    expect(api.reads).toEqual(['event_filters', `limits/${WS}`, 'event_filters', `limits/${WS}`]);
  });

  it('reads /limits only for a plan that grows the enabled count or the filters per subscription', async () => {
    const cases: Array<{
      name: string;
      reads: string[];
      setup: (api: Api) => ReturnType<typeof desiredState>;
    }> = [
      {
        name: 'URL and secret updates, same filter count',
        reads: [],
        setup: (api) => {
          api.seed(WS, { description: 'A', url_callback: 'https://hooks.example.com/old' });
          return desiredState([
            {
              workspace_id: WS,
              subscriptions: [{ description: 'A', url_callback: 'https://hooks.example.com/new' }],
            },
          ]);
        },
      },
      {
        name: 'one create replacing one delete (the enabled count stays)',
        reads: [],
        setup: (api) => {
          api.seed(WS, { description: 'old' });
          api.seed(WS, { description: 'keep' });
          return desiredState([
            { workspace_id: WS, subscriptions: [{ description: 'keep' }, { description: 'new' }] },
          ]);
        },
      },
      {
        name: 'one more enabled subscription',
        reads: [`limits/${WS}`],
        setup: (api) => {
          api.seed(WS, { description: 'keep' });
          return desiredState([
            { workspace_id: WS, subscriptions: [{ description: 'keep' }, { description: 'new' }] },
          ]);
        },
      },
      {
        name: 're-enabling a disabled subscription',
        reads: [`limits/${WS}`],
        setup: (api) => {
          api.seed(WS, { description: 'off', enabled: false });
          return desiredState([{ workspace_id: WS, subscriptions: [{ description: 'off', enabled: true }] }]);
        },
      },
      {
        name: 'more filters on one subscription than any live one carries',
        reads: [`limits/${WS}`],
        setup: (api) => {
          api.seed(WS, { description: 'A' });
          return desiredState([
            {
              workspace_id: WS,
              subscriptions: [
                {
                  description: 'A',
                  event_filters: [
                    { entity: 'project', action: 'created' },
                    { entity: 'tag', action: 'created' },
                  ],
                },
              ],
            },
          ]);
        },
      },
    ];
    for (const c of cases) {
      const api = new Api([WS]);
      const desired = c.setup(api);
      const result = await reconcile({
        desired,
        api,
        dryRun: true,
        allowMassDelete: true,
        preflight: limitsPreflight({ api, desired }),
      });
      expect(result.plan.workspaces[0]?.changes.length, c.name).toBeGreaterThan(0);
      expect(api.reads, c.name).toEqual(c.reads);
    }
  });
});

describe('pingNewHook in reconcile', () => {
  it('pings after creates and URL changes only, and never for an already validated answer', async () => {
    const api = new Api([WS]);
    const moved = api.seed(WS, { description: 'moved', url_callback: 'https://hooks.example.com/old' });
    api.seed(WS, { description: 'refiltered' });
    api.seed(WS, { description: 'toggled', enabled: false });
    const desired = desiredState([
      {
        workspace_id: WS,
        subscriptions: [
          { description: 'moved', url_callback: 'https://hooks.example.com/new' },
          { description: 'refiltered', event_filters: [{ entity: 'tag', action: 'created' }] },
          { description: 'toggled' },
          { description: 'new' },
        ],
      },
    ]);
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      onApplied: pingNewHook(api),
    });
    const created = result.outcomes.find((o) => o.change.action === 'create')?.subscription_id;
    expect(api.pings.sort()).toEqual([moved.subscription_id, created].sort());
  });

  it('does not ping in a dry run, and a failed ping fails nothing', async () => {
    const api = new Api([WS]);
    const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'new' }] }]);
    await reconcile({ desired, api, dryRun: true, allowMassDelete: false, onApplied: pingNewHook(api) });
    expect(api.pings).toEqual([]);
    api.ping = async () => {
      throw new Error('ping refused');
    };
    const log = logger();
    const result = await reconcile({
      desired,
      api,
      dryRun: false,
      allowMassDelete: false,
      onApplied: pingNewHook(api, log),
    });
    expect(result.outcomes.map((o) => o.status)).toEqual(['applied']);
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('ping failed (--ping-new)'))).toBe(
      true,
    );
  });
});
