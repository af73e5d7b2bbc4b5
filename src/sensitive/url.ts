/**
 * Which URLs carry a credential on their own, without a `${VAR}` in the YAML: userinfo, query values,
 * a fragment, or a path or host label that looks like a token (Slack, Zapier, Discord, Teams hook URLs
 * are bearer credentials in their path). Used to mark live and literal URLs sensitive and by `export`
 * to write such a URL as a `${VAR}` reference. See docs/secrets.md.
 */

/** Hosts whose whole path is a credential, even when its segments are short (Zapier: `/hooks/catch/1/abc/`). */
const HOOK_HOSTS = [
  /(^|\.)hooks\.slack(-gov)?\.com$/,
  /(^|\.)hooks\.zapier\.com$/,
  /(^|\.)(discord|discordapp)\.com$/,
  /(^|\.)webhook\.office\.com$/,
  /(^|\.)outlook\.office(365)?\.com$/,
  /(^|\.)maker\.ifttt\.com$/,
  /(^|\.)hook\.([a-z0-9-]+\.)?(integromat|make)\.com$/,
  /(^|\.)api\.telegram\.org$/,
  /(^|\.)webhook\.site$/,
];

/** Hosts whose first label is the credential (`<token>.m.pipedream.net`). */
const TOKEN_HOSTS = [/^[^.]+\.m\.pipedream\.net$/];

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * A path segment or host label that reads like a generated token: a UUID, 32+ hex digits, or 20+
 * characters of a token alphabet mixing letters and digits with high entropy. Dates, slugs and
 * version strings stay readable (`2024-01-15-release`, `toggl-events`).
 */
export function looksLikeToken(segment: string): boolean {
  let text = segment;
  try {
    text = decodeURIComponent(segment);
  } catch {
    // A stray `%` is not a token alphabet anyway.
  }
  if (UUID.test(text)) return true;
  if (/^[0-9a-f]{32,}$/i.test(text)) return true;
  if (text.length < 20 || !/^[A-Za-z0-9_~.+/=-]+$/.test(text)) return false;
  if (!/[0-9]/.test(text) || !/[A-Za-z]/.test(text)) return false;
  return entropy(text) >= 3.5;
}

/**
 * A path that carries what a parser does not see as a query: `;name=value` path parameters
 * (`;jsessionid=...`), or a query or fragment percent-encoded into the path (`/cb%3Ftoken%3D...`), as
 * a URL gets when it went through one encoding too many. Path segments of webhook URLs are words,
 * ids and slugs; `=` or `;` there is a parameter, and parameters are where credentials go.
 */
function hidesParameters(pathname: string): boolean {
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // A stray `%`: read the path as it is.
  }
  return /[;=?#]/.test(decoded);
}

/**
 * Why `raw` carries a credential in its own text (empty when it does not). A text that does not parse
 * as a URL counts as one: nothing can be said about what it holds.
 */
export function urlCredentialReasons(raw: string): string[] {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return ['an unparsable URL'];
  }
  const reasons: string[] = [];
  if (url.username !== '' || url.password !== '') reasons.push('userinfo');
  if (url.search.length > 1) reasons.push('a query');
  if (url.hash.length > 1) reasons.push('a fragment');
  if (hidesParameters(url.pathname)) reasons.push('parameters in its path');
  const host = url.hostname.toLowerCase();
  const segments = url.pathname.split('/').filter(Boolean);
  if (HOOK_HOSTS.some((h) => h.test(host)) && segments.length > 0) reasons.push('a hook token in its path');
  else if (segments.some(looksLikeToken)) reasons.push('a token-like path segment');
  if (TOKEN_HOSTS.some((h) => h.test(host)) || host.split('.').some(looksLikeToken))
    reasons.push('a token-like host name');
  return reasons;
}

export function urlCarriesCredential(raw: string): boolean {
  return urlCredentialReasons(raw).length > 0;
}

/**
 * A URL given on the command line or in the environment (`--api-url`, `TOGGL_API_URL`), shown in an
 * error message: its origin when it parses and carries nothing, otherwise only its length. A malformed
 * value is never echoed: `https://user:pa ss@host` does not parse, and its password would.
 */
export function describeGivenUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (!urlCarriesCredential(raw)) return `'${url.origin}${url.pathname}'`;
    return `'${url.protocol}//…' (the rest is not shown: it may carry a credential)`;
  } catch {
    return `(a ${raw.length}-character value, not shown: it may carry a credential)`;
  }
}
