import { readFileSync } from 'node:fs';
import { TokenError, TwsError } from '../errors.js';
import { describeGivenUrl } from '../sensitive/url.js';
import { HOUR, MINUTE } from '../util/timers.js';
import { USER_AGENT } from '../version.js';
import { proxyFor } from './proxy.js';

export const DEFAULT_API_URL = 'https://api.track.toggl.com/webhooks/api/v1';

export interface ClientConfig {
  token: string;
  /**
   * TOGGL_API_TOKEN_FILE when the token came from it: the client reads it again when it changes
   * (a Kubernetes Secret rotation) and after a 401/403, so a rotated token needs no restart.
   */
  tokenFile?: string | undefined;
  /** Base URL of the Webhooks API v1, without a trailing slash. */
  apiUrl: string;
  /** Minimum time between two request starts; the docs' safe rate is 1 request/second. 0 disables. */
  requestSpacingMs: number;
  /** Per-attempt timeout: a hung server never hangs the program. */
  timeoutMs: number;
  /** Retries after the first attempt for 5xx, 429 and network errors. */
  retries: number;
  /**
   * Retries (at most `retries`) when the connection itself fails: refused, or the host name does not
   * resolve. One-shot commands allow 1, so a wrong URL or a down proxy fails in about a second
   * instead of half a minute; the daemon keeps its full backoff.
   */
  connectRetries: number;
  retryMinMs: number;
  retryMaxMs: number;
  /** Bound on the total time spent retrying one request. */
  maxRetryTimeMs: number;
  /** 402 (quota exhausted): `fail` fast (one-shot runs) or `wait` for X-Toggl-Quota-Resets-In (daemon). */
  quotaMode: 'fail' | 'wait';
  /** Longest single quota wait in `wait` mode. */
  maxQuotaWaitMs: number;
  userAgent: string;
  /** Allow a plain http:// API URL to a host other than this machine (the token would travel in clear). */
  insecureHttp?: boolean;
  /** Outbound proxy for the API URL (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, src/toggl/proxy.ts); may hold credentials. */
  proxy?: URL | undefined;
}

/**
 * Derives the client's settings from the environment in one place (probot-style), so every command
 * reads the same variables the same way. `overrides` come from CLI flags and win over the environment.
 * The only I/O is reading TOGGL_API_TOKEN_FILE, through `readFile` so tests can pass their own.
 */
export function clientConfigFromEnv(
  env: NodeJS.ProcessEnv,
  overrides: Partial<ClientConfig> = {},
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): ClientConfig {
  const token = overrides.token ?? tokenFromEnv(env, readFile);
  const config: ClientConfig = {
    token,
    // Empty means unset, as an empty variable in a manifest or an env file is meant.
    apiUrl: normaliseApiUrl(
      overrides.apiUrl || env['TOGGL_API_URL']?.trim() || DEFAULT_API_URL,
      overrides.insecureHttp === true || env['TOGGL_ALLOW_INSECURE_HTTP'] === '1',
    ),
    // Each duration has a range (docs/limits-and-budgets.md): none may reach Node's timer limit.
    requestSpacingMs: intFromEnv(env, 'TOGGL_REQUEST_SPACING_MS', 1000, 0, MINUTE),
    // Every request has a timeout: 0 is refused rather than read as "none".
    timeoutMs: intFromEnv(env, 'TOGGL_TIMEOUT_MS', 30_000, 1, 10 * MINUTE),
    retries: intFromEnv(env, 'TOGGL_RETRIES', 5, 0, 20),
    connectRetries: 1,
    retryMinMs: intFromEnv(env, 'TOGGL_RETRY_MIN_MS', 1000, 0, 10 * MINUTE),
    retryMaxMs: intFromEnv(env, 'TOGGL_RETRY_MAX_MS', 30_000, 0, 10 * MINUTE),
    maxRetryTimeMs: intFromEnv(env, 'TOGGL_RETRY_MAX_TIME_MS', 120_000, 0, HOUR),
    quotaMode: 'fail',
    maxQuotaWaitMs: 3_600_000,
    userAgent: USER_AGENT,
  };
  if (overrides.token === undefined && !env['TOGGL_API_TOKEN']?.trim()) {
    config.tokenFile = env['TOGGL_API_TOKEN_FILE']?.trim() || undefined;
  }
  const merged = { ...config, ...stripUndefined(overrides), token, apiUrl: config.apiUrl };
  return { ...merged, proxy: overrides.proxy ?? proxyFor(merged.apiUrl, env) };
}

/**
 * The token in the variable `name` (default TOGGL_API_TOKEN), or the content of the file `name_FILE`
 * names (Docker / Kubernetes secrets), trimmed. Both set is refused, as the Docker `_FILE` convention
 * does: which credential a run uses must never be a guess. An empty variable counts as unset.
 * A workspace may name another variable (`token_env`, docs/configuration.md).
 */
export function tokenFromEnv(
  env: NodeJS.ProcessEnv,
  readFile: (path: string) => string = (p) => readFileSync(p, 'utf8'),
  name = 'TOGGL_API_TOKEN',
): string {
  const fileVar = `${name}_FILE`;
  const direct = env[name]?.trim();
  const file = env[fileVar]?.trim();
  if (direct && file) {
    throw new TokenError(`both ${name} and ${fileVar} are set; set only one`);
  }
  if (direct) return checked(direct, name);
  if (file) {
    let content: string;
    try {
      content = readFile(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new TokenError(`cannot read ${fileVar} ${file}: ${reason}`);
    }
    const token = content.trim();
    if (!token) throw new TokenError(`${fileVar} ${file} is empty`);
    return checked(token, `the file ${fileVar} (${file})`);
  }
  throw new TokenError(
    `no API token: set ${name}, or ${fileVar} to a file holding it (Toggl Track > Profile > API Token)`,
  );
}

/** A token with whitespace inside is a paste or file mistake (an env file, a comment); never send it. */
function checked(token: string, where: string): string {
  if (/\s/.test(token))
    throw new TokenError(`${where} holds more than one word or line; expected one API token`);
  return token;
}

/** Hosts that never leave this machine: a plain http:// URL to them sends nothing over a network. */
function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
  );
}

function normaliseApiUrl(raw: string, allowInsecure: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Never the raw value: `https://user:pa ss@host` does not parse, and its password would be echoed.
    throw new TwsError('E_CONFIG', `TOGGL_API_URL / --api-url is not a URL: ${describeGivenUrl(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TwsError('E_CONFIG', `TOGGL_API_URL / --api-url must be http(s): ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new TwsError(
      'E_CONFIG',
      'TOGGL_API_URL / --api-url must not carry credentials; use TOGGL_API_TOKEN',
    );
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowInsecure) {
    throw new TwsError(
      'E_CONFIG',
      `TOGGL_API_URL / --api-url ${describeGivenUrl(raw)} is plain http:// to another host: the API token ` +
        'would travel in clear text. Use an https URL, or allow it explicitly with --insecure-http ' +
        '(TOGGL_ALLOW_INSECURE_HTTP=1)',
    );
  }
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

function intFromEnv(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  // Plain decimal digits only: Number() also reads '0x10', '1e3', '0b1' and '5.0', none of which a
  // person means as a count of milliseconds.
  const value = /^\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new TwsError('E_CONFIG', `${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
