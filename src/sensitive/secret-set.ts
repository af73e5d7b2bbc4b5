import { encodedForms } from './encodings.js';
import { urlCarriesCredential } from './url.js';
import { PLACEHOLDER } from './value.js';

/**
 * Secrets shorter than this are never masked inside text: a text that holds one (in any form) is
 * withheld as a whole. A short value is likely to occur in innocent text (`abc` in "abc.example.com",
 * `1234` in an id, a secret equal to a word in a description): masking there garbles the text and
 * shows a reader where, and so what, the secret is. 16 characters is where the values we are given
 * start being generated ones (Toggl's generated secrets, API tokens, hook path tokens are 24 to 64
 * characters) and an accidental match in an error message stops being plausible. See docs/secrets.md.
 */
export const MASK_MIN_LENGTH = 16;

/** Longest text the scrub reads; the rest is cut. */
export const MAX_SCRUB_LENGTH = 64 * 1024;

/** What replaces a text from outside that holds a short secret. */
export const WITHHELD = '(message withheld: it contained a sensitive value)';

export interface SecretSetInput {
  /** The API token: also looked for in base64 (Basic authorization). */
  tokens?: Iterable<string | undefined>;
  /** Declared secrets, values substituted for `${VAR}`, whole sensitive fields, live secrets. */
  values?: Iterable<string | undefined>;
}

/** One code unit folded to lower case when that keeps the length, so positions map back one to one. */
function fold(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    const lower = c.toLowerCase();
    out += lower.length === 1 ? lower : c;
  }
  return out;
}

interface Needle {
  folded: string;
  short: boolean;
}

/**
 * Every secret one run knows (token, declared secrets, `${VAR}` values and fields built from them,
 * live secrets and URLs of sensitive subscriptions), and the one scrub for text that comes from outside
 * the program. Built by the command's shell and passed explicitly; there is no process-wide list.
 * Immutable: `with` returns a larger set, so a set handed to a renderer cannot change under it.
 */
export class SecretSet {
  readonly #values: ReadonlySet<string>;
  readonly #tokens: ReadonlySet<string>;
  #needles: Needle[] | undefined;

  private constructor(values: ReadonlySet<string>, tokens: ReadonlySet<string>) {
    this.#values = values;
    this.#tokens = tokens;
  }

  static readonly empty = new SecretSet(new Set(), new Set());

  static of(input: SecretSetInput): SecretSet {
    return SecretSet.empty.with(input);
  }

  with(input: SecretSetInput): SecretSet {
    const values = new Set(this.#values);
    const tokens = new Set(this.#tokens);
    for (const v of input.values ?? []) if (v) values.add(v);
    for (const t of input.tokens ?? []) if (t) tokens.add(t);
    if (values.size === this.#values.size && tokens.size === this.#tokens.size) return this;
    return new SecretSet(values, tokens);
  }

  get size(): number {
    return this.#values.size + this.#tokens.size;
  }

  /** Needles, longest first, built once per set. */
  private needles(): Needle[] {
    if (this.#needles) return this.#needles;
    const byForm = new Map<string, boolean>();
    const add = (secret: string, base64: boolean) => {
      const short = [...secret].length < MASK_MIN_LENGTH;
      for (const form of encodedForms(secret, { base64 })) {
        const folded = fold(form);
        // A form shared by a short and a long secret is treated as short: the stricter rule wins.
        byForm.set(folded, (byForm.get(folded) ?? false) || short);
      }
    };
    for (const v of this.#values) add(v, false);
    for (const t of this.#tokens) add(t, true);
    this.#needles = [...byForm]
      .map(([folded, short]) => ({ folded, short }))
      .sort((a, b) => b.folded.length - a.folded.length);
    return this.#needles;
  }

  /** Whether `text` holds any secret of the set, in any known form. */
  appearsIn(text: string): boolean {
    const folded = fold(text);
    return this.needles().some((n) => folded.includes(n.folded));
  }

  /**
   * The last pass over text that comes from outside (an API error body, a live description, a message
   * of a library): every form of every long secret is replaced by the placeholder, including where two
   * secrets overlap and where the text was cut inside one; a text holding a short secret is withheld
   * whole (see MASK_MIN_LENGTH). URLs that carry a credential by their shape are replaced whole too.
   * Text the program wrote itself does not need this: it never holds a clear value in the first place.
   */
  scrub(untrusted: string): string {
    return maskCredentialShapes(this.maskKnown(untrusted));
  }

  /**
   * For text the program wrote itself (a log message, a declared description): long secrets are masked
   * should one ever get there, and nothing is withheld, since a short secret found in our own words
   * ("in", "1") is a coincidence, not a leak. URLs that carry a credential are still replaced whole.
   */
  maskLong(text: string): string {
    return maskCredentialShapes(this.maskKnown(text, true));
  }

  private maskKnown(untrusted: string, longOnly = false): string {
    if (untrusted === '' || this.size === 0) return untrusted;
    // Bounded cost: no log line or message we print is this long; the cut end is still checked.
    const text = untrusted.length > MAX_SCRUB_LENGTH ? `${untrusted.slice(0, MAX_SCRUB_LENGTH)}…` : untrusted;
    const folded = fold(text);
    const covered = new Uint8Array(text.length);
    const marks = marksIn(folded);
    let any = false;
    for (const needle of this.needles()) {
      if (longOnly && needle.short) continue;
      let at = folded.indexOf(needle.folded);
      if (at !== -1 && needle.short) return WITHHELD;
      while (at !== -1) {
        covered.fill(1, at, at + needle.folded.length);
        any = true;
        at = folded.indexOf(needle.folded, at + 1);
      }
      if (!needle.short) {
        // Our own words are never a cut-off message: a field value that merely equals the end of a
        // secret's URL (`delete` in `?x=delete`) is a word, not a leak (docs/secrets.md).
        if (!longOnly) any = coverCutEnds(folded, needle.folded, covered) || any;
        if (marks.length > 0) any = coverBesideMarks(folded, needle.folded, covered, marks) || any;
      }
    }
    if (!any) return text;
    let out = '';
    for (let i = 0; i < text.length; ) {
      if (!covered[i]) {
        out += text[i];
        i++;
        continue;
      }
      while (i < text.length && covered[i]) i++;
      out += PLACEHOLDER;
    }
    return out;
  }
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>`]+/gi;
const AUTHORIZATION = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{8,}/gi;
/**
 * A URL with userinfo whatever its scheme (`postgres://u:p@db`), with escaped slashes (`https:\/\/u:p@`,
 * PHP's JSON), scheme-relative (`//u:p@host`) or percent-encoded as a whole (`https%3A%2F%2Fu%3Ap%40h`):
 * the userinfo is a credential in any of them.
 */
const USERINFO_URL = /(?:\b[a-z][a-z0-9+.-]*:)?(?:\\?\/){2}[^\s"'<>`/\\@]+@[^\s"'<>`]*/gi;
const ENCODED_USERINFO_URL =
  /(?:\b[a-z][a-z0-9+.-]*%3a)?(?:%2f){2}(?:(?!%2f|%40)[^\s"'<>`])+%40[^\s"'<>`]*/gi;

/**
 * Credentials the run does not know but whose shape gives them away: URLs with userinfo, a query, a
 * fragment or a token-like path (another tool's hook in an API message), and `Basic`/`Bearer` values.
 * Whole URLs are replaced, never a part (docs/secrets.md).
 */
function maskCredentialShapes(text: string): string {
  return text
    .replace(AUTHORIZATION, (_m, scheme: string) => `${scheme} ${PLACEHOLDER}`)
    .replace(URL_IN_TEXT, (url) => (urlCarriesCredential(url) ? PLACEHOLDER : url))
    .replace(USERINFO_URL, PLACEHOLDER)
    .replace(ENCODED_USERINFO_URL, PLACEHOLDER);
}

const FOLDED_PLACEHOLDER = fold(PLACEHOLDER);

/** Where a text was masked, or cut: `(sensitive)`, and `…` / `...` (a quoted value cut to a length). */
interface Mark {
  at: number;
  end: number;
  /** A placeholder joins the piece beside it into one placeholder; a cut mark stays visible. */
  merge: boolean;
}

function marksIn(folded: string): Mark[] {
  const marks: Mark[] = [];
  for (const [text, merge] of [
    [FOLDED_PLACEHOLDER, true],
    ['…', false],
    ['...', false],
  ] as const) {
    for (let at = folded.indexOf(text); at !== -1; at = folded.indexOf(text, at + text.length)) {
      marks.push({ at, end: at + text.length, merge });
    }
  }
  return marks;
}

/**
 * A text scrubbed before by a pass that knew fewer secrets (the API client masks what one request
 * sent; a URL with a credential is replaced up to the first character a URL cannot hold) can hold the
 * rest of a longer secret right beside a placeholder: `(sensitive)` followed by the tail of a secret
 * whose start was another secret, or preceded by its head. A message that quotes a value cut to a
 * length (`got 'abc…'`) holds its head right before the `…`. That rest is masked too, so scrubbing
 * twice never leaves more than scrubbing once with everything, and a cut never shows a piece.
 */
function coverBesideMarks(
  folded: string,
  needle: string,
  covered: Uint8Array,
  marks: readonly Mark[],
): boolean {
  let any = false;
  for (const { at, end, merge } of marks) {
    // After: the text goes on with a suffix of the secret.
    const head = folded.slice(end, end + CUT_MIN_LENGTH);
    if (head.length === CUT_MIN_LENGTH) {
      for (let p = needle.indexOf(head, 1); p !== -1; p = needle.indexOf(head, p + 1)) {
        const rest = needle.slice(p);
        if (folded.startsWith(rest, end)) {
          covered.fill(1, merge ? at : end, end + rest.length);
          any = true;
          break;
        }
      }
    }
    // Before: the text ends, at the mark, with a prefix of the secret.
    const tail = folded.slice(Math.max(0, at - CUT_MIN_LENGTH), at);
    if (tail.length === CUT_MIN_LENGTH) {
      for (let p = needle.lastIndexOf(tail, needle.length - CUT_MIN_LENGTH - 1); p !== -1; ) {
        const piece = needle.slice(0, p + CUT_MIN_LENGTH);
        if (folded.endsWith(piece, at)) {
          covered.fill(1, at - piece.length, merge ? end : at);
          any = true;
          break;
        }
        p = p === 0 ? -1 : needle.lastIndexOf(tail, p - 1);
      }
    }
  }
  return any;
}

/** Shortest cut-off piece of a long secret that is still masked at the start or end of a text. */
const CUT_MIN_LENGTH = 6;

/**
 * A text cut to a length (a 500-character message, a log line limit) can end inside a secret, or
 * start inside one: the piece that is left is masked too.
 */
function coverCutEnds(folded: string, needle: string, covered: Uint8Array): boolean {
  let any = false;
  const end = folded.replace(/(\u2026|\.\.\.)$/, '');
  const head = needle.slice(0, CUT_MIN_LENGTH);
  for (let p = end.indexOf(head, Math.max(0, end.length - needle.length + 1)); p !== -1; ) {
    if (needle.startsWith(end.slice(p))) {
      covered.fill(1, p, end.length);
      any = true;
      break;
    }
    p = end.indexOf(head, p + 1);
  }
  const tail = needle.slice(-CUT_MIN_LENGTH);
  const limit = Math.min(folded.length, needle.length - 1);
  for (let p = folded.lastIndexOf(tail, limit - CUT_MIN_LENGTH); p !== -1 && p >= 0; ) {
    const piece = folded.slice(0, p + CUT_MIN_LENGTH);
    if (needle.endsWith(piece)) {
      covered.fill(1, 0, piece.length);
      any = true;
      break;
    }
    p = p === 0 ? -1 : folded.lastIndexOf(tail, p - 1);
  }
  return any;
}
