import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseQuotaShare } from '../../src/cli/options.js';

describe('daemon --quota-share', () => {
  it('takes a fraction in (0, 1] or a percentage', () => {
    expect(parseQuotaShare('0.25')).toBe(0.25);
    expect(parseQuotaShare('1')).toBe(1);
    expect(parseQuotaShare('10%')).toBeCloseTo(0.1);
  });

  it.each(['0', '-0.1', '1.01', '150%', 'half', '', 'NaN', 'Infinity'])('refuses %j', (value) => {
    expect(() => parseQuotaShare(value)).toThrow(InvalidArgumentError);
  });
});
