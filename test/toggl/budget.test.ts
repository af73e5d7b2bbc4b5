import { describe, expect, it } from 'vitest';
import { Quota } from '../../src/emulator/quota.js';
import { QuotaBudget } from '../../src/toggl/budget.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2026, 0, 1);

describe('QuotaBudget', () => {
  it('estimates the quota from the headers and leaves most of it to others', () => {
    const budget = new QuotaBudget({ share: 0.25 });
    expect(budget.view('default', T0)).toMatchObject({ budget: undefined, spentInWindow: 0 });
    budget.observe('default', { status: 200, remaining: 29, resetsIn: 3600 }, T0);
    expect(budget.view('default', T0)).toEqual({
      alias: 'default',
      remaining: 29,
      resetsInSeconds: 3600,
      limit: 30,
      budget: 6, // floor(0.25 x 30) = 7 per window, one spent
      spentInWindow: 1,
    });
    // Another alias is another budget.
    expect(budget.view('ci', T0).spentInWindow).toBe(0);
  });

  it('delays a periodic reconcile past its share of the window, and no further than the window', () => {
    const budget = new QuotaBudget({ share: 0.25 });
    for (let i = 0; i < 7; i++)
      budget.observe('default', { status: 200, remaining: 29 - i, resetsIn: 3600 }, T0 + i * MIN);
    const due = T0 + 10 * MIN;
    const d = budget.nextPeriodic('default', 1, due);
    expect(d.reason).toBe('share');
    // The first of the seven requests leaves the window one hour after it was made.
    expect(d.at).toBe(T0 + HOUR);
    expect(d.at - due).toBeLessThanOrEqual(HOUR);
  });

  it('waits for the reset when what is left is low, and runs when it is plenty', () => {
    const budget = new QuotaBudget({ share: 0.25 });
    budget.observe('default', { status: 200, remaining: 29, resetsIn: 3600 }, T0 - HOUR);
    // Someone else (CI) spent most of the window: 3 left, 1 request is more than a quarter of it.
    budget.observe('default', { status: 200, remaining: 3, resetsIn: 900 }, T0);
    expect(budget.nextPeriodic('default', 1, T0 + MIN)).toEqual({ at: T0 + 900_000, reason: 'low-quota' });
    budget.observe('default', { status: 200, remaining: 20, resetsIn: 900 }, T0 + 2 * MIN);
    expect(budget.nextPeriodic('default', 1, T0 + 3 * MIN)).toEqual({ at: T0 + 3 * MIN, reason: undefined });
  });

  it('cools down after a 429, longer after each, bounded', () => {
    const budget = new QuotaBudget();
    budget.observe('default', { status: 429 }, T0);
    expect(budget.nextPeriodic('default', 1, T0).at).toBe(T0 + MIN);
    budget.observe('default', { status: 429 }, T0 + MIN);
    expect(budget.nextPeriodic('default', 1, T0 + MIN).at).toBe(T0 + 3 * MIN);
    for (let i = 0; i < 30; i++) budget.observe('default', { status: 429 }, T0 + 2 * MIN);
    expect(budget.nextPeriodic('default', 1, T0 + 2 * MIN).at).toBe(T0 + 7 * MIN);
    // A success ends the series: the next 429 starts again at one minute.
    const fresh = new QuotaBudget();
    fresh.observe('default', { status: 429 }, T0);
    fresh.observe('default', { status: 429 }, T0);
    fresh.observe('default', { status: 200 }, T0 + 8 * MIN);
    fresh.observe('default', { status: 429 }, T0 + 9 * MIN);
    expect(fresh.nextPeriodic('default', 1, T0 + 9 * MIN).at).toBe(T0 + 10 * MIN);
  });

  it('never waits more than one window, whatever reset time it is told', () => {
    const budget = new QuotaBudget({ share: 0.25 });
    budget.observe('default', { status: 200, remaining: 29, resetsIn: 3600 }, T0 - 2 * HOUR);
    // Nothing left, and a reset "in 3,000 years" (a broken proxy, a hostile server).
    budget.observe('default', { status: 200, remaining: 0, resetsIn: 99_999_999_999 }, T0);
    expect(budget.nextPeriodic('default', 1, T0)).toEqual({ at: T0 + HOUR, reason: 'low-quota' });
    for (const resetsIn of [-5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const b = new QuotaBudget({ share: 0.25 });
      b.observe('default', { status: 200, remaining: 0, resetsIn }, T0);
      expect(b.nextPeriodic('default', 1, T0).at, String(resetsIn)).toBeLessThanOrEqual(T0 + HOUR);
    }
  });

  it('refuses a share outside (0, 1]', () => {
    expect(() => new QuotaBudget({ share: 0 })).toThrow(RangeError);
    expect(() => new QuotaBudget({ share: 1.5 })).toThrow(RangeError);
  });
});

/**
 * A simulated day on a Free plan (30 requests per sliding hour), with the emulator's quota and an
 * injected clock: CI plans of the same token every 10 minutes plus three bursts of pull requests,
 * and a daemon of 2 workspaces whose interval alone (5 minutes: 24 requests/hour) would not fit.
 */
function simulateDay(paced: boolean) {
  const quota = new Quota({ limit: 30, windowSeconds: 3600 });
  const budget = new QuotaBudget({ share: 0.25 });
  const WORKSPACES = 2;
  const INTERVAL = 5 * MIN;
  let refused = 0;
  const request = (who: 'ci' | 'daemon', t: number) => {
    const q = quota.take('org', t) as NonNullable<ReturnType<Quota['take']>>;
    if (!q.allowed) refused++;
    if (who === 'daemon')
      budget.observe(
        'default',
        { status: q.allowed ? 200 : 402, remaining: q.remaining, resetsIn: q.resetsIn },
        t,
      );
  };
  const ci: number[] = [];
  for (let t = T0 + 3 * MIN; t < T0 + 24 * HOUR; t += 10 * MIN) ci.push(t, t + 1000);
  for (const h of [3, 9, 15]) for (let i = 0; i < 10; i++) ci.push(T0 + h * HOUR + 30 * MIN + i * 1000);
  ci.sort((a, b) => a - b);

  let due = T0;
  let worstDelay = 0;
  let reconciles = 0;
  let c = 0;
  while (due < T0 + 24 * HOUR) {
    const at = paced ? budget.nextPeriodic('default', WORKSPACES, due).at : due;
    worstDelay = Math.max(worstDelay, at - due);
    while (c < ci.length && (ci[c] as number) < at) request('ci', ci[c++] as number);
    for (let i = 0; i < WORKSPACES; i++) request('daemon', at + i * 1000);
    reconciles++;
    due = at + INTERVAL;
  }
  while (c < ci.length) request('ci', ci[c++] as number);
  return { refused, worstDelay, reconciles };
}

describe('a simulated day: the daemon shares a Free quota with CI', () => {
  it('makes no request the API refuses (402), and no periodic reconcile waits longer than one window', () => {
    const day = simulateDay(true);
    expect(day.refused).toBe(0);
    expect(day.worstDelay).toBeLessThanOrEqual(HOUR);
    // Still reconciling every hour of the day (7 requests per window / 2 per reconcile).
    expect(day.reconciles).toBeGreaterThanOrEqual(24 * 3);
  });

  it('the same day without pacing runs into 402s (what the budget prevents)', () => {
    expect(simulateDay(false).refused).toBeGreaterThan(0);
  });
});
