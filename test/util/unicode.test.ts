import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileIgnore } from '../../src/config/ignore.js';
import {
  descriptionKey,
  escapeInvisible,
  firstInvisible,
  hasInvisible,
  withoutInvisible,
} from '../../src/util/unicode.js';

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
    // An invisible character between a letter and its accent: NFC again once it is removed.
    expect(ignored('Cafe\u200b\u0301 hooks')).toBe(true);
  });
});

// The attack's list (docs/plan-rules.md#descriptions): every one of these draws as nothing or as a blank.
const NAMED_INVISIBLE: ReadonlyArray<readonly [string, number, number]> = [
  ['variation selectors', 0xfe00, 0xfe0f],
  ['variation selectors supplement', 0xe0100, 0xe01ef],
  ['Mongolian free variation selectors', 0x180b, 0x180f],
  ['Khmer inherent vowels', 0x17b4, 0x17b5],
  ['invisible operators and the reserved ones after them', 0x2060, 0x206f],
  ['Braille pattern blank', 0x2800, 0x2800],
  ['Hangul choseong filler', 0x115f, 0x115f],
  ['Hangul jungseong filler', 0x1160, 0x1160],
  ['Hangul filler', 0x3164, 0x3164],
  ['halfwidth Hangul filler', 0xffa0, 0xffa0],
  ['combining grapheme joiner', 0x034f, 0x034f],
  ['tag characters', 0xe0000, 0xe007f],
];
const DEFAULT_IGNORABLE = /^\p{Default_Ignorable_Code_Point}$/u;
const SPACE_LOOK_ALIKE = /^[\p{Zs}\p{Zl}\p{Zp}]$/u;
const isSurrogate = (cp: number) => cp >= 0xd800 && cp <= 0xdfff;

/** Every code point the rule must catch: the whole Unicode range, filtered by the rule's definition. */
const MUST_CATCH: number[] = [];
for (let cp = 0; cp <= 0x10ffff; cp++) {
  if (isSurrogate(cp) || cp === 0x20) continue;
  const ch = String.fromCodePoint(cp);
  if (
    DEFAULT_IGNORABLE.test(ch) ||
    SPACE_LOOK_ALIKE.test(ch) ||
    /^[\p{Cc}\p{Cf}]$/u.test(ch) ||
    cp === 0x2800
  )
    MUST_CATCH.push(cp);
}
/** Whether the code unit at `index` belongs to an RGI emoji sequence of `text`. */
function insideEmoji(text: string, index: number): boolean {
  const flags: string = 'gv';
  for (const m of text.matchAll(new RegExp('\\p{RGI_Emoji}', flags))) {
    if (m.index <= index && index < m.index + m[0].length) return true;
  }
  return false;
}
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
// Visible text: any graphemes, with the invisible ones dropped and glob syntax left out (it is a pattern too).
const visible = fc
  .string({ unit: 'grapheme', maxLength: 12 })
  .map((s) => withoutInvisible(s).replace(/[*?[{\\]/g, ''));

describe('invisible means a Unicode property, not a hand list', () => {
  it.each(NAMED_INVISIBLE)('catches the %s', (_name, from, to) => {
    for (let cp = from; cp <= to; cp++) {
      expect(firstInvisible(`a${String.fromCodePoint(cp)}`), hex(cp)).toEqual({
        index: 1,
        codePoint: hex(cp),
      });
    }
  });

  it('catches every default-ignorable, control, format and non-ASCII space code point there is', () => {
    expect(MUST_CATCH.length).toBeGreaterThan(4000);
    const missed = MUST_CATCH.filter((cp) => !hasInvisible(String.fromCodePoint(cp))).map(hex);
    expect(missed).toEqual([]);
  });

  it('finds, escapes and ignores any of them anywhere in visible text', () => {
    fc.assert(
      fc.property(visible, visible, fc.constantFrom(...MUST_CATCH), (before, after, cp) => {
        const ch = String.fromCodePoint(cp);
        const description = `${before}${ch}${after}`;
        // Inside an emoji sequence a selector or joiner is part of the picture (tested below).
        fc.pre(!insideEmoji(description, before.length));
        expect(firstInvisible(description)).toEqual({ index: before.length, codePoint: hex(cp) });
        const json = JSON.stringify(description);
        const shown = escapeInvisible(json);
        if (ch !== '\n' && ch !== '\r' && ch !== '\t') expect(shown).not.toContain(ch);
        expect(JSON.parse(shown)).toBe(description);
        // The look-alike without the invisible character, as an ignore pattern, protects it.
        expect(compileIgnore([`${before}${after}`])(description)).toBe(true);
        expect(compileIgnore([`${before}*`])(description)).toBe(true);
      }),
    );
  });

  it('leaves emoji sequences whole: their selectors, joiners and tags draw the picture', () => {
    const emoji = [
      '\u2764\ufe0f', // ❤️ heart, emoji presentation
      '\u{1f469}\u200d\u{1f4bb}', // 👩‍💻 woman technologist (ZWJ)
      '1\ufe0f\u20e3', // 1️⃣ keycap
      '\u{1f3f4}\u{e0067}\u{e0062}\u{e0065}\u{e006e}\u{e0067}\u{e007f}', // England flag (tags)
      '\u{1f44d}\u{1f3fd}', // 👍🏽 skin tone
    ];
    for (const e of emoji) {
      const description = `Deploys ${e}: production`;
      expect(firstInvisible(description), e).toBeUndefined();
      expect(escapeInvisible(description)).toBe(description);
      expect(withoutInvisible(description)).toBe(description);
    }
  });

  it('still catches a selector, joiner or tag outside an emoji sequence, at its index', () => {
    expect(firstInvisible('Slack\ufe0f: projects')).toEqual({ index: 5, codePoint: 'U+FE0F' });
    expect(firstInvisible('Sl\u200dack')).toEqual({ index: 2, codePoint: 'U+200D' });
    // A stray selector after a complete emoji is not part of it.
    expect(firstInvisible('\u2764\ufe0f\ufe0f')).toEqual({ index: 2, codePoint: 'U+FE0F' });
    expect(firstInvisible('\u{1f600} a\u{e0067}')).toEqual({ index: 4, codePoint: 'U+E0067' });
    expect(escapeInvisible('\u2764\ufe0f x\u200by')).toBe('\u2764\ufe0f x\\u200by');
  });

  it('leaves ASCII space and visible blanks-with-ink alone', () => {
    for (const text of ['a b', '\u2801 braille dot', '・', '\u2764 heart', 'ㄱ Hangul letter'])
      expect(firstInvisible(text)).toBeUndefined();
  });
});

describe('lone surrogates: compared as what a UTF-8 system stores, U+FFFD', () => {
  // Any UTF-16 text, including lone and reversed surrogate halves (what a JSON "\ud800" escape makes).
  const utf16 = fc
    .array(fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0xd800, max: 0xdfff })), {
      maxLength: 16,
    })
    .map((units) => String.fromCharCode(...units));
  /** What an API that stores UTF-8 gives back: Node's encoder, an independent oracle. */
  const stored = (s: string) => Buffer.from(s, 'utf8').toString('utf8');

  it('the key of a description and of its stored form are one, so a run after apply plans nothing', () => {
    fc.assert(
      fc.property(utf16, (s) => {
        const key = descriptionKey(s);
        expect(descriptionKey(stored(s))).toBe(key);
        expect(descriptionKey(key)).toBe(key);
        expect(stored(key)).toBe(key); // well-formed: nothing left for an encoder to change
      }),
    );
  });

  it('finds a lone surrogate, escapes it in text output, and keeps a pair (an emoji) as it is', () => {
    expect(firstInvisible('ab\ud800c')).toEqual({ index: 2, codePoint: 'U+D800' });
    expect(firstInvisible('x\udc00\ud800')).toEqual({ index: 1, codePoint: 'U+DC00' });
    expect(escapeInvisible('"a\ud800b"')).toBe('"a\\ud800b"');
    expect(firstInvisible('\ud83d\ude80 deploys')).toBeUndefined();
    expect(descriptionKey('a\ud800b')).toBe('a\ufffdb');
    expect(compileIgnore(['a\ufffd*'])('a\udfffb')).toBe(true);
  });
});
