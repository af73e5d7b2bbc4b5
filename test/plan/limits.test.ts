import { describe, expect, it } from 'vitest';
import { LimitError } from '../../src/errors.js';
import { catalogViolations } from '../../src/plan/catalog.js';
import { enabledAfter, limitViolations } from '../../src/plan/limits.js';
import { planWorkspace } from '../../src/plan/plan.js';
import type { EventFilterCatalog } from '../../src/toggl/types.js';
import { fixtures } from '../support/fixtures.js';

const src = { file: 'subs.yaml', line: 7, col: 5 };
const { want, have, ws } = fixtures({ workspaceId: 1, url: 'https://hooks.example.com/a', source: src });
const filters = (n: number) => Array.from({ length: n }, (_, i) => ({ entity: `e${i}`, action: 'created' }));

describe('limitViolations: max_webhooks', () => {
  it('refuses a plan that leaves more enabled subscriptions than allowed, naming the limit and the plan', () => {
    const live = [have(1, 'A')];
    const wp = planWorkspace(ws([want('A'), want('B')]), live);
    const errors = limitViolations(wp, live, { max_webhooks: 1, max_events_per_webhook: 10 });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(LimitError);
    expect(errors[0]?.code).toBe('E_LIMIT');
    expect(errors[0]?.workspaceId).toBe(1);
    expect(errors[0]?.message).toBe(
      'workspace 1 allows 1 enabled subscription (GET /limits: max_webhooks); ' +
        'this plan would leave 2 enabled: "A", "B"',
    );
  });

  it('counts enables, creates, disables and deletes of the plan', () => {
    const live = [have(1, 'old'), have(2, 'off', { enabled: false }), have(3, 'on'), have(4, 'edit')];
    const wp = planWorkspace(
      ws([
        want('off'), // enable (patch)
        want('on', { enabled: false }), // disable (patch)
        want('edit', { url_callback: 'https://hooks.example.com/b', enabled: false }), // update disabling
        want('new1'),
        want('new2', { enabled: false }),
      ]),
      live,
    );
    // old deleted, on and edit disabled, off enabled, new1 created enabled, new2 created disabled.
    expect(enabledAfter(wp, live)).toEqual(['new1', 'off']);
    expect(limitViolations(wp, live, { max_webhooks: 2, max_events_per_webhook: 5 })).toEqual([]);
  });

  it('accepts exactly the limit', () => {
    const wp = planWorkspace(ws([want('A'), want('B')]), []);
    expect(limitViolations(wp, [], { max_webhooks: 2, max_events_per_webhook: 1 })).toEqual([]);
    expect(limitViolations(wp, [], { max_webhooks: 1, max_events_per_webhook: 1 })).toHaveLength(1);
  });

  it('never blocks a plan that does not grow an already over-limit workspace (the API counts per user)', () => {
    const live = [have(1, 'A'), have(2, 'B'), have(3, 'C', { user_id: 9 })];
    // One delete and one create: three enabled before and after, over a limit of 2.
    const wp = planWorkspace(
      ws([want('A'), want('B'), want('D', { url_callback: 'https://d.example/' })]),
      live,
    );
    expect(wp.changes.map((c) => c.action)).toEqual(['delete', 'create']);
    expect(limitViolations(wp, live, { max_webhooks: 2, max_events_per_webhook: 5 })).toEqual([]);
    // Disabling and updating are never refused either.
    const calm = planWorkspace(
      ws([want('A', { enabled: false }), want('B', { url_callback: 'https://x.example' }), want('C')]),
      live,
    );
    expect(limitViolations(calm, live, { max_webhooks: 1, max_events_per_webhook: 5 })).toEqual([]);
  });

  it('lists at most ten names', () => {
    const names = Array.from({ length: 12 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    const wp = planWorkspace(ws(names.map((n) => want(n))), []);
    const [err] = limitViolations(wp, [], { max_webhooks: 3, max_events_per_webhook: 5 });
    expect(err?.message).toContain('this plan would leave 12 enabled: "s00", "s01"');
    expect(err?.message).toMatch(/"s09" and 2 more$/);
  });

  it('treats a missing or non-positive limit as unknown and checks nothing', () => {
    const wp = planWorkspace(ws([want('A', { event_filters: filters(5) }), want('B')]), []);
    const odd = { max_webhooks: 0, max_events_per_webhook: Number.NaN };
    expect(limitViolations(wp, [], odd)).toEqual([]);
    expect(limitViolations(wp, [], {} as never)).toEqual([]);
  });
});

describe('limitViolations: max_events_per_webhook', () => {
  it('refuses a create or update with too many filters, pointing at the declaration', () => {
    const live = [have(1, 'edit')];
    const wp = planWorkspace(
      ws([want('edit', { event_filters: filters(3) }), want('new', { event_filters: filters(4) })]),
      live,
    );
    const errors = limitViolations(wp, live, { max_webhooks: 10, max_events_per_webhook: 2 });
    expect(errors.map((e) => e.message)).toEqual([
      'subs.yaml:7:5: workspace 1 allows 2 event filters per subscription ' +
        '(GET /limits: max_events_per_webhook); "edit" declares 3',
      'subs.yaml:7:5: workspace 1 allows 2 event filters per subscription ' +
        '(GET /limits: max_events_per_webhook); "new" declares 4',
    ]);
  });

  it('ignores unchanged subscriptions and counts duplicate filters once', () => {
    const live = [have(1, 'same', { event_filters: filters(3) })];
    const wp = planWorkspace(
      ws([
        want('same', { event_filters: filters(3) }),
        want('dup', { event_filters: [...filters(2), ...filters(2)] }),
      ]),
      live,
    );
    expect(limitViolations(wp, live, { max_webhooks: 10, max_events_per_webhook: 2 })).toEqual([]);
  });
});

describe('catalogViolations', () => {
  const catalog: EventFilterCatalog = {
    project: ['created', 'updated', 'deleted'],
    time_entry: ['created', 'updated'],
    tag: ['deleted'],
  };

  it('accepts known filters and the * wildcards', () => {
    const desired = ws([
      want('a', {
        event_filters: [
          { entity: 'project', action: 'created' },
          { entity: '*', action: '*' },
          { entity: 'time_entry', action: '*' },
          { entity: '*', action: 'deleted' },
        ],
      }),
    ]);
    expect(catalogViolations(desired, catalog)).toEqual([]);
  });

  it('reports unknown entities and actions at the subscription, with a suggestion', () => {
    const desired = ws([
      want('typo', {
        event_filters: [
          { entity: 'projects', action: 'created' },
          { entity: 'time_entry', action: 'deleted' },
          { entity: '*', action: 'archived' },
          { entity: 'workspace_user', action: 'created' },
        ],
      }),
    ]);
    expect(catalogViolations(desired, catalog)).toEqual([
      {
        ...src,
        message:
          'subscription "typo": entity "projects" is not supported by the API ' +
          '(GET /event_filters lists project, tag, time_entry); did you mean "project"?',
      },
      {
        ...src,
        message:
          'subscription "typo": action "deleted" is not supported for entity "time_entry" ' +
          '(GET /event_filters lists created, updated)',
      },
      {
        ...src,
        message:
          'subscription "typo": action "archived" is not supported for entity "*" ' +
          '(GET /event_filters lists created, deleted, updated)',
      },
      {
        ...src,
        message:
          'subscription "typo": entity "workspace_user" is not supported by the API ' +
          '(GET /event_filters lists project, tag, time_entry)',
      },
    ]);
  });

  it('checks only the given descriptions', () => {
    const desired = ws([
      want('live and unchanged', { event_filters: [{ entity: 'legacy', action: 'created' }] }),
      want('new', { event_filters: [{ entity: 'tag', action: 'created' }] }),
    ]);
    const issues = catalogViolations(desired, catalog, new Set(['new']));
    expect(issues.map((i) => i.message)).toEqual([
      'subscription "new": action "created" is not supported for entity "tag" (GET /event_filters lists deleted)',
    ]);
  });

  it('checks nothing against an empty or malformed catalog', () => {
    const desired = ws([want('a', { event_filters: [{ entity: 'nope', action: 'created' }] })]);
    expect(catalogViolations(desired, {})).toEqual([]);
    expect(catalogViolations(desired, { project: 'created' } as never)).toEqual([]);
    expect(catalogViolations(desired, null as never)).toEqual([]);
  });
});
