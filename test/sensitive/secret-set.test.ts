import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodedForms,
  MASK_MIN_LENGTH,
  PLACEHOLDER,
  SecretSet,
  WITHHELD,
} from '../../src/sensitive/index.js';

const LONG = 'k3J<w9&"x\\y%20z.*+?^$(){}|[]';
const go = (v: string) =>
  JSON.stringify(v)
    .slice(1, -1)
    .replace(/[<>&]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

describe('SecretSet.scrub', () => {
  const set = SecretSet.of({ values: [LONG] });

  it.each([
    ['raw', LONG],
    ['JSON-escaped', JSON.stringify(LONG).slice(1, -1)],
    ['Go-escaped', go(LONG)],
    [
      'Go-escaped, upper-case hex',
      go(LONG).replace(/\\u00([0-9a-f]{2})/g, (_m, h: string) => `\\u00${h.toUpperCase()}`),
    ],
    ['percent-encoded', encodeURIComponent(LONG)],
    [
      'percent-encoded, lower-case hex',
      encodeURIComponent(LONG).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()),
    ],
    ['form-encoded', new URLSearchParams({ v: LONG }).toString().slice(2)],
    ['JSON inside JSON', JSON.stringify(JSON.stringify(LONG).slice(1, -1)).slice(1, -1)],
    ['HTML-escaped', LONG.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('"', '&quot;')],
    // A whole JSON request body echoed percent-encoded or in an HTML page: JSON-escaped first.
    ['JSON-escaped, then percent-encoded', encodeURIComponent(JSON.stringify(LONG).slice(1, -1))],
    [
      'JSON-escaped, then HTML-escaped',
      JSON.stringify(LONG)
        .slice(1, -1)
        .replaceAll('&', '&amp;')
        .replaceAll('<', '&lt;')
        .replaceAll('>', '&gt;')
        .replaceAll('"', '&quot;'),
    ],
    // Encoders that escape every character, not only the ones they must.
    [
      'JSON-escaped, every character as \\uXXXX',
      Array.from(
        { length: LONG.length },
        (_, i) => `\\u${LONG.charCodeAt(i).toString(16).padStart(4, '0')}`,
      ).join(''),
    ],
    [
      'percent-encoded, every byte',
      [...Buffer.from(LONG, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
    ],
    ['HTML decimal references, every character', [...LONG].map((c) => `&#${c.codePointAt(0)};`).join('')],
    [
      'HTML hex references, every character',
      [...LONG].map((c) => `&#x${c.codePointAt(0)?.toString(16)};`).join(''),
    ],
    ['base64 (a dumped body)', Buffer.from(LONG).toString('base64')],
    ['hex (a dumped body)', Buffer.from(LONG).toString('hex')],
  ])('masks the %s form', (_name, form) => {
    const out = set.scrub(`before ${form} after`);
    expect(out).toBe(`before ${PLACEHOLDER} after`);
  });

  it('masks the token in base64 (Basic authorization) but only tokens get that form', () => {
    const token = 'a1b2c3d4e5f6a7b8c9d0';
    const basic = Buffer.from(`${token}:api_token`).toString('base64');
    expect(SecretSet.of({ tokens: [token] }).scrub(`auth ${basic}`)).toBe(`auth ${PLACEHOLDER}`);
    expect(SecretSet.of({ tokens: [token] }).scrub(`Authorization: Basic ${basic}`)).not.toContain(basic);
  });

  it('masks the token inside a larger base64 text, whatever its offset there', () => {
    const token = 'a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6';
    const set = SecretSet.of({ tokens: [token] });
    for (const prefix of ['', 'x', 'xy', 'Authorization: Basic ']) {
      const dump = Buffer.from(`${prefix}${token}:api_token and more`).toString('base64');
      const out = set.scrub(`dump ${dump}`);
      // Only the characters that mix in the neighbouring bytes may remain.
      const decoded = Buffer.from(out.replace(/^dump /, '').replace(PLACEHOLDER, ''), 'base64').toString(
        'latin1',
      );
      expect(decoded, prefix).not.toContain(token.slice(0, 8));
      expect(out).toContain(PLACEHOLDER);
    }
  });

  it('masks the longer of two secrets that share a prefix completely, and overlapping secrets', () => {
    const a = 'prefix-secret-0123456789';
    const b = `${a}-and-a-longer-tail`;
    const both = SecretSet.of({ values: [a, b] });
    expect(both.scrub(`x ${b} y`)).toBe(`x ${PLACEHOLDER} y`);
    const c = 'overlap-AAAAAAAAAAAA-BBBB';
    const d = 'AAAAAAAAAAAA-BBBB-CCCCCCCCCC';
    expect(SecretSet.of({ values: [c, d] }).scrub('overlap-AAAAAAAAAAAA-BBBB-CCCCCCCCCC!')).toBe(
      `${PLACEHOLDER}!`,
    );
  });

  it('masks a secret whose white space the API client collapsed', () => {
    // apiMessageFrom collapses runs of white space, U+3000 and tabs included, to one space.
    const spaced = 'ᛄ⊉ꝡ𝞢ᱸ+𖢥ⴕ*🨴Ề\u3000\tぐ-secret';
    expect(SecretSet.of({ values: [spaced] }).scrub(`echo ${spaced.replace(/\s+/g, ' ')}!`)).toBe(
      `echo ${PLACEHOLDER}!`,
    );
  });

  it('masks the rest of a secret left beside a placeholder by a pass that knew less', () => {
    // The API client masks what one request sent; the output masks again with the whole run's set.
    const short = 'prefix-secret-0123456789';
    const long = `${short}-and-a-longer-tail`;
    const url = `https://hooks.example.com/f#${long}<tail>`;
    const first = SecretSet.of({ values: [short] }).scrub(`x ${long} y`);
    expect(first).toBe(`x ${PLACEHOLDER}-and-a-longer-tail y`);
    expect(SecretSet.of({ values: [short, long] }).scrub(first)).toBe(`x ${PLACEHOLDER} y`);
    // A URL with a credential is replaced up to the first character a URL cannot hold (`<`).
    const unknown = SecretSet.empty.scrub(`see ${url} now`);
    expect(unknown).toBe(`see ${PLACEHOLDER}<tail> now`);
    expect(SecretSet.of({ values: [url] }).scrub(unknown)).toBe(`see ${PLACEHOLDER} now`);
    // Before a placeholder: the head of a secret whose tail was masked.
    const head = SecretSet.of({ values: ['-and-a-longer-tail'] }).scrub(`x ${long} y`);
    expect(SecretSet.of({ values: [long] }).scrub(head)).toBe(`x ${PLACEHOLDER} y`);
    // Innocent text beside a placeholder stays.
    expect(SecretSet.of({ values: [long] }).scrub(`a ${PLACEHOLDER} failed, again`)).toBe(
      `a ${PLACEHOLDER} failed, again`,
    );
  });

  it('masks the head of a secret where a message cut a quoted value', () => {
    const secret = 'cut-secret-abcdefghijklmnopqrstuvwxyz';
    const s = SecretSet.of({ values: [secret] });
    expect(s.maskLong(`got '${secret.slice(0, 20)}…' at line 3`)).toBe(`got '${PLACEHOLDER}…' at line 3`);
    expect(s.scrub(`key '${secret.slice(0, 9)}...' and more`)).toBe(`key '${PLACEHOLDER}...' and more`);
    // A word before an ellipsis is not a secret's head unless it is one.
    expect(s.scrub('waiting… done')).toBe('waiting… done');
  });

  it('masks what is left of a secret where a text was cut', () => {
    const secret = 'cut-secret-abcdefghijklmnop';
    const s = SecretSet.of({ values: [secret] });
    expect(s.scrub(`message ends with ${secret.slice(0, 12)}…`)).toBe(`message ends with ${PLACEHOLDER}…`);
    expect(s.scrub(`${secret.slice(-9)} starts the text`)).toBe(`${PLACEHOLDER} starts the text`);
  });

  it("leaves the program's own words alone when a word merely equals the end or start of a secret", () => {
    // A live URL `...?x=delete` is sensitive as a whole; the log field action=delete is not a cut echo.
    const s = SecretSet.of({ values: ['https://hooks.example.com/in/sync?x=delete'] });
    expect(s.maskLong('delete')).toBe('delete');
    expect(s.maskLong('https://hooks.example.com/in/sync')).toBe('https://hooks.example.com/in/sync');
    // Text from outside still gets the cut-end rule.
    expect(s.scrub('https://hooks.example.com/in/sync?x=del…')).toBe(`${PLACEHOLDER}…`);
  });

  it('withholds a text holding a short secret instead of masking inside it', () => {
    const s = SecretSet.of({ values: ['hook'] });
    expect(s.scrub('https://hook.example.com/x failed')).toBe(WITHHELD);
    expect(s.scrub('nothing to see')).toBe('nothing to see');
    expect(SecretSet.of({ values: ['7'] }).scrub('status 407')).toBe(WITHHELD);
  });

  it('finds a short secret in its escaped forms too', () => {
    const s = SecretSet.of({ values: ['<a&b>'] });
    expect(s.scrub('echo: \\u003ca\\u0026b\\u003e')).toBe(WITHHELD);
    expect(s.scrub('echo: %3Ca%26b%3E')).toBe(WITHHELD);
  });

  it('replaces URLs that carry credentials it does not know, whole', () => {
    const out = SecretSet.empty.scrub('call https://u:p@h.example/x?y=1 and https://plain.example/ok done');
    expect(out).toBe(`call ${PLACEHOLDER} and https://plain.example/ok done`);
    expect(SecretSet.empty.scrub('Authorization: Bearer abcdefghijklmnop')).toBe(
      `Authorization: Bearer ${PLACEHOLDER}`,
    );
  });

  it.each([
    ['another scheme', 'postgres://admin:pw-0123@db.internal:5432/app'],
    ['escaped slashes (PHP JSON)', 'https:\\/\\/user:pw-0123@hooks.example.com\\/y'],
    ['scheme-relative', '//user:pw-0123@hooks.example.com/y'],
    ['percent-encoded as a whole', 'https%3A%2F%2Fuser%3Apw-0123%40hooks.example.com%2Fy'],
  ])('replaces a URL with userinfo it does not know, written %s, whole', (_what, url) => {
    const out = SecretSet.empty.scrub(`echo ${url} end`);
    expect(out).toBe(`echo ${PLACEHOLDER} end`);
    expect(SecretSet.empty.maskLong(`said ${url}`)).toBe(`said ${PLACEHOLDER}`);
  });

  it('leaves addresses and paths that carry no userinfo alone', () => {
    for (const text of [
      'mail ops@example.com now',
      'see https://h.example/a@b',
      'path //srv/share',
      'git@github.com:o/r',
    ]) {
      expect(SecretSet.empty.scrub(text)).toBe(text);
    }
  });

  it('is bounded: a huge text is cut before the search', () => {
    const s = SecretSet.of({ values: ['x'.repeat(20)] });
    expect(s.scrub('a'.repeat(200_000)).length).toBeLessThan(70_000);
  });
});

describe('SecretSet.scrub, generated', () => {
  // Any Unicode, quotes, backslashes, <>&, %, regex metacharacters, digits only.
  const secret = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 64 }),
    fc.string({ unit: fc.constantFrom(...'<>&%"\\\'.*+?^${}()|[]/\n\t'), minLength: 1, maxLength: 64 }),
    fc.stringMatching(/^[0-9]{1,64}$/),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 64 }),
  );
  const filler = fc.string({ unit: fc.constantFrom(...'abcdefghij .,:-_0123456789'), maxLength: 40 });

  it('leaves no encoded form of a long secret; withholds texts with a short one', () => {
    fc.assert(
      fc.property(secret, filler, filler, fc.nat(), (s, before, after, pick) => {
        const forms = encodedForms(s);
        const form = forms[pick % forms.length]!;
        const out = SecretSet.of({ values: [s] }).scrub(`${before}${form}${after}`);
        if ([...s].length < MASK_MIN_LENGTH) {
          expect(out).toBe(WITHHELD);
          return;
        }
        for (const f of forms) if (f.length >= 4) expect(out).not.toContain(f);
      }),
      { numRuns: 300 },
    );
  });

  it('changes nothing in a text that holds no secret', () => {
    fc.assert(
      fc.property(secret, filler, (s, text) => {
        fc.pre(!SecretSet.of({ values: [s] }).appearsIn(text));
        expect(SecretSet.of({ values: [s] }).scrub(text)).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
