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

// biome-ignore lint/suspicious/noControlCharactersInRegex: every ASCII code unit, controls included.
const ASCII = /^[\x00-\x7f]*$/;

/** One code unit folded to lower case when that keeps the length, so positions map back one to one. */
function fold(text: string): string {
  // ASCII (almost every secret and every encoded form): the same, built at once instead of a string
  // of thousands of one-character joins that each later search would first have to flatten.
  if (ASCII.test(text)) return text.toLowerCase();
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
  #needles: NeedleIndex | undefined;

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

  /** Needles, longest first, and their index, built once per set. */
  private needles(): NeedleIndex {
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
    const all = [...byForm]
      .map(([folded, short]) => ({ folded, short }))
      .sort((a, b) => b.folded.length - a.folded.length);
    this.#needles = indexNeedles(all);
    return this.#needles;
  }

  /** Whether `text` holds any secret of the set, in any known form. */
  appearsIn(text: string): boolean {
    const folded = fold(text);
    let found = false;
    eachOccurrence(this.needles(), folded, () => {
      found = true;
      return true;
    });
    return found;
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
    const index = this.needles();
    let withheld = false;
    eachOccurrence(index, folded, (needle, at) => {
      if (longOnly && needle.short) return false;
      if (needle.short) {
        withheld = true;
        return true;
      }
      covered.fill(1, at, at + needle.folded.length);
      any = true;
      return false;
    });
    if (withheld) return WITHHELD;
    // Our own words are never a cut-off message: a field value that merely equals the end of a
    // secret's URL (`delete` in `?x=delete`) is a word, not a leak (docs/secrets.md).
    if (!longOnly) any = coverCutEnds(folded, index, covered) || any;
    if (marks.length > 0) {
      for (const needle of index.all) {
        if (!needle.short) any = coverBesideMarks(folded, needle.folded, covered, marks) || any;
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
 * The needles by their first and last CUT_MIN_LENGTH characters, so a text is searched in time
 * proportional to its length, not to the number of secrets: a plan reads thousands of live
 * subscriptions, each with a secret of its own, and scrubs each live description.
 */
interface NeedleIndex {
  /** Longest first. */
  all: Needle[];
  /** Needles shorter than the key length, searched one by one (few: short secrets' forms). */
  small: Needle[];
  byHead: Map<string, Needle[]>;
  byTail: Map<string, Needle[]>;
}

function indexNeedles(all: Needle[]): NeedleIndex {
  const small: Needle[] = [];
  const byHead = new Map<string, Needle[]>();
  const byTail = new Map<string, Needle[]>();
  const push = (map: Map<string, Needle[]>, key: string, needle: Needle) => {
    const list = map.get(key);
    if (list) list.push(needle);
    else map.set(key, [needle]);
  };
  for (const needle of all) {
    if (needle.folded.length < CUT_MIN_LENGTH) {
      small.push(needle);
      continue;
    }
    push(byHead, needle.folded.slice(0, CUT_MIN_LENGTH), needle);
    push(byTail, needle.folded.slice(-CUT_MIN_LENGTH), needle);
  }
  return { all, small, byHead, byTail };
}

/** Calls `found` for every occurrence of every needle in `folded`; stops when it returns true. */
function eachOccurrence(index: NeedleIndex, folded: string, found: (n: Needle, at: number) => boolean): void {
  for (const needle of index.small) {
    for (let at = folded.indexOf(needle.folded); at !== -1; at = folded.indexOf(needle.folded, at + 1)) {
      if (found(needle, at)) return;
    }
  }
  for (let at = 0; at + CUT_MIN_LENGTH <= folded.length; at++) {
    const candidates = index.byHead.get(folded.slice(at, at + CUT_MIN_LENGTH));
    if (!candidates) continue;
    for (const needle of candidates) {
      if (folded.startsWith(needle.folded, at) && found(needle, at)) return;
    }
  }
}

/**
 * A text cut to a length (a 500-character message, a log line limit) can end inside a secret, or
 * start inside one: the piece that is left, at least CUT_MIN_LENGTH characters and shorter than the
 * secret, is masked too.
 */
function coverCutEnds(folded: string, index: NeedleIndex, covered: Uint8Array): boolean {
  let any = false;
  const end = folded.replace(/(\u2026|\.\.\.)$/, '');
  // The text ends with the start of a secret: end[p..] is a proper prefix of it.
  for (let p = 0; p + CUT_MIN_LENGTH <= end.length; p++) {
    const candidates = index.byHead.get(end.slice(p, p + CUT_MIN_LENGTH));
    if (!candidates) continue;
    const piece = end.slice(p);
    if (candidates.some((n) => !n.short && n.folded.length > piece.length && n.folded.startsWith(piece))) {
      covered.fill(1, p, end.length);
      any = true;
      break;
    }
  }
  // The text starts with the end of a secret: folded[..q] is a proper suffix of it.
  for (let q = folded.length; q >= CUT_MIN_LENGTH; q--) {
    const candidates = index.byTail.get(folded.slice(q - CUT_MIN_LENGTH, q));
    if (!candidates) continue;
    const piece = folded.slice(0, q);
    if (candidates.some((n) => !n.short && n.folded.length > piece.length && n.folded.endsWith(piece))) {
      covered.fill(1, 0, q);
      any = true;
      break;
    }
  }
  return any;
}
