/**
 * Redaction is defence in depth: outputs are built so that secrets never enter them, and every
 * line that leaves the process (stdout, stderr, logs, metrics, error messages) still passes through
 * `redact`, which masks any value registered as sensitive.
 */

export const REDACTED = '[REDACTED]';

const sensitive = new Set<string>();

/** Registers a value (API token, declared or live secret, expanded variable) to be masked everywhere. */
export function registerSecret(value: string | undefined | null): void {
  // Very short values would mask innocent text ("a", "1"); secrets and tokens are long.
  if (value && value.length >= 4) sensitive.add(value);
}

export function clearRegisteredSecrets(): void {
  sensitive.clear();
}

/**
 * Masks the credentials of a URL: userinfo and every query value. `https://u:p@h/x?token=abc&b=1`
 * becomes `https://[REDACTED]@h/x?token=[REDACTED]&b=[REDACTED]`. Non-URLs are returned unchanged.
 */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  let out = `${url.protocol}//`;
  if (url.username || url.password) out += `${REDACTED}@`;
  out += `${url.host}${url.pathname}`;
  if (url.search) {
    const parts = url.search
      .slice(1)
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        return eq === -1 ? (pair ? REDACTED : pair) : `${pair.slice(0, eq)}=${REDACTED}`;
      });
    out += `?${parts.join('&')}`;
  }
  if (url.hash) out += '#…';
  return out;
}

const URL_IN_TEXT = /\bhttps?:\/\/[^\s"'<>`]+/g;
const BASIC_AUTH = /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._-]{16,}/g;

/** Masks registered secrets, Authorization values and URL credentials in free text. */
export function redact(text: string): string {
  let out = text;
  for (const value of sensitive) {
    if (out.includes(value)) out = out.split(value).join(REDACTED);
  }
  out = out.replace(BASIC_AUTH, (_m, scheme: string) => `${scheme} ${REDACTED}`);
  out = out.replace(URL_IN_TEXT, (u) => redactUrl(u));
  return out;
}
