/**
 * Every form in which a sensitive value can come back inside text we did not write (an API error body
 * that echoes the request, a proxy's HTML page, a log line of a library). The scrub looks for all of
 * them. Each is a cheap, pure function; the list is the documentation (docs/secrets.md).
 */

/**
 * Unicode forms a server may normalise to before echoing, and each with its runs of white space
 * collapsed to one space, as the API client does to a message (any Unicode space, U+3000 included).
 */
function unicodeForms(value: string): string[] {
  // Printable ASCII without white space: every form is the value itself.
  if (/^[\x21-\x7e]*$/.test(value)) return [value];
  const forms = [value, value.normalize('NFC'), value.normalize('NFD'), value.normalize('NFKC')];
  return [...new Set([...forms, ...forms.map((f) => f.replace(/\s+/g, ' '))])];
}

/** URL forms: what `new URL` or a server does to a value in each position of a URL. */
function urlForms(value: string): string[] {
  // Letters, digits, `.`, `_`, `-` (API tokens, generated secrets): no encoder changes them, and no
  // position but the host (lower-cased, or read as an IPv4 number) turns them into anything else.
  const plain = /^[A-Za-z0-9._-]+$/.test(value);
  const out = plain
    ? [value]
    : [
        encodeURIComponent(value),
        encodeURI(value),
        new URLSearchParams({ v: value }).toString().slice(2),
        encodeURIComponent(encodeURIComponent(value)),
      ];
  // Each position only when the whole value fits in it: a part of the value (the host after an `@`)
  // would become a needle of its own and mask innocent text.
  // The third field: whether the position can change a plain value (see `plain`).
  const builds: Array<[RegExp, (v: string) => string, boolean]> = [
    [/[?#\\]|(^|\/)\.{1,2}(\/|$)/, (v) => new URL(`http://h/${v}`).pathname.slice(1), false],
    [/#/, (v) => new URL(`http://h/?${v}`).search.slice(1), false],
    [/$^/, (v) => new URL(`http://h/#${v}`).hash.slice(1), false],
    [/[@/?#:\\[\]%]/, (v) => new URL(`http://${v}/`).hostname, true],
    [/[@/?#:\\[\]%.]/, (v) => new URL(`http://${v}.h/`).hostname.slice(0, -2), true],
    // No scheme in a plain value: not a URL.
    [/$^/, (v) => new URL(v).href, false],
    [/$^/, (v) => new URL(v).href.replace(/\/$/, ''), false],
  ];
  for (const [unfit, build, changesPlain] of builds) {
    if (unfit.test(value) || (plain && !changesPlain)) continue;
    try {
      out.push(build(value));
    } catch {
      // Not valid in that position, so it cannot come back in that form either.
    }
  }
  try {
    out.push(decodeURIComponent(value));
  } catch {
    // Not percent-encoded.
  }
  return out;
}

const jsonBody = (v: string) => JSON.stringify(v).slice(1, -1);

/** `\uXXXX` for every non-ASCII code unit (Python's `ensure_ascii`, Java's Jackson option). */
const asciiJson = (v: string) =>
  jsonBody(v).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** Go's encoding/json: `<`, `>`, `&`, U+2028 and U+2029 as `\u003c`, ... */
const goJson = (v: string) =>
  jsonBody(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/** PHP's json_encode also escapes `/`. */
const slashJson = (v: string) => goJson(v).replaceAll('/', '\\/');

const html = (v: string) =>
  v
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

const htmlNumeric = (v: string) => html(v).replaceAll('&quot;', '&#34;').replaceAll('&#39;', '&#x27;');

const hex2 = (n: number) => n.toString(16).padStart(2, '0');

/** Every code unit as `\uXXXX`, ASCII included (an encoder that escapes everything). */
const allJson = (v: string) =>
  Array.from({ length: v.length }, (_, i) => `\\u${v.charCodeAt(i).toString(16).padStart(4, '0')}`).join('');

/** Every UTF-8 byte as `%XX`, unreserved letters included (valid percent-encoding a server may send). */
const allPercent = (v: string) => [...Buffer.from(v, 'utf8')].map((b) => `%${hex2(b)}`).join('');

/** Every character as an HTML numeric reference, decimal and hex (`&#83;`, `&#x53;`). */
const allHtmlDecimal = (v: string) => [...v].map((c) => `&#${c.codePointAt(0)};`).join('');
const allHtmlHex = (v: string) => [...v].map((c) => `&#x${(c.codePointAt(0) ?? 0).toString(16)};`).join('');

/** How an echoed text may wrap a form: as is, inside JSON (once or twice), inside HTML, JSON then percent or HTML. */
const WRAPPERS: Array<(v: string) => string> = [
  allJson,
  allPercent,
  allHtmlDecimal,
  allHtmlHex,
  (v) => v,
  jsonBody,
  asciiJson,
  goJson,
  slashJson,
  (v) => jsonBody(jsonBody(v)),
  (v) => goJson(jsonBody(v)),
  html,
  htmlNumeric,
  // A whole request body echoed in another encoding: the value is JSON-escaped first, then
  // percent-encoded (a `body=` parameter) or HTML-escaped (a proxy's error page).
  (v) => encodeURIComponent(jsonBody(v)),
  (v) => html(jsonBody(v)),
];

/** Values this long (the masking threshold) are also searched for in base64 and hex. */
const BINARY_FORMS_MIN_LENGTH = 16;

/** Every encoded form of `value`, de-duplicated, the empty string excluded. */
export function encodedForms(value: string, opts: { base64?: boolean } = {}): string[] {
  const forms = new Set<string>();
  for (const unicode of unicodeForms(value)) {
    for (const base of new Set([unicode, ...urlForms(unicode)])) {
      for (const wrap of WRAPPERS) forms.add(wrap(base));
    }
  }
  // The token travels as Basic auth (`token:api_token`); a library that logs headers logs this. A
  // long secret may be echoed in base64 or hex too (a dumped body); a short one is not searched for in
  // those forms, which would match inside unrelated base64 text.
  const binary = opts.base64 || [...value].length >= BINARY_FORMS_MIN_LENGTH;
  if (binary) {
    for (const plain of opts.base64 ? [value, `${value}:api_token`] : [value]) {
      const bytes = Buffer.from(plain, 'utf8');
      forms.add(bytes.toString('base64'));
      forms.add(bytes.toString('base64url'));
      forms.add(bytes.toString('base64').replace(/=+$/, ''));
      forms.add(bytes.toString('hex'));
      // Inside a larger base64 text the value starts 0, 1 or 2 bytes into a 3-byte group: the
      // characters that depend on it alone are those after the first group and before the last.
      for (const offset of [0, 1, 2]) {
        const shifted = Buffer.concat([Buffer.alloc(offset), bytes]);
        for (const b64 of [shifted.toString('base64'), shifted.toString('base64url')]) {
          const core = b64.replace(/=+$/, '').slice(offset === 0 ? 0 : 4, -4);
          if (core.length >= BINARY_FORMS_MIN_LENGTH) forms.add(core);
        }
      }
    }
  }
  forms.delete('');
  return [...forms];
}
