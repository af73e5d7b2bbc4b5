import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultKind, Subscription } from '../../src/emulator/index.js';
import { assertBuilt, type CliResult } from '../support/cli.js';
import { type E2E, startE2E, TOKEN, yamlDoc } from '../support/e2e.js';
import { updateTree } from '../support/tmp.js';
import { chaosSeed, type Random, random } from './prng.js';

/**
 * Chaos soak: random desired-state transitions synced by the built CLI while the emulator fails about
 * one request in five (5xx, 429 with Retry-After 0, dropped connections, responses lost after the
 * change was made). After each faulty sync a fault-free sync must converge and a dry run must plan
 * nothing. Safety is asserted after every run: no duplicate description, no declared or protected
 * (ignored, or not pruned) subscription deleted or touched, no DELETE of anything but an undeclared
 * subscription, no token or secret in any output, no crash. Replay a failure with CHAOS_SEED.
 */

const TRANSITIONS = Number(process.env['CHAOS_TRANSITIONS'] ?? 200);
const SEED = chaosSeed();
const WORKSPACES = [3_100_001, 3_100_002] as const;
const SECRETS = {
  CHAOS_SECRET_A: 'chaosSecretA-7Hq2Lm9XwPz',
  CHAOS_SECRET_B: 'chaosSecretB-3Zt8Kp1VnQy',
  HOOK_TOKEN: 'hookTokenQ4r7Vb2Nx',
} as const;
type SecretVar = 'CHAOS_SECRET_A' | 'CHAOS_SECRET_B';
const POOL = [
  'Slack: new projects',
  'Billing: time entries',
  'CRM: "clients"',
  'Audit: deletions',
  'Reports: tags ✓',
  'Ops: tasks',
];
const FILTERS: Array<[string, string]> = [
  ['project', 'created'],
  ['project', 'updated'],
  ['tag', '*'],
  ['client', 'deleted'],
  ['time_entry', '*'],
  ['task', 'created'],
  ['workspace_user', 'updated'],
];
// Each applies to a share of requests; together about 20% of requests fail once.
const FAULTS = {
  errorRate: 0.06,
  rateLimitRate: 0.05,
  retryAfterSeconds: 0,
  dropRate: 0.04,
  lostResponseRate: 0.06,
};
const FAST_RETRIES = { TOGGL_RETRY_MIN_MS: '1', TOGGL_RETRY_MAX_MS: '20' };
const IGNORE = 'Manual*';

interface Declared {
  description: string;
  url: string;
  enabled: boolean;
  secret?: SecretVar;
  filters: Array<[string, string]>;
}
interface DeclaredWorkspace {
  workspace_id: number;
  prune: boolean;
  ignored: boolean;
  subs: Declared[];
}

const slug = (d: string) => d.toLowerCase().replace(/[^a-z]+/g, '-');
const expand = (text: string) => text.replace(`\${HOOK_TOKEN}`, SECRETS.HOOK_TOKEN);
const isIgnored = (ws: DeclaredWorkspace, description: string) =>
  ws.ignored && description.startsWith('Manual');
const key = (ws: number, description: string) => `${ws}\u0000${description}`;

function generate(r: Random): DeclaredWorkspace[] {
  return WORKSPACES.map((workspace_id) => ({
    workspace_id,
    prune: !r.chance(0.2),
    ignored: r.chance(0.35),
    subs: r.subset(POOL, 0.6).map((description) => {
      const s = slug(description);
      const sub: Declared = {
        description,
        url: r.pick([
          `https://hooks.example.com/${s}`,
          `https://hooks.example.com/${s}/v2`,
          `https://hooks.example.com/${s}?token=\${HOOK_TOKEN}`,
        ]),
        enabled: !r.chance(0.25),
        filters: r.subset(FILTERS, 0.3, 1),
      };
      if (r.chance(0.4)) sub.secret = r.pick(['CHAOS_SECRET_A', 'CHAOS_SECRET_B'] as const);
      return sub;
    }),
  }));
}

function render(desired: DeclaredWorkspace[]): Record<string, string> {
  return Object.fromEntries(
    desired.map((ws) => [
      `ws-${ws.workspace_id}.yaml`,
      yamlDoc({
        workspace_id: ws.workspace_id,
        prune: ws.prune,
        ...(ws.ignored ? { ignore: [IGNORE] } : {}),
        subscriptions: ws.subs.map((s) => ({
          description: s.description,
          url_callback: s.url,
          enabled: s.enabled,
          ...(s.secret ? { secret: `\${${s.secret}}` } : {}),
          event_filters: s.filters,
        })),
      }),
    ]),
  );
}

/**
 * Mirrors the mass-delete guard (massDeleteViolation in src/plan/plan.ts: it counts only the live
 * subscriptions the run could delete) so that only plans it refuses get --allow-mass-delete.
 */
function guardTrips(ws: DeclaredWorkspace, live: Subscription[]): boolean {
  if (!ws.prune) return false;
  const declared = new Set(ws.subs.map((s) => s.description));
  const managed = live.filter((s) => !isIgnored(ws, s.description));
  const deletes = managed.filter((s) => !declared.has(s.description)).length;
  return deletes > 0 && (deletes >= managed.length || (managed.length >= 4 && deletes * 2 > managed.length));
}

const filterSet = (filters: Array<{ entity: string; action: string }>) =>
  filters.map((f) => `${f.entity}/${f.action}`).sort();
const snapshot = (s: Subscription) =>
  JSON.stringify([s.subscription_id, s.description, s.url_callback, s.enabled, filterSet(s.event_filters)]);

describe('chaos soak', () => {
  let e: E2E;
  let dir: string;
  const stats = {
    runs: 0,
    requests: 0,
    faultyExit1: 0,
    adopted: 0,
    faults: {} as Partial<Record<FaultKind, number>>,
    failures: new Map<string, number>(),
  };

  beforeAll(async () => {
    assertBuilt();
    e = await startE2E({ workspaces: [...WORKSPACES], quota: false });
    dir = e.files({});
  });
  afterAll(async () => {
    await e?.close();
    console.log(
      `chaos soak: seed ${SEED}, ${TRANSITIONS} transitions, ${stats.runs} CLI runs, ` +
        `${stats.faultyExit1} faulty syncs exited 1, ${stats.adopted} lost creates adopted, ` +
        `${Object.values(stats.faults).reduce((a, b) => a + b, 0)} faults in ${stats.requests} requests of the ` +
        `faulty syncs: ${JSON.stringify(stats.faults)}; failure messages: ` +
        JSON.stringify(Object.fromEntries(stats.failures)),
    );
  });

  it(
    `${TRANSITIONS} random transitions under ~20% faults converge safely`,
    async () => {
      const r = random(SEED);
      const env = { ...SECRETS, ...FAST_RETRIES };
      // Ids of declared subscriptions after the last converged sync; a declared one must keep its id.
      const ids = new Map<string, number>();

      for (let step = 1; step <= TRANSITIONS; step++) {
        const at = `seed ${SEED}, step ${step}`;
        const desired = generate(r);
        const declaredKeys = new Set(
          desired.flatMap((w) => w.subs.map((s) => key(w.workspace_id, s.description))),
        );
        driftOutOfBand(r, ids);

        const live = () => new Map(WORKSPACES.map((ws) => [ws, e.emu.subscriptions(ws)]));
        const before = live();
        // What no run may touch: undeclared subscriptions that are ignored or in a prune: false workspace.
        const isProtected = (ws: DeclaredWorkspace, s: Subscription) =>
          !ws.subs.some((d) => d.description === s.description) &&
          (!ws.prune || isIgnored(ws, s.description));
        const protectedSnapshots = desired.flatMap((ws) =>
          (before.get(ws.workspace_id as (typeof WORKSPACES)[number]) ?? [])
            .filter((s) => isProtected(ws, s))
            .map((s) => ({ ws: ws.workspace_id, snap: snapshot(s) })),
        );
        const descriptionOfId = new Map<number, [number, string]>();
        const learnIds = (m: Map<number, Subscription[]>) => {
          for (const [ws, subs] of m)
            for (const s of subs) descriptionOfId.set(s.subscription_id, [ws, s.description]);
        };
        learnIds(before);

        const check = (run: CliResult, allowed: number[], what: string) => {
          stats.runs++;
          const all = run.stdout + run.stderr;
          expect(run.signal, `${at}: ${what} was killed\n${all}`).toBeNull();
          expect(allowed, `${at}: ${what} exited ${run.code}\n${all}`).toContain(run.code);
          expect(run.stderr, `${at}: ${what} printed a stack trace`).not.toMatch(/^\s{4}at /m);
          const liveSecrets = WORKSPACES.flatMap((ws) => e.emu.subscriptions(ws).map((s) => s.secret ?? ''));
          for (const secret of [TOKEN, ...Object.values(SECRETS), ...liveSecrets.filter(Boolean)]) {
            expect(all.includes(secret), `${at}: ${what} printed a secret`).toBe(false);
          }
          const now = live();
          learnIds(now);
          for (const [ws, subs] of now) {
            const names = subs.map((s) => s.description);
            expect(new Set(names).size, `${at}: duplicate description in ${ws} after ${what}: ${names}`).toBe(
              names.length,
            );
          }
          // A declared subscription is never deleted (and re-created): it keeps its id.
          for (const [k, id] of ids) {
            if (!declaredKeys.has(k)) continue;
            const [ws, description] = k.split('\u0000') as [string, string];
            const found = now
              .get(Number(ws) as (typeof WORKSPACES)[number])
              ?.find((s) => s.description === description);
            expect(found?.subscription_id, `${at}: declared "${description}" lost its id after ${what}`).toBe(
              id,
            );
          }
          for (const p of protectedSnapshots) {
            const snaps = (now.get(p.ws as (typeof WORKSPACES)[number]) ?? []).map(snapshot);
            expect(snaps, `${at}: a protected subscription was touched by ${what}`).toContain(p.snap);
          }
          // Every DELETE sent targets a subscription that was live and that no file declares.
          for (const c of e.emu.calls.filter((call) => call.method === 'DELETE')) {
            const id = Number(c.path.split('/').pop());
            const owner = descriptionOfId.get(id);
            expect(owner, `${at}: DELETE of an unknown subscription ${c.path}`).toBeDefined();
            const [ws, description] = owner!;
            const wsDesired = desired.find((w) => w.workspace_id === ws)!;
            expect(declaredKeys.has(key(ws, description)), `${at}: DELETE of declared "${description}"`).toBe(
              false,
            );
            expect(
              isProtected(wsDesired, { description } as Subscription),
              `${at}: DELETE of protected`,
            ).toBe(false);
          }
        };

        updateTree(dir, render(desired));
        const flags = (format = 'text') => {
          const liveNow = live();
          const trips = desired.some((ws) =>
            guardTrips(ws, liveNow.get(ws.workspace_id as (typeof WORKSPACES)[number]) ?? []),
          );
          return [...(trips ? ['--allow-mass-delete'] : []), '--output', format];
        };

        e.emu.resetCalls();
        e.emu.setFaults({ ...FAULTS, seed: SEED + step });
        const faulty = await e.cli(['sync', dir, ...flags(r.pick(['text', 'json', 'markdown']))], env);
        e.emu.setFaults(undefined);
        check(faulty, [0, 1], 'the faulty sync');
        if (faulty.code === 1) stats.faultyExit1++;
        stats.requests += e.emu.calls.length;
        // Why faulty syncs failed, for the summary: the error lines of the text output and the logs.
        for (const line of (faulty.stdout + faulty.stderr).split('\n')) {
          const m = /^\s*error: (?:workspace \d+: )?(.*)$/.exec(line);
          if (m?.[1]) {
            const reason = m[1].replace(/\d+/g, 'N').slice(0, 90);
            stats.failures.set(reason, (stats.failures.get(reason) ?? 0) + 1);
          }
        }
        stats.adopted += faulty.stderr.split('create answered "already in use"').length - 1;
        for (const c of e.emu.calls) if (c.fault) stats.faults[c.fault] = (stats.faults[c.fault] ?? 0) + 1;

        const converge = await e.cli(['sync', dir, ...flags()], env);
        check(converge, [0], 'the fault-free sync');
        e.emu.resetCalls();
        const plan = await e.cli(['sync', '--dry-run', '--detailed-exitcode', dir, ...flags()], env);
        check(plan, [0], 'the dry run after converging');
        expect(
          e.emu.calls.map((c) => c.method),
          `${at}: the dry run changed something`,
        ).toEqual(WORKSPACES.map(() => 'GET'));

        // Converged: live is exactly what the files say.
        ids.clear();
        for (const ws of desired) {
          const subs = e.emu.subscriptions(ws.workspace_id);
          for (const d of ws.subs) {
            const s = subs.find((x) => x.description === d.description);
            expect(s, `${at}: "${d.description}" missing after converging`).toBeDefined();
            expect(s!.url_callback).toBe(expand(d.url));
            expect(s!.enabled).toBe(d.enabled);
            expect(filterSet(s!.event_filters)).toEqual(
              filterSet(d.filters.map(([entity, action]) => ({ entity, action }))),
            );
            if (d.secret)
              expect(s!.secret === SECRETS[d.secret], `${at}: secret of "${d.description}"`).toBe(true);
            ids.set(key(ws.workspace_id, d.description), s!.subscription_id);
          }
          if (ws.prune) {
            const stray = subs.filter(
              (s) => !ws.subs.some((d) => d.description === s.description) && !isIgnored(ws, s.description),
            );
            expect(
              stray.map((s) => s.description),
              `${at}: undeclared left in a pruned workspace`,
            ).toEqual([]);
          }
        }
      }
      expect(stats.runs).toBe(TRANSITIONS * 3);
      // The soak is only worth something if the faults really happened.
      if (TRANSITIONS >= 30) {
        for (const kind of ['error', 'rate_limit', 'drop', 'lost_response'] as const) {
          expect(stats.faults[kind] ?? 0, `no ${kind} fault was injected`).toBeGreaterThan(0);
        }
      }
    },
    Math.max(120_000, TRANSITIONS * 15_000),
  );

  /**
   * Hand-made changes between syncs, as people make them in the Toggl UI: a declared subscription
   * edited or deleted, a `Manual: ...` one added (kept when ignored, pruned otherwise).
   */
  function driftOutOfBand(r: Random, ids: Map<string, number>): void {
    const ws = r.pick(WORKSPACES);
    const live = e.emu.subscriptions(ws);
    const target = live.length > 0 ? r.pick(live) : undefined;
    if (target && r.chance(0.25)) {
      e.emu.mutate(
        ws,
        target.subscription_id,
        r.chance(0.5)
          ? { url_callback: 'https://hooks.example.com/edited-by-hand' }
          : { enabled: !target.enabled },
      );
    } else if (target && r.chance(0.1)) {
      e.emu.remove(ws, target.subscription_id);
      // Deleted by a person: it comes back with a new id.
      ids.delete(key(ws, target.description));
    }
    const manual = live.filter((s) => s.description.startsWith('Manual')).length;
    if (r.chance(0.2) && live.length < 8 && manual < 3) {
      e.emu.seed(ws, {
        description: `Manual: hand-made ${r.int(1_000_000)}`,
        url_callback: 'https://hooks.example.com/manual',
        event_filters: [{ entity: 'project', action: 'created' }],
      });
    }
  }
});
