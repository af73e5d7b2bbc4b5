import { describe, expect, it } from 'vitest';
import { planIdentity, planKeyFromToken } from '../../src/plan/identity.js';
import { planAll } from '../../src/plan/plan.js';
import { buildSavedPlan, explainDifferences, parseSavedPlan, sourcesOf } from '../../src/plan/saved.js';
import type { Subscription } from '../../src/toggl/types.js';
import { desiredState, type WorkspaceSpec } from '../support/desired.js';

const NOW = new Date('2026-01-02T03:04:05Z');
const DAY = 86_400_000;

function made(spec: WorkspaceSpec[], live: Map<number, Subscription[]>, token = 'token-one-0123456789') {
  const desired = desiredState(spec);
  const identity = planIdentity({
    desired,
    live,
    plan: planAll(desired, live),
    keyFor: () => planKeyFromToken(token),
  });
  return { identity: identity.document, hash: identity.hash, sources: sourcesOf(desired), desired };
}

const liveSub = (id: number, description: string): Subscription => ({
  subscription_id: id,
  workspace_id: 1,
  description,
  url_callback: 'https://hooks.example.com/x',
  enabled: true,
  event_filters: [{ entity: 'project', action: 'created' }],
});
const live = () => new Map([[1, [liveSub(5, 'a')]]]);
const base: WorkspaceSpec[] = [
  { workspace_id: 1, subscriptions: [{ description: 'a' }, { description: 'b' }] },
];

describe('explainDifferences', () => {
  it('names workspace settings, declarations and the file they sit in', () => {
    const before = made(base, live());
    const after = made(
      [
        {
          workspace_id: 1,
          prune: false,
          subscriptions: [{ description: 'a', enabled: false }, { description: 'c' }],
        },
      ],
      live(),
    );
    expect(explainDifferences(before, after).map((d) => d.message)).toEqual([
      'workspace 1: prune changed from true to false (declared in test.yaml:1:1)',
      'workspace 1: "a" in test.yaml:3:18 changed: enabled (true -> false)',
      'workspace 1: "c" was added in test.yaml:8:18',
      'workspace 1: "b" was removed (was declared in test.yaml:8:18)',
    ]);
  });

  it('says a token rotated instead of listing every keyed digest as changed', () => {
    const before = made(base, live());
    const after = made(base, live(), 'token-two-9876543210');
    expect(explainDifferences(before, after).map((d) => d.message)).toEqual([
      'workspace 1: the API token in TOGGL_API_TOKEN is not the one the plan was made with (rotated?); plan again with the current token',
    ]);
  });

  it('names unreadable and new or dropped workspaces, and finds nothing in an equal plan', () => {
    const before = made(base, live());
    expect(explainDifferences(before, made(base, live()))).toEqual([]);
    expect(explainDifferences(before, made(base, new Map())).map((d) => d.message)).toEqual([
      'workspace 1: its live subscriptions cannot be listed now',
    ]);
    const two = made([...base, { workspace_id: 2, subscriptions: [] }], new Map([...live(), [2, []]]));
    expect(explainDifferences(before, two).map((d) => d.message)).toEqual([
      'workspace 2 is newly declared in test.yaml:1:1',
    ]);
    expect(explainDifferences(two, before).map((d) => d.message)).toEqual([
      'workspace 2 is no longer declared (was declared in test.yaml:1:1)',
    ]);
  });
});

describe('parseSavedPlan', () => {
  const file = () => {
    const m = made(base, live());
    return buildSavedPlan({
      hash: m.hash,
      identity: m.identity,
      createdAt: NOW,
      createdBy: 'test',
      paths: ['subs'],
      review: {},
      desired: m.desired,
    });
  };

  it('accepts its own output within the age and refuses it after', () => {
    const text = JSON.stringify(file());
    expect(parseSavedPlan(text, 'p.json', NOW, DAY).plan_hash).toBe(file().plan_hash);
    expect(() => parseSavedPlan(text, 'p.json', new Date(NOW.getTime() + 2 * DAY), DAY)).toThrow(
      'p.json: the plan is 2d old, older than --max-plan-age 24h; plan again',
    );
  });

  it('refuses a file that is not a plan, or whose content does not match its hash', () => {
    const refuse = (value: unknown) => () => parseSavedPlan(JSON.stringify(value), 'p.json', NOW, DAY);
    expect(() => parseSavedPlan('{', 'p.json', NOW, DAY)).toThrow(/not JSON/);
    expect(refuse([])).toThrow(/not a plan file of this tool: not an object/);
    expect(refuse({ ...file(), format_version: 2 })).toThrow(/format_version 2 is not supported/);
    expect(refuse({ ...file(), plan_hash: 'x' })).toThrow(/plan_hash is not a hash/);
    const deep = file();
    (deep.identity.workspaces[0] as unknown as Record<string, unknown>)['live'] = [{ deep: [[[[]]]] }];
    expect(refuse(deep)).toThrow(/identity: live/);
    const edited = file();
    edited.identity.workspaces[0]!.prune = false;
    expect(refuse(edited)).toThrow(/changed after it was written/);
  });
});
