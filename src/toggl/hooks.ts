/** What the client tells its caller while it works: metrics, retry warnings, debug lines, a stop. */

/** What the client reports after every attempt (the daemon turns it into metrics). */
export interface ResponseInfo {
  method: string;
  /** Path below the base URL, e.g. `/subscriptions/123`; never carries credentials. */
  path: string;
  /** HTTP status, or 0 when no answer arrived (network error, timeout). */
  status: number;
  durationMs: number;
  quotaRemaining?: number | undefined;
  /** Seconds, at most an hour (src/toggl/quota.ts). */
  quotaResetsIn?: number | undefined;
  /** A quota header that was ignored or clamped, and why: worth a warning (src/toggl/quota.ts). */
  quotaProblem?: string | undefined;
}

/** A failed attempt about to be retried, or a 402 being waited out (`attempt` 0, quota mode `wait`). */
export interface RetryInfo {
  method: string;
  path: string;
  /** The attempt that failed, from 1; 0 for a quota wait. */
  attempt: number;
  retriesLeft: number;
  /** How long the client waits before the next attempt. */
  delayMs: number;
  /** Stable code of the failure: E_API_SERVER, E_API_RATE_LIMITED, E_NETWORK, E_TIMEOUT, E_API_QUOTA. */
  code: string;
  /** The failure's message (method, path, status, the API's message; never a credential). */
  reason: string;
}

/** The pino methods the client uses; any pino logger fits. */
export interface ClientLogger {
  debug(obj: object, msg: string): void;
}

export interface ClientHooks {
  onResponse?(info: ResponseInfo): void;
  onRetry?(info: RetryInfo): void;
  /** Gets one debug line per attempt (method, path, status, duration). */
  logger?: ClientLogger;
  /**
   * Aborting cancels the client's waits (request spacing, backoff, Retry-After, a quota reset) and
   * makes no further attempt. An answer already on its way is never thrown away: a change the API
   * applied is reported as applied.
   */
  signal?: AbortSignal;
  /**
   * A token the client starts sending (the first one, and each one TOGGL_API_TOKEN_FILE rotates in), so
   * the run's secrets know it before any output could echo it (docs/secrets.md).
   */
  onToken?(token: string): void;
}
