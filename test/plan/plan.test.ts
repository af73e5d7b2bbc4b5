import { describe, expect, it } from 'vitest';
import { GuardError } from '../../src/errors.js';
import { massDeleteViolation, planAll, planWorkspace } from '../../src/plan/plan.js';
import { fixtures } from '../support/fixtures.js';

const { want, have, ws } = fixtures({
  workspaceId: 1,
  url: 'https://hooks.example.com/a',
  source: { file: 'subs.yaml', line: 3, col: 5 },
  live: { secret: 'live-secret' },
});

describe('planWorkspace', () => {
  it('creates what is declared but not live, with the declared secret only when declared', () => {
    const plan = planWorkspace(ws([want('a'), want('b', { secret: 'declared', enabled: false })]), []);
    expect(plan.changes.map((c) => c.action)).toEqual(['create', 'create']);
    const [a, b] = plan.changes;
    expect(a?.action === 'create' && a.body).toEqual({
      description: 'a',
      url_callback: 'https://hooks.example.com/a',
      event_filters: [{ entity: 'project', action: 'created' }],
      enabled: true,
    });
    expect(b?.action === 'create' && b.body.secret).toBe('declared');
    expect(b?.diff.secret).toEqual({ changed: true });
  });

  it('plans nothing when equal, even with filters in another order and an undeclared secret', () => {
    const filters = [
      { entity: 'project', action: 'created' },
      { entity: 'tag', action: '*' },
    ];
    const plan = planWorkspace(ws([want('a', { event_filters: filters })]), [
      have(7, 'a', { event_filters: [...filters].reverse() }),
    ]);
    expect(plan.changes).toEqual([]);
    expect(plan.unchanged).toBe(1);
  });

  it('patches when only enabled differs', () => {
    const plan = planWorkspace(ws([want('a', { enabled: false })]), [have(7, 'a')]);
    expect(plan.changes).toHaveLength(1);
    const [c] = plan.changes;
    expect(c).toMatchObject({ action: 'patch', subscription_id: 7, enabled: false });
    expect(c?.diff).toEqual({ enabled: { before: true, after: false } });
  });

  it('puts the whole subscription, keeping the live secret when none is declared and carrying enabled', () => {
    const plan = planWorkspace(ws([want('a', { url_callback: 'https://new.example/x', enabled: false })]), [
      have(7, 'a'),
    ]);
    expect(plan.changes).toHaveLength(1);
    const [c] = plan.changes;
    expect(c?.action).toBe('update');
    if (c?.action !== 'update') return;
    expect(c.body).toEqual({
      description: 'a',
      url_callback: 'https://new.example/x',
      event_filters: [{ entity: 'project', action: 'created' }],
      enabled: false,
      secret: 'live-secret',
    });
    // The URL being replaced is never shown: it may have been a ${VAR} until this change.
    expect(JSON.parse(JSON.stringify(c.diff))).toEqual({
      url_callback: { before: '(sensitive)', after: 'https://new.example/x' },
      enabled: { before: true, after: false },
    });
  });

  it('never shows the live URL a literal replaces, even one that looks plain (it may have been a ${VAR})', () => {
    // The old value of a rotated variable, short and word-like: no shape gives it away.
    const live = { ...have(7, 'a'), url_callback: 'https://intranet.example/hook/blue' };
    const plan = planWorkspace(ws([want('a', { url_callback: 'https://new.example/x' })]), [live]);
    const [c] = plan.changes;
    const shown = JSON.stringify(c?.diff);
    expect(shown).not.toContain('intranet.example/hook/blue');
    expect(shown).toContain('https://new.example/x');
  });

  it('updates a declared secret that differs, and reports it only as changed', () => {
    const plan = planWorkspace(ws([want('a', { secret: 'new-secret' })]), [have(7, 'a')]);
    const [c] = plan.changes;
    expect(c?.action === 'update' && c.body.secret).toBe('new-secret');
    expect(c?.diff).toEqual({ secret: { changed: true } });
    expect(JSON.stringify(c?.diff)).not.toContain('secret-');
  });

  it('does not plan a secret update when the API does not return the live secret', () => {
    const plan = planWorkspace(ws([want('a', { secret: 'x-secret' })]), [
      have(7, 'a', { secret: undefined }),
    ]);
    expect(plan.changes).toEqual([]);
  });

  it('reports event filter changes as added and removed', () => {
    const plan = planWorkspace(
      ws([
        want('a', {
          event_filters: [
            { entity: 'tag', action: '*' },
            { entity: 'project', action: 'created' },
          ],
        }),
      ]),
      [
        have(7, 'a', {
          event_filters: [
            { entity: 'client', action: 'deleted' },
            { entity: 'project', action: 'created' },
          ],
        }),
      ],
    );
    expect(plan.changes[0]?.diff.event_filters).toEqual({
      added: [{ entity: 'tag', action: '*' }],
      removed: [{ entity: 'client', action: 'deleted' }],
    });
  });

  it('deletes undeclared subscriptions only with prune, and never ignored ones', () => {
    const live = [have(1, 'keep'), have(2, 'Zapier: x'), have(3, 'stale')];
    const pruned = planWorkspace(ws([want('keep')], { ignore: ['Zapier*'] }), live);
    expect(pruned.changes.map((c) => [c.action, c.description])).toEqual([['delete', 'stale']]);
    expect(pruned.ignored).toBe(1);
    const kept = planWorkspace(ws([want('keep')], { ignore: ['Zapier*'], prune: false }), live);
    expect(kept.changes).toEqual([]);
    expect(kept.unmanaged).toBe(1);
  });

  it('orders deletes, disables, updates, enables and creates', () => {
    const plan = planWorkspace(
      ws([
        want('new', { url_callback: 'https://new.example/' }),
        want('enable-me'),
        want('update-me', { url_callback: 'https://x.example/' }),
        want('disable-me', { enabled: false }),
      ]),
      [
        have(1, 'enable-me', { enabled: false }),
        have(2, 'update-me'),
        have(3, 'disable-me'),
        have(4, 'gone'),
      ],
    );
    expect(plan.changes.map((c) => `${c.action}:${c.description}`)).toEqual([
      'delete:gone',
      'patch:disable-me',
      'update:update-me',
      'patch:enable-me',
      'create:new',
    ]);
  });

  it('refuses to guess between two live copies of a declared description: nothing planned, neither deleted', () => {
    // Before: the copy that did not match (5) was deleted silently.
    const plan = planWorkspace(ws([want('a'), want('b')]), [
      have(5, 'a', { url_callback: 'https://old/' }),
      have(6, 'a'),
    ]);
    expect(plan.changes.map((c) => [c.action, c.description])).toEqual([['create', 'b']]);
    expect(plan.ambiguous).toEqual([{ description: 'a', subscription_ids: [5, 6] }]);
    expect(plan.unmanaged).toBe(0);
  });

  it('a description live in NFC and in NFD is ambiguous too (both compare as the declared one)', () => {
    const nfc = 'Caf\u00e9';
    const nfd = 'Cafe\u0301';
    const plan = planWorkspace(ws([want(nfc)]), [have(8, nfd), have(7, nfc)]);
    expect(plan.changes).toEqual([]);
    expect(plan.ambiguous).toEqual([{ description: nfc, subscription_ids: [7, 8] }]);
  });

  it('undeclared live copies are still deleted under prune (no declaration to guess for)', () => {
    const plan = planWorkspace(ws([want('keep')]), [have(1, 'keep'), have(5, 'x'), have(6, 'x')]);
    expect(plan.changes.map((c) => [c.action, 'subscription_id' in c ? c.subscription_id : 0])).toEqual([
      ['delete', 5],
      ['delete', 6],
    ]);
    expect(plan.ambiguous).toBeUndefined();
  });

  it('the mass-delete guard does not count ambiguous subscriptions (they cannot be deleted)', () => {
    const plan = planWorkspace(ws([want('a')]), [have(5, 'a'), have(6, 'a'), have(7, 'stale')]);
    expect(plan.changes.map((c) => c.action)).toEqual(['delete']);
    // The only deletable one goes: that is "all of them".
    expect(massDeleteViolation(plan)).toBeInstanceOf(GuardError);
  });
});

describe('planAll', () => {
  it('never plans a workspace no file declares, nor one whose live state is unknown', () => {
    const plan = planAll(
      { workspaces: [ws([want('a')]), ws([want('b')], { workspace_id: 2 })], files: [] },
      new Map([
        [1, []],
        [99, [have(9, 'other', { workspace_id: 99 })]],
      ]),
    );
    expect(plan.workspaces.map((w) => w.workspace_id)).toEqual([1]);
  });
});

describe('massDeleteViolation', () => {
  const plan = (liveCount: number, deletes: number) =>
    planWorkspace(
      ws(Array.from({ length: liveCount - deletes }, (_, i) => want(`k${i}`))),
      Array.from({ length: liveCount }, (_, i) => have(i + 1, i < liveCount - deletes ? `k${i}` : `d${i}`)),
    );

  it.each([
    [1, 1, true],
    [2, 2, true],
    [3, 2, false],
    [3, 3, true],
    [4, 2, false],
    [4, 3, true],
    [10, 5, false],
    [10, 6, true],
    [5, 0, false],
  ])('live %i, deleting %i: refused=%s', (live, deletes, refused) => {
    const err = massDeleteViolation(plan(live, deletes));
    expect(err !== undefined).toBe(refused);
    if (err) {
      expect(err).toBeInstanceOf(GuardError);
      expect(err.code).toBe('E_GUARD');
      expect(err.message).toContain('workspace 1');
      expect(err.message).toContain('--allow-mass-delete');
    }
  });

  it('passes an empty workspace', () => {
    expect(massDeleteViolation(planWorkspace(ws([]), []))).toBeUndefined();
  });
});

describe('review fixes', () => {
  it('ignore globs match any text: slashes, dot segments, newlines, ? on any character', async () => {
    const { compileIgnore } = await import('../../src/config/ignore.js');
    const m = compileIgnore(['Zapier*', 'Hook?CRM', 'team-[ab]-*', 'x[!0-9]']);
    for (const d of [
      'Zapier/CRM',
      'Zapier/../legacy',
      'Zapier: new\nsecond line',
      'Zapier',
      'Hook/CRM',
      'team-a-1',
      'xq',
    ])
      expect(m(d), d).toBe(true);
    for (const d of ['zapier x', 'A Zapier', 'HookCRM', 'team-c-1', 'x1', 'Zapier.'.slice(1)])
      expect(m(d), d).toBe(false);
    expect(compileIgnore(['a.b'])('axb')).toBe(false);
    expect(compileIgnore(['(x)+'])('(x)+')).toBe(true);
    expect(() => compileIgnore(['[z-a]'])).toThrow('invalid ignore pattern "[z-a]"');
    const alt = compileIgnore(['{Zapier,Make}: *']);
    expect([alt('Zapier: a'), alt('Make: b/c'), alt('Other: x'), compileIgnore(['{x}'])('{x}')]).toEqual([
      true,
      true,
      false,
      true,
    ]);
  });

  it('the mass-delete guard counts only what the tool could delete (not ignored or unmanaged ones)', () => {
    const live = [have(1, 'Zapier 1'), have(2, 'Zapier 2'), have(3, 'a'), have(4, 'b')];
    const wp = planWorkspace(ws([], { ignore: ['Zapier*'] }), live);
    expect(wp.changes.map((c) => c.action)).toEqual(['delete', 'delete']);
    expect(massDeleteViolation(wp)).toBeInstanceOf(GuardError);
  });
});

describe('renames', () => {
  it('pairs a create with a delete of the same URL and filters: the create first, each naming the other', () => {
    const plan = planWorkspace(
      ws([want('New name'), want('other', { url_callback: 'https://o.example/' })]),
      [have(7, 'Old name'), have(8, 'unrelated', { url_callback: 'https://u.example/' })],
    );
    // Deletes run by id: the renamed one (7) before the unrelated one (8).
    expect(plan.changes.map((c) => `${c.action}:${c.description}`)).toEqual([
      'create:New name',
      'delete:Old name',
      'delete:unrelated',
      'create:other',
    ]);
    const create = plan.changes.find((c) => c.description === 'New name');
    const del = plan.changes.find((c) => c.description === 'Old name');
    expect(create).toMatchObject({ action: 'create', replaces: 7 });
    expect(del).toMatchObject({ action: 'delete', replaced_by: 'New name' });
    expect(plan.changes.find((c) => c.description === 'other')).not.toHaveProperty('replaces');
  });
});
