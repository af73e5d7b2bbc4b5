import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseQuotaShare } from '../../src/cli/options.js';

describe('daemon --quota-share', () => {
  it('takes a fraction in (0, 1] or a percentage', () => {
    expect(parseQuotaShare('0.25')).toBe(0.25);
    expect(parseQuotaShare('1')).toBe(1);
    expect(parseQuotaShare('10%')).toBeCloseTo(0.1);
  });

  // Number() reads hex, binary, exponents and `Infinity`: as a share, each is a typo, not a fraction.
  it.each([
    '0',
    '-0.1',
    '1.01',
    '150%',
    'half',
    '',
    'NaN',
    'Infinity',
    '0x1',
    '0b1',
    '1e-1',
    '1e0',
    '25 %',
    '%',
  ])('refuses %j', (value) => {
    expect(() => parseQuotaShare(value)).toThrow(InvalidArgumentError);
  });

  it('takes decimals as written', () => {
    expect(parseQuotaShare(' .5 ')).toBe(0.5);
    expect(parseQuotaShare('12.5%')).toBeCloseTo(0.125);
  });
});
