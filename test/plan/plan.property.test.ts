import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileIgnore } from '../../src/config/ignore.js';
import type { DesiredState, DesiredSubscription, DesiredWorkspace } from '../../src/config/types.js';
import { filterKey } from '../../src/plan/filters.js';
import { planAll } from '../../src/plan/plan.js';
import type { Subscription } from '../../src/toggl/types.js';
import { desiredState, literalMarks } from '../support/desired.js';
import { applyPlanToLive } from './simulate.js';

const DESCRIPTIONS = ['Slack: projects', 'CRM sync', 'Zapier: tags', 'Zapier/ä "q"', 'audit', 'billing: te'];
const URLS = ['https://a.example/h', 'https://b.example/h?token=x', 'http://c.example/'];
const SECRETS = ['secret-one', 'secret-two', 'secret-three'];
const FILTER = fc.record({
  entity: fc.constantFrom('project', 'tag', 'client', 'time_entry', '*'),
  action: fc.constantFrom('created', 'updated', 'deleted', '*'),
});
const FILTERS = fc.uniqueArray(FILTER, { minLength: 1, maxLength: 4, selector: filterKey });
const WORKSPACES = [11, 22, 33];

const src = { file: 'x.yaml', line: 1, col: 1 };

const desiredSub = (description: string) =>
  fc
    .record({
      url_callback: fc.constantFrom(...URLS),
      enabled: fc.boolean(),
      secret: fc.option(fc.constantFrom(...SECRETS), { nil: undefined }),
      event_filters: FILTERS,
    })
    .map((r): DesiredSubscription => {
      const sub: DesiredSubscription = {
        description,
        url_callback: r.url_callback,
        enabled: r.enabled,
        event_filters: r.event_filters,
        source: src,
        sensitive: literalMarks(r.url_callback),
      };
      if (r.secret !== undefined) sub.secret = r.secret;
      return sub;
    });

const liveSub = (description: string, ws: number) =>
  fc
    .record({
      url_callback: fc.constantFrom(...URLS),
      enabled: fc.boolean(),
      secret: fc.constantFrom(...SECRETS),
      event_filters: FILTERS,
      // Filters in another order must never count as a change.
      shuffle: fc.boolean(),
    })
    .map(
      (r): Omit<Subscription, 'subscription_id'> => ({
        description,
        workspace_id: ws,
        url_callback: r.url_callback,
        enabled: r.enabled,
        secret: r.secret,
        event_filters: r.shuffle ? [...r.event_filters].reverse() : r.event_filters,
      }),
    );

const scenario = fc
  .tuple(
    ...WORKSPACES.map((ws) =>
      fc
        .record({
          declared: fc.boolean(),
          prune: fc.boolean(),
          ignore: fc.constantFrom([], ['Zapier*'], ['audit', 'CRM*']),
          desiredNames: fc.subarray(DESCRIPTIONS),
          liveNames: fc.subarray(DESCRIPTIONS),
        })
        .chain((w) =>
          fc.record({
            ws: fc.constant(ws),
            declared: fc.constant(w.declared),
            prune: fc.constant(w.prune),
            ignore: fc.constant(w.ignore),
            desired: fc.tuple(
              ...w.desiredNames.filter((n) => !compileIgnore(w.ignore)(n)).map((n) => desiredSub(n)),
            ),
            live: fc.tuple(...w.liveNames.map((n) => liveSub(n, ws))),
          }),
        ),
    ),
  )
  .map((wss) => {
    let id = 100;
    const live = new Map<number, Subscription[]>();
    const workspaces: DesiredWorkspace[] = [];
    for (const w of wss) {
      live.set(
        w.ws,
        w.live.map((s) => ({ ...s, subscription_id: id++ })),
      );
      if (w.declared) {
        workspaces.push({
          workspace_id: w.ws,
          prune: w.prune,
          ignore: [...w.ignore],
          subscriptions: new Map(w.desired.map((d) => [d.description, d])),
          sources: [src],
        });
      }
    }
    const desired: DesiredState = { workspaces, files: ['x.yaml'] };
    return { desired, live };
  });

function matches(want: DesiredSubscription, have: Subscription): boolean {
  const a = new Set(want.event_filters.map(filterKey));
  const b = new Set(have.event_filters.map(filterKey));
  return (
    want.url_callback === have.url_callback &&
    want.enabled === have.enabled &&
    (want.secret === undefined || want.secret === have.secret) &&
    a.size === b.size &&
    [...a].every((k) => b.has(k))
  );
}

describe('planner properties', () => {
  it('applying the plan to live yields desired, modulo ignored and un-pruned subscriptions', () => {
    fc.assert(
      fc.property(scenario, ({ desired, live }) => {
        const after = applyPlanToLive(planAll(desired, live), live);
        for (const ws of desired.workspaces) {
          const isIgnored = compileIgnore(ws.ignore);
          const subs = after.get(ws.workspace_id)!;
          for (const want of ws.subscriptions.values()) {
            const have = subs.filter((s) => s.description === want.description);
            expect(have).toHaveLength(1);
            expect(matches(want, have[0]!)).toBe(true);
          }
          for (const before of live.get(ws.workspace_id)!) {
            if (ws.subscriptions.has(before.description)) continue;
            const still = subs.find((s) => s.subscription_id === before.subscription_id);
            if (isIgnored(before.description)) expect(still).toEqual(before);
            else if (ws.prune) expect(still).toBeUndefined();
            else expect(still).toEqual(before);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('planning again after applying yields nothing', () => {
    fc.assert(
      fc.property(scenario, ({ desired, live }) => {
        const after = applyPlanToLive(planAll(desired, live), live);
        const again = planAll(desired, after);
        expect(again.workspaces.flatMap((w) => w.changes)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('makes exactly one call per differing subscription', () => {
    fc.assert(
      fc.property(scenario, ({ desired, live }) => {
        const plan = planAll(desired, live);
        for (const ws of desired.workspaces) {
          const isIgnored = compileIgnore(ws.ignore);
          const current = live.get(ws.workspace_id)!;
          let differing = 0;
          for (const want of ws.subscriptions.values()) {
            const have = current.find((s) => s.description === want.description);
            if (!have || !matches(want, have)) differing++;
          }
          if (ws.prune) {
            differing += current.filter(
              (s) => !ws.subscriptions.has(s.description) && !isIgnored(s.description),
            ).length;
          }
          const wp = plan.workspaces.find((w) => w.workspace_id === ws.workspace_id)!;
          expect(wp.changes).toHaveLength(differing);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('never plans anything outside the declared workspaces or on ignored subscriptions', () => {
    fc.assert(
      fc.property(scenario, ({ desired, live }) => {
        const plan = planAll(desired, live);
        const declared = new Map(desired.workspaces.map((w) => [w.workspace_id, w]));
        for (const wp of plan.workspaces) {
          const ws = declared.get(wp.workspace_id);
          expect(ws).toBeDefined();
          const isIgnored = compileIgnore(ws!.ignore);
          for (const c of wp.changes) expect(isIgnored(c.description)).toBe(false);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('orders changes: rename creates, deletes, disables, updates, enables and creates', () => {
    // docs/plan-rules.md#order-of-calls: the new half of a rename runs first so a failed create loses
    // nothing; everything else frees per-workspace limits before using them.
    const rank = (c: { action: string; enabled?: boolean; replaces?: number }) =>
      c.action === 'create' && c.replaces !== undefined
        ? -1
        : c.action === 'delete'
          ? 0
          : c.action === 'patch' && c.enabled === false
            ? 1
            : c.action === 'update'
              ? 2
              : 3;
    fc.assert(
      fc.property(scenario, ({ desired, live }) => {
        for (const wp of planAll(desired, live).workspaces) {
          const ranks = wp.changes.map((c) => rank(c as { action: string; enabled?: boolean }));
          expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
          // Each rename create names a delete that comes later in the same plan, and only one.
          const replaced = wp.changes.flatMap((c) =>
            c.action === 'create' && c.replaces !== undefined ? [c.replaces] : [],
          );
          expect(new Set(replaced).size).toBe(replaced.length);
          for (const id of replaced) {
            const del = wp.changes.find((c) => c.action === 'delete' && c.subscription_id === id);
            expect(del).toBeDefined();
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('orders a rename create first (the counterexample CI found at seed 2084536074)', () => {
    const twin = (description: string, subscription_id: number): Subscription => ({
      description,
      workspace_id: 33,
      url_callback: 'https://a.example/h',
      enabled: false,
      secret: 'secret-one',
      event_filters: [{ entity: 'project', action: 'created' }],
      subscription_id,
    });
    const desired = desiredState([
      {
        workspace_id: 33,
        prune: true,
        ignore: ['Zapier*'],
        subscriptions: [
          {
            description: 'audit',
            url_callback: 'https://a.example/h',
            enabled: false,
            event_filters: [{ entity: 'project', action: 'created' }],
          },
        ],
      },
    ]);
    const plan = planAll(desired, new Map([[33, [twin('Slack: projects', 100), twin('CRM sync', 101)]]]));
    const changes = plan.workspaces[0]!.changes;
    expect(changes.map((c) => c.action)).toEqual(['create', 'delete', 'delete']);
    expect(changes[0]).toMatchObject({ action: 'create', replaces: 100 });
  });
});
