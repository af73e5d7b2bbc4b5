import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SecretNames, slugify } from '../../src/export/varnames.js';

describe('slugify', () => {
  it.each([
    ['Slack: new projects', 'SLACK_NEW_PROJECTS'],
    ['Café ☕: ünïcode', 'CAFE_UNICODE'],
    ['Straße/Ærø łódź', 'STRASSE_AERO_LODZ'],
    ['  --weird__spacing--  ', 'WEIRD_SPACING'],
    ['has "quotes" and # hash', 'HAS_QUOTES_AND_HASH'],
    ['日本語', ''],
    ['ﬁle №5', 'FILE_NO5'],
  ])('%j -> %j', (description, slug) => {
    expect(slugify(description)).toBe(slug);
  });

  it('caps long descriptions without a trailing underscore', () => {
    const slug = slugify(`${'a'.repeat(47)} b`);
    expect(slug).toBe('A'.repeat(47));
  });
});

describe('SecretNames', () => {
  it('derives NAME_SECRET, never starting with a digit, and a name for descriptions without ASCII', () => {
    const names = new SecretNames();
    expect(names.next('Slack: new projects')).toBe('SLACK_NEW_PROJECTS_SECRET');
    expect(names.next('2024 billing')).toBe('WEBHOOK_2024_BILLING_SECRET');
    expect(names.next('☕☕')).toBe('WEBHOOK_SECRET');
    expect(names.next('日本語')).toBe('WEBHOOK_SECRET_2');
  });

  it('disambiguates collisions with a numeric suffix', () => {
    const names = new SecretNames();
    expect(names.next('Slack: new projects')).toBe('SLACK_NEW_PROJECTS_SECRET');
    expect(names.next('slack new-projects')).toBe('SLACK_NEW_PROJECTS_SECRET_2');
    expect(names.next('SLACK NEW PROJECTS')).toBe('SLACK_NEW_PROJECTS_SECRET_3');
  });

  it('always yields unique valid environment variable names', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 40 }),
        (descriptions) => {
          const names = new SecretNames();
          const out = descriptions.map((d) => names.next(d));
          expect(new Set(out).size).toBe(out.length);
          for (const n of out) expect(n).toMatch(/^[A-Z_][A-Z0-9_]*$/);
        },
      ),
    );
  });
});
