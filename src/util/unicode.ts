/**
 * The description rule (docs/plan-rules.md#descriptions): descriptions are compared, and ignore globs
 * matched, after Unicode NFC normalisation, so `Café` typed on macOS (NFD) and on Linux (NFC) is one
 * subscription. Characters that are invisible or look like a plain space are refused in declared
 * descriptions, and shown escaped (`\u200b`) in every output, so two descriptions that differ only by
 * one never look the same on screen.
 *
 * "Invisible" is a Unicode property, not a hand list that an attacker can step around: every
 * Default_Ignorable_Code_Point (what renderers are told to draw as nothing: zero-width and bidi
 * characters, variation selectors, tag characters, Hangul fillers, the combining grapheme joiner,
 * invisible operators and the unassigned code points reserved for more of them), every control and
 * format character, every space but the ASCII one, line and paragraph separators, and the characters
 * that draw as a blank without being default-ignorable (U+2800 Braille pattern blank). Emoji sequences
 * are the exception: their selectors and joiners are the picture (see EMOJI_SEQUENCE).
 *
 * A lone UTF-16 surrogate (`"\ud800"` in JSON or a YAML double-quoted string) is not a Unicode
 * character at all. The loader refuses one anywhere in a file; a live description holding one is
 * compared as if it were U+FFFD, what a UTF-8 system stores in its place, so a subscription is never
 * planned again and again over an encoding difference. It is shown escaped, like invisible characters.
 */

// `(?! )`: the ASCII space is the one separator a description may hold.
const INVISIBLE_SOURCE =
  '(?! )[\\p{Default_Ignorable_Code_Point}\\p{Cc}\\p{Cf}\\p{Zs}\\p{Zl}\\p{Zp}\\u2800\\p{Cs}]';

// The property classes are compiled on first need: about a millisecond of every start-up otherwise, and
// text of printable ASCII only (almost every description and URL) never needs them.
let invisible: RegExp | undefined;
let invisibleAll: RegExp | undefined;
const INVISIBLE = () => (invisible ??= new RegExp(INVISIBLE_SOURCE, 'u'));
const INVISIBLE_ALL = () => (invisibleAll ??= new RegExp(INVISIBLE_SOURCE, 'gu'));

/** Printable ASCII (U+0020 to U+007E): holds no invisible character and no surrogate. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Whether `text` holds an invisible or space-look-alike code point (ASCII space is fine). */
export function hasInvisible(text: string): boolean {
  return !PRINTABLE_ASCII.test(text) && INVISIBLE().test(text);
}

/**
 * Emoji sequences Unicode recommends for general interchange (RGI: what platforms draw as one
 * picture) are built from variation selectors, zero-width joiners and tag characters by design: `❤️`
 * is U+2764 U+FE0F, `👩‍💻` joins two emoji with U+200D, a subdivision flag is a run of tag characters.
 * Inside such a sequence those characters are what makes the picture, so the rule leaves the whole
 * sequence alone; the same characters anywhere else are invisible. (Built with `new RegExp` and the flags in a
 * variable: the `v` flag that knows emoji sequences is newer than the TypeScript target; Node 20 has it.)
 */
const UNICODE_SETS_FLAGS: string = 'gv';
// Built on first need only: compiling the emoji set costs about 20 ms, more than the rest of a
// `validate`, and text without an invisible character never needs it.
let emojiSequence: RegExp | undefined;
const EMOJI_SEQUENCE = () => (emojiSequence ??= new RegExp('\\p{RGI_Emoji}', UNICODE_SETS_FLAGS));

/** `text` with `onText` applied to the parts outside emoji sequences; the sequences kept as they are. */
function outsideEmoji(text: string, onText: (part: string) => string): string {
  // `onText` changes only invisible characters.
  if (!hasInvisible(text)) return text;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(EMOJI_SEQUENCE())) {
    out += onText(text.slice(last, m.index)) + m[0];
    last = m.index + m[0].length;
  }
  return out + onText(text.slice(last));
}

/** A lone surrogate: with the `u` flag a paired one is part of its code point and never matches. */
const LONE_SURROGATE = /\p{Cs}/u;
const LONE_SURROGATE_ALL = /\p{Cs}/gu;

/** The form descriptions are compared in: lone surrogates as U+FFFD, then NFC. */
export function descriptionKey(description: string): string {
  if (PRINTABLE_ASCII.test(description)) return description;
  return description.replace(LONE_SURROGATE_ALL, '\ufffd').normalize('NFC');
}

/** `U+D800` and its 0-based index for the first lone surrogate of `text`, or undefined. */
export function firstLoneSurrogate(text: string): { index: number; codePoint: string } | undefined {
  const m = LONE_SURROGATE.exec(text);
  if (!m) return undefined;
  return { index: m.index, codePoint: `U+${m[0].charCodeAt(0).toString(16).toUpperCase()}` };
}

/** The description with every invisible character removed, for the ignore rule's safe side. */
export function withoutInvisible(text: string): string {
  return outsideEmoji(text, (part) => part.replace(INVISIBLE_ALL(), ''));
}

/** `U+200B` for the first invisible character of `text`, or undefined. */
export function firstInvisible(text: string): { index: number; codePoint: string } | undefined {
  // Emoji sequences masked with a visible filler of the same length, so the index is the text's.
  if (!hasInvisible(text)) return undefined;
  const m = INVISIBLE().exec(text.replace(EMOJI_SEQUENCE(), (seq) => 'x'.repeat(seq.length)));
  if (!m) return undefined;
  const cp = text.codePointAt(m.index) ?? 0;
  return { index: m.index, codePoint: `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` };
}

/**
 * Every invisible character but TAB, LF and CR (the layout of the text itself, which callers handle)
 * as a JSON-compatible `\uXXXX` escape (surrogate pairs for astral ones). Applied to JSON text it
 * keeps the same data; applied to a quoted description it makes the difference visible.
 */
export function escapeInvisible(text: string): string {
  return outsideEmoji(text, (part) => escapeInvisibleCodePoints(part));
}

function escapeInvisibleCodePoints(text: string): string {
  return text.replace(INVISIBLE_ALL(), (c) => {
    if (c === '\n' || c === '\r' || c === '\t') return c;
    let out = '';
    for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`;
    return out;
  });
}
