import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { QuotaError } from '../../src/errors.js';
import { errorForStatus } from '../../src/toggl/errors.js';
import {
  headerNumber,
  MAX_QUOTA_RESETS_IN_SECONDS,
  quotaResetsIn,
  readQuota,
} from '../../src/toggl/quota.js';

describe('headerNumber', () => {
  it.each([
    ['42', 42],
    [['7', '8'], 7],
    ['', undefined],
    ['x', undefined],
    ['-1', undefined],
    ['1e3', undefined],
    ['0x10', undefined],
    ['Infinity', undefined],
    [undefined, undefined],
  ])('%j -> %s', (value, n) => {
    expect(headerNumber(value as string | string[] | undefined)).toBe(n);
  });
});

describe('readQuota', () => {
  it('reads both X-Toggl-Quota headers, and nothing from an answer without them', () => {
    expect(readQuota({ 'x-toggl-quota-remaining': '29', 'x-toggl-quota-resets-in': '3540' })).toEqual({
      remaining: 29,
      resetsIn: 3540,
    });
    expect(readQuota({})).toEqual({ remaining: undefined, resetsIn: undefined });
  });
});

describe('X-Toggl-Quota-Resets-In is bounded by the one-hour quota window', () => {
  it('is an hour at most, the documented sliding window', () => {
    expect(MAX_QUOTA_RESETS_IN_SECONDS).toBe(3600);
  });

  it.each([
    ['0', 0],
    ['12.5', 12.5],
    ['3600', 3600],
    [' 900 ', 900],
  ])('takes %j as sent, without a word', (value, seconds) => {
    expect(quotaResetsIn(value)).toEqual({ seconds });
  });

  it.each([
    ['3601', '3601'],
    ['eleven nines', '99999999999'],
    ['400 nines (Infinity as a double)', '9'.repeat(400)],
  ])('reads %s as one hour, and says so', (_name, value) => {
    const read = quotaResetsIn(value);
    expect(read.seconds).toBe(3600);
    expect(read.problem).toMatch(/longer than the one-hour quota window; read as 3600 seconds/);
    // A huge value is shortened in the message.
    expect(read.problem?.length).toBeLessThan(200);
  });

  it.each(['-5', 'abc', 'NaN', 'Infinity', '-Infinity', '1e12', '0x10', '5 minutes', '1,5'])(
    'ignores %j, and says so',
    (value) => {
      expect(quotaResetsIn(value)).toEqual({
        problem: expect.stringMatching(/is not a number of seconds; ignored/),
      });
    },
  );

  it('says nothing when the header is absent or empty', () => {
    expect(quotaResetsIn(undefined)).toEqual({});
    expect(quotaResetsIn('  ')).toEqual({});
  });

  it('never yields a wait outside [0, 1 h], whatever the header holds', () => {
    const header = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.bigInt().map(String),
      fc.integer({ min: 0, max: 10_000 }).map(String),
    );
    fc.assert(
      fc.property(header, (value) => {
        const { seconds, problem } = quotaResetsIn(value);
        if (seconds !== undefined) expect(seconds >= 0 && seconds <= MAX_QUOTA_RESETS_IN_SECONDS).toBe(true);
        // Whatever is not taken as sent is said.
        const taken = seconds !== undefined && seconds === Number(value.trim());
        if (value.trim() !== '' && !taken) expect(problem).toBeDefined();
      }),
    );
  });

  it('bounds the wait of a 402 the same way', () => {
    const ctx = { method: 'GET', path: '/subscriptions/1', status: 402 };
    const err = errorForStatus(ctx, { 'x-toggl-quota-resets-in': '99999999999' });
    expect(err).toBeInstanceOf(QuotaError);
    expect((err as QuotaError).resetsInSeconds).toBe(3600);
    const junk = errorForStatus(ctx, { 'x-toggl-quota-resets-in': '-1' });
    expect((junk as QuotaError).resetsInSeconds).toBeUndefined();
  });
});
