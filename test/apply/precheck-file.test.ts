import { chmodSync, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  openPrecheckFile,
  PRECHECK_FILE_NAME,
  PRECHECK_TTL_DEFAULT_MS,
  parseEntries,
  precheckFileSettings,
} from '../../src/apply/precheck-file.js';
import { TokenClients } from '../../src/apply/token-clients.js';
import { desiredState } from '../support/desired.js';
import { writeTree } from '../support/tmp.js';

const DIR = '/cache/toggl-webhooks-sync';
const SCOPE_A = 'a'.repeat(64);
const SCOPE_B = 'b'.repeat(64);
const LIMITS = { max_webhooks: 5, max_events_per_webhook: 3 };

describe('precheckFileSettings', () => {
  it('is on by default with a 10-minute TTL, in the cache directory', () => {
    expect(precheckFileSettings({}, () => DIR)).toEqual({
      on: true,
      file: join(DIR, PRECHECK_FILE_NAME),
      ttlMs: PRECHECK_TTL_DEFAULT_MS,
    });
    expect(PRECHECK_TTL_DEFAULT_MS).toBe(600_000);
    expect(precheckFileSettings({ TWS_PRECHECK_CACHE_TTL_MS: '30000' }, () => DIR)).toMatchObject({
      ttlMs: 30_000,
    });
  });

  it('is off in CI unless TWS_PRECHECK_CACHE=on, and off when asked', () => {
    for (const ci of [
      { CI: 'true' },
      { CI: '1' },
      { GITHUB_ACTIONS: 'true' },
      { GITLAB_CI: 'true' },
      { BUILDKITE: 'true' },
    ])
      expect(precheckFileSettings(ci, () => DIR).on, JSON.stringify(ci)).toBe(false);
    expect(precheckFileSettings({ CI: 'false' }, () => DIR).on).toBe(true);
    expect(precheckFileSettings({ CI: 'true', TWS_PRECHECK_CACHE: 'on' }, () => DIR).on).toBe(true);
    expect(precheckFileSettings({ TWS_PRECHECK_CACHE: 'off' }, () => DIR)).toMatchObject({ on: false });
    expect(precheckFileSettings({ TWS_PRECHECK_CACHE: 'OFF' }, () => DIR)).not.toHaveProperty('warning');
  });

  it('turns itself off with a warning on a value it cannot read, and silently without a home', () => {
    expect(precheckFileSettings({ TWS_PRECHECK_CACHE: 'maybe' }, () => DIR)).toMatchObject({
      on: false,
      warning: expect.stringContaining('TWS_PRECHECK_CACHE="maybe" is neither on nor off'),
    });
    for (const ttl of ['0', '999', '3600001', '10m', '-5', '1e4'])
      expect(
        precheckFileSettings({ TWS_PRECHECK_CACHE_TTL_MS: ttl }, () => DIR),
        ttl,
      ).toMatchObject({
        on: false,
        warning: expect.stringContaining('TWS_PRECHECK_CACHE_TTL_MS'),
      });
    expect(precheckFileSettings({}, () => undefined)).toEqual({
      on: false,
      why: 'no cache directory (no home)',
    });
  });
});

function cacheIn(dir: string, now: () => number, scope = (_ws: number | undefined) => SCOPE_A) {
  return openPrecheckFile({ file: join(dir, PRECHECK_FILE_NAME), ttlMs: 60_000, scope, now });
}

describe('openPrecheckFile', () => {
  it('answers from the file within the TTL, per scope, and not after it', () => {
    const dir = join(writeTree({}, 'tws-pc-'), 'made', 'here');
    let now = 1_000_000;
    const first = cacheIn(dir, () => now);
    expect(first.limits(7)).toBeUndefined();
    first.rememberLimits(7, LIMITS);
    first.rememberEventFilters({ project: ['created', '*'] });
    first.save();

    now += 59_000;
    const hits: string[] = [];
    const second = openPrecheckFile({
      file: join(dir, PRECHECK_FILE_NAME),
      ttlMs: 60_000,
      scope: () => SCOPE_A,
      now: () => now,
      onHit: (request, age) => hits.push(`${request} ${age}`),
    });
    expect(second.limits(7)).toEqual(LIMITS);
    expect(second.eventFilters()).toEqual({ project: ['created', '*'] });
    expect(second.limits(8)).toBeUndefined();
    expect(hits).toEqual(['GET /limits/7 59000', 'GET /event_filters 59000']);
    // Another token or API: nothing.
    expect(
      cacheIn(
        dir,
        () => now,
        () => SCOPE_B,
      ).limits(7),
    ).toBeUndefined();
    now += 1_000;
    expect(cacheIn(dir, () => now).limits(7)).toBeUndefined();
  });

  it('keeps only the documented counts of an answer', () => {
    const dir = writeTree({}, 'tws-pc-');
    const cache = cacheIn(dir, () => 5);
    cache.rememberLimits(7, { ...LIMITS, plan: 'free', note: 'x' } as never);
    cache.rememberLimits(8, { max_webhooks: -1, max_events_per_webhook: null } as never);
    cache.save();
    const doc = JSON.parse(readFileSync(join(dir, PRECHECK_FILE_NAME), 'utf8'));
    expect(doc.scopes[SCOPE_A].limits).toEqual({ 7: { at: 5, ...LIMITS }, 8: { at: 5 } });
    expect(cacheIn(dir, () => 6).limits(8)).toEqual({});
  });

  it('writes nothing when the run asked the API nothing', () => {
    const dir = join(writeTree({}, 'tws-pc-'), 'cache');
    const cache = cacheIn(dir, () => 1);
    expect(cache.limits(7)).toBeUndefined();
    cache.save();
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps what another run wrote meanwhile, and drops expired entries', () => {
    const dir = writeTree({}, 'tws-pc-');
    let now = 1_000;
    const mine = cacheIn(dir, () => now);
    expect(mine.limits(1)).toBeUndefined();
    const other = cacheIn(
      dir,
      () => now,
      () => SCOPE_B,
    );
    other.rememberLimits(2, LIMITS);
    other.save();
    const old = cacheIn(dir, () => now);
    old.rememberLimits(3, LIMITS);
    old.save();
    now += 60_000;
    mine.rememberLimits(1, LIMITS);
    mine.save();
    const doc = JSON.parse(readFileSync(join(dir, PRECHECK_FILE_NAME), 'utf8'));
    expect(Object.keys(doc.scopes)).toEqual([SCOPE_A]);
    expect(Object.keys(doc.scopes[SCOPE_A].limits)).toEqual(['1']);
    expect(readdirSync(dir)).toEqual([PRECHECK_FILE_NAME]);
  });

  it('ignores a symlinked or group-writable file', () => {
    const dir = writeTree({}, 'tws-pc-');
    const writer = cacheIn(join(dir, 'real'), () => 1);
    writer.rememberLimits(7, LIMITS);
    writer.save();
    expect(cacheIn(join(dir, 'real'), () => 2).limits(7)).toEqual(LIMITS);
    symlinkSync(join(dir, 'real', PRECHECK_FILE_NAME), join(dir, PRECHECK_FILE_NAME));
    expect(cacheIn(dir, () => 2).limits(7)).toBeUndefined();
    if (process.platform !== 'win32') {
      const shared = writeTree({}, 'tws-pc-');
      const text = readFileSync(join(dir, 'real', PRECHECK_FILE_NAME));
      writeFileSync(join(shared, PRECHECK_FILE_NAME), text);
      chmodSync(join(shared, PRECHECK_FILE_NAME), 0o620);
      expect(cacheIn(shared, () => 2).limits(7)).toBeUndefined();
    }
  });
});

describe('parseEntries', () => {
  const ok = { version: 1, scopes: { [SCOPE_A]: { limits: { 7: { at: 10, ...LIMITS } } } } };

  it('reads what save writes', () => {
    expect(parseEntries(ok, 20, 60_000)?.get(SCOPE_A)?.limits.get(7)).toEqual({ at: 10, value: LIMITS });
  });

  it('refuses the whole document on anything this version never writes', () => {
    const bad: unknown[] = [
      null,
      [],
      { version: 2, scopes: ok.scopes },
      { version: 1, scopes: [] },
      { version: 1, scopes: { short: {} } },
      { version: 1, scopes: { [SCOPE_A]: { limits: { 7: { at: 10, max_webhooks: '5' } } } } },
      { version: 1, scopes: { [SCOPE_A]: { limits: { 7: { at: 10, max_webhooks: 5, url: 'x' } } } } },
      { version: 1, scopes: { [SCOPE_A]: { limits: { '07': { at: 10 } } } } },
      JSON.parse(`{"version":1,"scopes":{"${SCOPE_A}":{"limits":{"__proto__":{"at":10}}}}}`),
      { version: 1, scopes: { [SCOPE_A]: { limits: { 99999999999999999: { at: 10 } } } } },
      { version: 1, scopes: { [SCOPE_A]: { event_filters: { at: 10, catalog: { project: 'created' } } } } },
      {
        version: 1,
        scopes: { [SCOPE_A]: { event_filters: { at: 10, catalog: { ['x'.repeat(101)]: [] } } } },
      },
    ];
    for (const doc of bad) expect(parseEntries(doc, 20, 60_000), JSON.stringify(doc)).toBeUndefined();
    const polluted = JSON.parse(`{"version":1,"scopes":{"__proto__":{"limits":{}}}}`);
    expect(parseEntries(polluted, 20, 60_000)).toBeUndefined();
  });

  it('never throws, and what it keeps is only counts and short names', () => {
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.record({
        version: fc.constantFrom(1, 2, '1'),
        scopes: fc.dictionary(
          fc.oneof(fc.constant(SCOPE_A), fc.string()),
          fc.record({
            limits: fc.dictionary(
              fc.oneof(fc.constant('7'), fc.string()),
              fc.record({ at: fc.oneof(fc.integer(), fc.jsonValue()), max_webhooks: fc.jsonValue() }),
            ),
            event_filters: fc.record({ at: fc.integer(), catalog: fc.jsonValue() }),
          }),
        ),
      }),
    );
    fc.assert(
      fc.property(doc, (value) => {
        const entries = parseEntries(value, 1_000, 60_000);
        for (const [scope, { limits, eventFilters }] of entries ?? []) {
          expect(scope).toMatch(/^[0-9a-f]{64}$/);
          for (const [ws, { value: kept }] of limits) {
            expect(Number.isSafeInteger(ws) && ws > 0).toBe(true);
            for (const count of Object.values(kept)) expect(Number.isSafeInteger(count)).toBe(true);
          }
          for (const actions of Object.values(eventFilters?.value ?? {}))
            expect(actions.every((a) => typeof a === 'string')).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('skips entries from the future or past the TTL', () => {
    expect(parseEntries(ok, 9, 60_000)?.get(SCOPE_A)?.limits.size).toBe(0);
    expect(parseEntries(ok, 60_010, 60_000)?.get(SCOPE_A)?.limits.size).toBe(0);
  });
});

describe('TokenClients cacheScope', () => {
  it('differs per token and per API URL and holds neither', () => {
    const desired = desiredState([
      { workspace_id: 1, subscriptions: [] },
      { workspace_id: 2, subscriptions: [] },
    ]);
    (desired.workspaces[1] as { token?: string }).token = 'OTHER_TOKEN';
    const env = { TOGGL_API_TOKEN: 'tok-main-123456', OTHER_TOKEN: 'tok-other-654321' };
    const url = 'http://127.0.0.1:9/api';
    const a = new TokenClients(env, { apiUrl: url }).forDesired(desired);
    const b = new TokenClients(env, { apiUrl: 'http://127.0.0.1:10/api' }).forDesired(desired);
    const scopes = [a.cacheScope(1), a.cacheScope(2), b.cacheScope(1)];
    expect(new Set(scopes).size).toBe(3);
    expect(a.cacheScope(undefined)).toBe(a.cacheScope(1));
    for (const s of scopes) {
      expect(s).toMatch(/^[0-9a-f]{64}$/);
      expect(s).not.toContain('tok-');
    }
  });
});
