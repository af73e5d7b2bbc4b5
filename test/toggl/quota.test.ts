import { describe, expect, it } from 'vitest';
import { headerNumber, readQuota } from '../../src/toggl/quota.js';

describe('headerNumber', () => {
  it.each([
    ['42', 42],
    [['7', '8'], 7],
    ['', undefined],
    ['x', undefined],
    ['-1', undefined],
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
