import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PRECHECK_FILE_NAME } from '../../src/apply/precheck-file.js';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, mutatingCalls, startE2E, TOKEN, yamlDoc } from '../support/e2e.js';
import { writeTree } from '../support/tmp.js';

// The on-disk pre-check cache of one-shot runs (docs/limits-and-budgets.md, "API quota"), counted
// from the emulator's request log while the built CLI runs twice.

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

const WS = 611;
const SECRET = 'precheck-cache-secret-Vb83kQ';

/** Live: one subscription. Declared: two enabled, so the plan grows a limit and asks GET /limits. */
async function growingPlan(): Promise<{
  e: E2E;
  dir: string;
  cache: string;
  env: Record<string, string | undefined>;
}> {
  e2e = await startE2E({ workspaces: [WS], limits: { max_webhooks: 5, max_events_per_webhook: 3 } });
  const sub = (description: string) => ({
    description,
    url_callback: `https://hooks.example.com/${description}`,
    secret: SECRET,
    event_filters: [['project', 'created']] as Array<[string, string]>,
  });
  const live = e2e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [sub('A')] }) });
  expect((await e2e.cli(['sync', live])).code).toBe(0);
  const dir = e2e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [sub('A'), sub('B')] }) });
  const cache = writeTree({}, 'tws-xdg-');
  e2e.emu.resetCalls();
  return { e: e2e, dir, cache, env: { XDG_CACHE_HOME: cache, TWS_PRECHECK_CACHE: undefined } };
}

const limitReads = (e: E2E) => callList(e.emu).filter((c) => c === `GET /limits/${WS}`).length;

describe('the on-disk pre-check cache (built CLI, emulator)', () => {
  it('two plans in a row read GET /limits once, and the file holds neither token nor secret', async () => {
    const { e, dir, cache, env } = await growingPlan();
    for (let run = 0; run < 2; run++) {
      const plan = await e.cli(['plan', '--detailed-exitcode', dir], env);
      expect(plan.code, plan.stderr).toBe(2);
      expect(plan.stdout).toContain('B');
    }
    expect(limitReads(e)).toBe(1);
    expect(callList(e.emu).filter((c) => c === `GET /subscriptions/${WS}`)).toHaveLength(2);

    const file = join(cache, 'toggl-webhooks-sync', PRECHECK_FILE_NAME);
    const text = readFileSync(file, 'utf8');
    expect(JSON.parse(text).scopes).toBeTypeOf('object');
    for (const needle of [TOKEN, SECRET, e.emu.url, String(new URL(e.emu.url).port), 'hooks.example.com'])
      expect(text).not.toContain(needle);
    expect(readdirSync(join(cache, 'toggl-webhooks-sync'))).toEqual([PRECHECK_FILE_NAME]);
  });

  it('a limit the cache holds is still enforced: a plan beyond it is refused without asking again', async () => {
    const { e, dir, env } = await growingPlan();
    expect((await e.cli(['plan', dir], env)).code).toBe(0);
    const over = e.files({
      'ws.yaml': yamlDoc({
        workspace_id: WS,
        subscriptions: ['A', 'B', 'C', 'D', 'E', 'F'].map((d) => ({
          description: d,
          url_callback: `https://hooks.example.com/${d}`,
          event_filters: [['project', 'created']],
        })),
      }),
    });
    const refused = await e.cli(['plan', over], env);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain('max_webhooks');
    expect(limitReads(e)).toBe(1);
  });

  it('a stale cached limit refuses the whole plan before any call: nothing is created, nothing deleted', async () => {
    const { e, dir, cache, env } = await growingPlan();
    const file = join(cache, 'toggl-webhooks-sync', PRECHECK_FILE_NAME);
    expect((await e.cli(['plan', dir], env)).code).toBe(0);
    const scope = Object.keys(JSON.parse(readFileSync(file, 'utf8')).scopes)[0] as string;
    // As if the limit had been 1 when it was asked: lower than what the plan leaves enabled (2).
    const stale = { [WS]: { at: Date.now(), max_webhooks: 1, max_events_per_webhook: 3 } };
    writeFileSync(file, JSON.stringify({ version: 1, scopes: { [scope]: { limits: stale } } }), {
      mode: 0o600,
    });
    // The plan also drops A (prune, the mass-delete guard lifted): a refused plan deletes it no more
    // than it creates B and C.
    const dropA = e.files({
      'ws.yaml': yamlDoc({
        workspace_id: WS,
        subscriptions: ['B', 'C'].map((d) => ({
          description: d,
          url_callback: `https://hooks.example.com/${d}`,
          event_filters: [['project', 'created']],
        })),
      }),
    });
    e.emu.resetCalls();
    const sync = await e.cli(['sync', '--allow-mass-delete', dropA], env);
    expect(sync.code).not.toBe(0);
    expect(sync.stdout + sync.stderr).toContain('max_webhooks');
    expect(mutatingCalls(e.emu)).toEqual([]);
    expect(callList(e.emu)).toEqual([`GET /subscriptions/${WS}`]);
  });

  it('in CI the cache is off: two plans read GET /limits twice, unless TWS_PRECHECK_CACHE=on', async () => {
    const { e, dir, cache, env } = await growingPlan();
    for (const ci of [{ CI: 'true' }, { GITHUB_ACTIONS: 'true' }]) {
      e.emu.resetCalls();
      for (let run = 0; run < 2; run++) expect((await e.cli(['plan', dir], { ...env, ...ci })).code).toBe(0);
      expect(limitReads(e)).toBe(2);
    }
    expect(readdirSync(cache)).toEqual([]);

    e.emu.resetCalls();
    const asked = { ...env, CI: 'true', TWS_PRECHECK_CACHE: 'on' };
    for (let run = 0; run < 2; run++) expect((await e.cli(['plan', dir], asked)).code).toBe(0);
    expect(limitReads(e)).toBe(1);

    e.emu.resetCalls();
    const off = { ...env, TWS_PRECHECK_CACHE: 'off' };
    for (let run = 0; run < 2; run++) expect((await e.cli(['plan', dir], off)).code).toBe(0);
    expect(limitReads(e)).toBe(2);
  });

  it('a corrupt, foreign or oversized file is ignored (and replaced), never an error', async () => {
    const { e, dir, cache, env } = await growingPlan();
    const file = join(cache, 'toggl-webhooks-sync', PRECHECK_FILE_NAME);
    expect((await e.cli(['plan', dir], env)).code).toBe(0);
    const good = readFileSync(file, 'utf8');
    const scope = Object.keys(JSON.parse(good).scopes)[0] as string;
    const bad = [
      '{"version":1,"scopes":{',
      '\u0000\u0001binary',
      JSON.stringify({ version: 2, scopes: JSON.parse(good).scopes }),
      // A limit that would refuse the plan, in a shape this version never writes.
      JSON.stringify({
        version: 1,
        scopes: { [scope]: { limits: { [WS]: { at: Date.now(), max_webhooks: '1' } } } },
      }),
      // From the future: a clock turned back must not keep an entry alive.
      JSON.stringify({
        version: 1,
        scopes: { [scope]: { limits: { [WS]: { at: Date.now() + 3_600_000, max_webhooks: 1 } } } },
      }),
      `${good.trimEnd()}${' '.repeat(256 * 1024)}`,
    ];
    for (const text of bad) {
      writeFileSync(file, text, { mode: 0o600 });
      e.emu.resetCalls();
      const plan = await e.cli(['plan', '--detailed-exitcode', dir], env);
      expect(plan.code, `${text.slice(0, 80)}\n${plan.stderr}`).toBe(2);
      expect(plan.stderr).toBe('');
      expect(limitReads(e)).toBe(1);
      // Replaced by a good one: the next plan asks nothing.
      e.emu.resetCalls();
      expect((await e.cli(['plan', dir], env)).code).toBe(0);
      expect(limitReads(e)).toBe(0);
    }
  });
});
