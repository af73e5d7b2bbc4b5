import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/load.js';
import type { DesiredState, DesiredSubscription, DesiredWorkspace } from '../../src/config/types.js';
import { planIdentity, planKeyFromToken } from '../../src/plan/identity.js';
import { planAll } from '../../src/plan/plan.js';
import type { Subscription } from '../../src/toggl/types.js';
import { literalMarks } from '../support/desired.js';
import { writeTree } from '../support/tmp.js';

/**
 * A world is the whole input of a plan: declared workspaces and the live subscriptions listed for them.
 * The tests state independently (normalise) what counts as "the same world", then check the hash agrees.
 */
interface SubModel {
  description: string;
  url: string;
  enabled: boolean;
  secret: string | null;
  filters: string[];
}
interface LiveModel extends SubModel {
  id: number;
}
interface WorkspaceModel {
  id: number;
  prune: boolean;
  ignore: string[];
  subs: SubModel[];
  /** null: the list call failed. */
  live: LiveModel[] | null;
}
type World = WorkspaceModel[];

const KEY = planKeyFromToken('0123456789abcdef0123456789abcdef');
const ENTITIES = ['project', 'tag', 'client', 'time_entry', '*'];
const ACTIONS = ['created', 'updated', 'deleted', '*'];
const ALL_FILTERS = ENTITIES.flatMap((e) => ACTIONS.map((a) => `${e}:${a}`));

const description = fc.stringMatching(/^[A-Y][a-z0-9 :/-]{0,14}[a-z0-9]$/);
const url = fc
  .tuple(fc.constantFrom('https://a.example', 'https://b.example', 'http://c.example'), fc.nat(50))
  .map(([h, n]) => `${h}/hook/${n}?k=${n % 7}`);
const secret = fc.stringMatching(/^[A-Za-z0-9]{4,20}$/);
const filters = fc.uniqueArray(fc.constantFrom(...ALL_FILTERS), { minLength: 1, maxLength: 4 });
const sub = (d: string) =>
  fc.record({
    description: fc.constant(d),
    url,
    enabled: fc.boolean(),
    secret: fc.option(secret, { nil: null }),
    filters,
  });

const workspace = (id: number) =>
  fc
    .record({
      prune: fc.boolean(),
      ignore: fc.uniqueArray(fc.constantFrom('Zapier*', 'Zz manual*', 'Zx?'), { maxLength: 2 }),
      names: fc.uniqueArray(description, { maxLength: 4 }),
      liveNames: fc.uniqueArray(fc.oneof(description, fc.constantFrom('Zapier one', 'Zx1')), {
        maxLength: 4,
      }),
      readable: fc.boolean(),
    })
    .chain((w) =>
      fc.record({
        id: fc.constant(id),
        prune: fc.constant(w.prune),
        ignore: fc.constant(w.ignore),
        subs: fc.tuple(...w.names.map(sub)),
        live: w.readable
          ? fc
              .tuple(
                ...w.liveNames.map((n) => sub(n).map((s) => ({ ...s, secret: s.secret ?? 'generated1' }))),
              )
              .map((subs) => subs.map((s, i) => ({ ...s, id: id * 100 + i })))
          : fc.constant(null),
      }),
    );

const world: fc.Arbitrary<World> = fc
  .subarray([11, 22, 33], { minLength: 1 })
  .chain((ids) => fc.tuple(...ids.map(workspace)));

function toDesired(w: World): DesiredState {
  const workspaces: DesiredWorkspace[] = w.map((ws) => ({
    workspace_id: ws.id,
    prune: ws.prune,
    ignore: [...ws.ignore],
    subscriptions: new Map(
      ws.subs.map((s, i): [string, DesiredSubscription] => {
        const d: DesiredSubscription = {
          description: s.description,
          url_callback: s.url,
          sensitive: literalMarks(s.url),
          enabled: s.enabled,
          event_filters: s.filters.map(toFilter),
          source: { file: 'x.yaml', line: i + 1, col: 1 },
        };
        if (s.secret !== null) d.secret = s.secret;
        return [s.description, d];
      }),
    ),
    sources: [{ file: 'x.yaml', line: 1, col: 1 }],
  }));
  return { workspaces, files: ['x.yaml'] };
}

function toLive(w: World): Map<number, Subscription[]> {
  const live = new Map<number, Subscription[]>();
  for (const ws of w) {
    if (!ws.live) continue;
    live.set(
      ws.id,
      ws.live.map((s) => ({
        subscription_id: s.id,
        workspace_id: ws.id,
        description: s.description,
        url_callback: s.url,
        enabled: s.enabled,
        event_filters: s.filters.map(toFilter),
        ...(s.secret !== null ? { secret: s.secret } : {}),
        validated_at: null,
      })),
    );
  }
  return live;
}

function toFilter(key: string) {
  const [entity, action] = key.split(':') as [string, string];
  return { entity, action };
}

function hashOf(desired: DesiredState, live: Map<number, Subscription[]>, key = KEY): string {
  return planIdentity({ desired, live, plan: planAll(desired, live), keyFor: () => key }).hash;
}

const hashWorld = (w: World) => hashOf(toDesired(w), toLive(w));

/** The test's own statement of "same world": filters and ignore as sets, subscriptions by key. */
function normalise(w: World): string {
  const subKey = (s: SubModel) => ({ ...s, filters: [...s.filters].sort() });
  return JSON.stringify(
    [...w]
      .sort((a, b) => a.id - b.id)
      .map((ws) => ({
        id: ws.id,
        prune: ws.prune,
        ignore: [...ws.ignore].sort(),
        subs: ws.subs.map(subKey).sort((a, b) => (a.description < b.description ? -1 : 1)),
        live: ws.live?.map((s) => ({ ...subKey(s), id: s.id })).sort((a, b) => a.id - b.id) ?? null,
      })),
  );
}

type Edit = (w: World, pick: number, value: string) => void;

const at = <T>(list: readonly T[], pick: number): T | undefined =>
  list.length === 0 ? undefined : list[pick % list.length];

/** Every kind of edit a person (to a file) or another tool (to live state) can make. */
const EDITS: Record<string, Edit> = {
  'file: url_callback': (w, p, v) => {
    const s = at(at(w, p)!.subs, p);
    if (s) s.url = `https://edited.example/${v}`;
  },
  'file: enabled': (w, p) => {
    const s = at(at(w, p)!.subs, p);
    if (s) s.enabled = !s.enabled;
  },
  'file: secret set or changed': (w, p, v) => {
    const s = at(at(w, p)!.subs, p);
    if (s) s.secret = `${s.secret ?? ''}${v}x`;
  },
  'file: secret removed': (w, p) => {
    const s = at(at(w, p)!.subs, p);
    if (s) s.secret = null;
  },
  'file: filter added or removed': (w, p) => {
    const s = at(at(w, p)!.subs, p);
    if (!s) return;
    const f = at(ALL_FILTERS, p)!;
    s.filters = s.filters.includes(f) ? s.filters.filter((x) => x !== f) : [...s.filters, f];
  },
  'file: description': (w, p, v) => {
    const s = at(at(w, p)!.subs, p);
    if (s) s.description = `${s.description} ${v}`;
  },
  'file: subscription added': (w, p, v) => {
    at(w, p)!.subs.push({
      description: `New ${v}`,
      url: 'https://n.example/',
      enabled: true,
      secret: null,
      filters: ['tag:*'],
    });
  },
  'file: subscription removed': (w, p) => {
    const ws = at(w, p)!;
    ws.subs.splice(p % Math.max(1, ws.subs.length), 1);
  },
  'file: prune': (w, p) => {
    const ws = at(w, p)!;
    ws.prune = !ws.prune;
  },
  'file: ignore': (w, p, v) => {
    at(w, p)!.ignore.push(`Qq ${v}*`);
  },
  'file: workspace added': (w, _p, v) => {
    w.push({ id: 1000 + v.length, prune: true, ignore: [], subs: [], live: [] });
  },
  'file: workspace removed': (w, p) => {
    if (w.length > 1) w.splice(p % w.length, 1);
  },
  'live: url_callback': (w, p, v) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (s) s.url = `https://hand.example/${v}`;
  },
  'live: enabled': (w, p) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (s) s.enabled = !s.enabled;
  },
  'live: secret': (w, p, v) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (s) s.secret = `${s.secret ?? ''}${v}y`;
  },
  'live: filter added or removed': (w, p) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (!s) return;
    const f = at(ALL_FILTERS, p + 1)!;
    s.filters = s.filters.includes(f) ? s.filters.filter((x) => x !== f) : [...s.filters, f];
  },
  'live: description': (w, p, v) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (s) s.description = `${s.description}${v}`;
  },
  'live: subscription id': (w, p) => {
    const s = at(at(w, p)!.live ?? [], p);
    if (s) s.id += 50;
  },
  'live: subscription created by hand': (w, p, v) => {
    at(w, p)!.live?.push({
      id: 9999,
      description: `Hand ${v}`,
      url: 'https://h.example/',
      enabled: true,
      secret: 's3cr3t',
      filters: ['client:*'],
    });
  },
  'live: subscription deleted by hand': (w, p) => {
    const live = at(w, p)!.live;
    if (live) live.splice(p % Math.max(1, live.length), 1);
  },
  'live: workspace could not be read': (w, p) => {
    at(w, p)!.live = null;
  },
};

const clone = (w: World): World => structuredClone(w);

describe('plan identity (property)', () => {
  it('changes when anything in the files or the live state changes', () => {
    fc.assert(
      fc.property(
        world,
        fc.constantFrom(...Object.keys(EDITS)),
        fc.nat(1000),
        fc.stringMatching(/^[a-z0-9]{1,6}$/),
        (w, edit, pick, value) => {
          const edited = clone(w);
          EDITS[edit]!(edited, pick, value);
          fc.pre(normalise(edited) !== normalise(w));
          // Edits must leave a world the loader could have produced.
          for (const ws of edited) {
            fc.pre(new Set(ws.subs.map((s) => s.description)).size === ws.subs.length);
            fc.pre(new Set(edited.map((x) => x.id)).size === edited.length);
            fc.pre(new Set((ws.live ?? []).map((s) => s.id)).size === (ws.live ?? []).length);
          }
          expect(hashWorld(edited)).not.toBe(hashWorld(w));
        },
      ),
      { numRuns: 600 },
    );
  });

  it('does not change with the order of workspaces, subscriptions, filters or ignore patterns', () => {
    fc.assert(
      fc.property(world, fc.nat(), (w, seed) => {
        const shuffled = clone(w)
          .reverse()
          .map((ws) => ({
            ...ws,
            ignore: rotate(ws.ignore, seed),
            subs: rotate(ws.subs, seed).map((s) => ({ ...s, filters: rotate(s.filters, seed + 1) })),
            live: ws.live
              ? rotate(ws.live, seed + 2).map((s) => ({ ...s, filters: [...s.filters].reverse() }))
              : null,
          }));
        expect(hashWorld(shuffled)).toBe(hashWorld(w));
      }),
      { numRuns: 300 },
    );
  });

  it('changes with the token (the key), and is otherwise the same on every run', () => {
    fc.assert(
      fc.property(world, (w) => {
        const desired = toDesired(w);
        const live = toLive(w);
        const other = planKeyFromToken('fedcba9876543210fedcba9876543210');
        expect(hashOf(desired, live)).toBe(hashOf(toDesired(w), toLive(w)));
        expect(hashOf(desired, live, other)).not.toBe(hashOf(desired, live));
      }),
      { numRuns: 100 },
    );
  });

  it('is the same for files that differ only in order, layout, quoting and comments', async () => {
    await fc.assert(
      fc.asyncProperty(world, fc.nat(), async (w, seed) => {
        const env: Record<string, string> = {};
        const a = writeTree(blockStyle(w));
        const b = writeTree(flowStyle(w, seed, env));
        const live = toLive(w);
        const fromA = await loadDesiredState([a], {});
        const fromB = await loadDesiredState([b], env);
        expect(hashOf(fromB, live)).toBe(hashOf(fromA, live));
        expect(hashOf(fromA, live)).toBe(hashWorld(w));
      }),
      { numRuns: 25 },
    );
  });
});

function rotate<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const n = by % list.length;
  return [...list.slice(n), ...list.slice(0, n)].reverse();
}

/** One file per workspace, block style, defaults written out. */
function blockStyle(w: World): Record<string, string> {
  const files: Record<string, string> = {};
  for (const ws of w) {
    const lines = [
      `workspace_id: ${ws.id}`,
      `prune: ${ws.prune}`,
      `ignore: ${JSON.stringify(ws.ignore)}`,
      'subscriptions:',
    ];
    if (ws.subs.length === 0) lines[3] = 'subscriptions: []';
    for (const s of ws.subs) {
      lines.push(`  - description: ${JSON.stringify(s.description)}`);
      lines.push(`    url_callback: ${s.url}`);
      lines.push(`    enabled: ${s.enabled}`);
      if (s.secret !== null) lines.push(`    secret: ${JSON.stringify(s.secret)}`);
      lines.push('    event_filters:');
      for (const f of s.filters) {
        const [entity, action] = f.split(':');
        lines.push(`      - entity: "${entity}"`, `        action: "${action}"`);
      }
    }
    files[`ws-${ws.id}.yaml`] = `${lines.join('\n')}\n`;
  }
  return files;
}

/**
 * The same declarations spread over other files in another order: one document per subscription,
 * flow style, keys reversed, comments everywhere, `enabled: true` left to the default, secrets from
 * `${VAR}` references.
 */
function flowStyle(w: World, seed: number, env: Record<string, string>): Record<string, string> {
  const files: Record<string, string> = {};
  let n = 0;
  for (const ws of [...w].reverse()) {
    const header = (subs: string) =>
      `# workspace ${ws.id}, generated\n{ subscriptions: ${subs}, # trailing comment\n  ignore: [${ws.ignore.map((i) => `'${i}'`).join(', ')}], prune: ${ws.prune}, workspace_id: ${ws.id} }\n`;
    const docs: string[] = [];
    if (ws.subs.length === 0) docs.push(header('[]'));
    for (const s of rotate(ws.subs, seed)) {
      const fields: string[] = [];
      fields.push(
        `event_filters: [${rotate(s.filters, seed)
          .map(
            (f) =>
              `{action: '${f.split(':')[1]}', entity: ${f.split(':')[0] === '*' ? "'*'" : f.split(':')[0]}}`,
          )
          .join(', ')}]`,
      );
      if (s.secret !== null) {
        const name = `TWS_SECRET_${n++}`;
        env[name] = s.secret;
        fields.push(`secret: '\${${name}}'`);
      }
      if (!s.enabled) fields.push('enabled: false');
      fields.push(`url_callback: "${s.url}"`, `description: '${s.description.replace(/'/g, "''")}'`);
      docs.push(header(`[ { ${fields.join(', ')} } ]`));
    }
    docs.forEach((doc, i) => {
      files[`z/${String(seed % 97)}-${ws.id}-${i}.yml`] = `---\n${doc}...\n# end\n`;
    });
  }
  return files;
}
