import { describe, expect, it } from 'vitest';
import { compileIgnore } from '../../src/config/ignore.js';
import { descriptionKey, escapeInvisible, firstInvisible } from '../../src/util/unicode.js';

describe('the description rule', () => {
  it.each([
    ['zero-width space', '\u200b', 'U+200B'],
    ['zero-width joiner', '\u200d', 'U+200D'],
    ['right-to-left override', '\u202e', 'U+202E'],
    ['soft hyphen', '\u00ad', 'U+00AD'],
    ['no-break space', '\u00a0', 'U+00A0'],
    ['line separator', '\u2028', 'U+2028'],
    ['byte-order mark', '\ufeff', 'U+FEFF'],
    ['Hangul filler', '\u3164', 'U+3164'],
    ['a tag character (astral)', '\u{e0041}', 'U+E0041'],
  ])('finds a %s and escapes it as JSON does', (_name, ch, codePoint) => {
    expect(firstInvisible(`ab${ch}c`)).toEqual({ index: 2, codePoint });
    const escaped = escapeInvisible(JSON.stringify(`ab${ch}c`));
    expect(escaped).not.toContain(ch);
    expect(JSON.parse(escaped)).toBe(`ab${ch}c`);
  });

  it('leaves visible text alone: accents, CJK, emoji, ASCII spaces, tabs and newlines in JSON layout', () => {
    for (const text of ['Café', '日本語', '🚀 deploys', 'a b', 'x\ty'])
      expect(firstInvisible(text.replace('\t', ''))).toBeUndefined();
    const pretty = JSON.stringify({ a: 'b' }, null, 2);
    expect(escapeInvisible(pretty)).toBe(pretty);
  });

  it('compares in NFC', () => {
    expect(descriptionKey('Cafe\u0301')).toBe('Caf\u00e9');
  });

  it('ignore globs match NFD descriptions and descriptions with invisible characters; nothing else extra', () => {
    const ignored = compileIgnore(['Caf\u00e9*', 'Zapier*']);
    expect(ignored('Cafe\u0301 hooks')).toBe(true);
    expect(ignored('Zap\u200bier: CRM')).toBe(true);
    expect(ignored('Zapper')).toBe(false);
    expect(compileIgnore(['Cafe\u0301*'])('Caf\u00e9 x')).toBe(true);
  });
});
