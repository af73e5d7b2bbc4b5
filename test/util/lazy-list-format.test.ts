import { describe, expect, it } from 'vitest';
import { LazyListFormat } from '../../src/util/lazy-list-format.js';

describe('the Intl.ListFormat the bundle builds on first use', () => {
  it('formats, formats to parts and reports its options exactly as Intl.ListFormat does', () => {
    const options = [
      ['en', { style: 'long', type: 'conjunction' }],
      ['en', { style: 'long', type: 'disjunction' }],
      ['de', { style: 'short', type: 'unit' }],
    ] as const;
    for (const [locale, opts] of options) {
      const lazy = new LazyListFormat(locale, opts);
      const real = new Intl.ListFormat(locale, opts);
      for (const list of [[], ['string'], ['string', 'number'], ['string', 'number', 'Array']]) {
        expect(lazy.format(list)).toBe(real.format(list));
        expect(lazy.formatToParts(list)).toEqual(real.formatToParts(list));
      }
      expect(lazy.resolvedOptions()).toEqual(real.resolvedOptions());
    }
    expect(LazyListFormat.supportedLocalesOf(['en', 'de'])).toEqual(
      Intl.ListFormat.supportedLocalesOf(['en', 'de']),
    );
  });
});
