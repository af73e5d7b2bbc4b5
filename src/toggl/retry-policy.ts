import { NetworkError, QuotaError, RateLimitError, ServerError, TimeoutError } from '../errors.js';
import type { ClientConfig } from './config.js';
import { retryAfterOf } from './errors.js';

/** The settings the retry policy reads; all of them come from `ClientConfig` (src/toggl/config.ts). */
export type RetrySettings = Pick<
  ClientConfig,
  'retries' | 'retryMinMs' | 'retryMaxMs' | 'maxRetryTimeMs' | 'quotaMode' | 'maxQuotaWaitMs'
> &
  Partial<Pick<ClientConfig, 'connectRetries'>>;

/** The connection itself failed: nothing listens there, or the name does not resolve. */
const CONNECT_FAILURES = /\((ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\)/;

export interface RetryInput {
  /** The attempt that just failed, from 1 (counted since the last quota wait). */
  attempt: number;
  error: unknown;
  /** A number in [0, 1): the jitter draw, passed in so the policy stays a pure function. */
  random: number;
  /** Time spent on this request since its first attempt (or the last quota wait). */
  elapsedMs: number;
  settings: RetrySettings;
  /** Quota waits this request has already made (0 before the first). */
  quotaWaits?: number;
}

/**
 * The shortest quota wait is twice the longest backoff (`TOGGL_RETRY_MAX_MS`, 30 s by default: a
 * minute), doubled at each further 402 of the same request. A 402 that says the window resets in 0 or
 * 1 seconds, again and again, was otherwise asked every second: 70 requests in 70 seconds against a
 * quota of 30 an hour (docs/limits-and-budgets.md, "API quota").
 */
function quotaWaitFloorMs(settings: RetrySettings, quotaWaits: number): number {
  return 2 * settings.retryMaxMs * 2 ** Math.min(quotaWaits, 16);
}

/** Wait `delayMs`, then try again. */
export interface RetryStep {
  delayMs: number;
  /** Retries still allowed after this one's failure (0 for a quota wait). */
  retriesLeft: number;
  /**
   * A 402 waited out until the quota window resets (quota mode `wait`): a new window, so the
   * attempt count and the retry-time budget start again afterwards.
   */
  quotaWait: boolean;
}

/** Whether another attempt may succeed: 5xx, 429, network failures and timeouts. Never other 4xx. */
export function isRetryable(err: unknown): boolean {
  return (
    err instanceof ServerError ||
    err instanceof RateLimitError ||
    err instanceof NetworkError ||
    err instanceof TimeoutError
  );
}

/**
 * The client's only retry decision (as got's calculate-retry-delay): after a failed attempt, how long
 * to wait before the next one, or `undefined` to give up with that failure.
 *
 * - 5xx, 429, network errors and timeouts: exponential backoff with equal jitter (half fixed, half
 *   random, so clients sharing a token spread out), never shorter than the server's Retry-After (a 429,
 *   or a 503 that sends one), at most `retries` times, and never past `maxRetryTimeMs` in total:
 *   sleeping past the budget only to give up afterwards helps nobody, so the real error comes at once.
 * - 402 in quota mode `wait` with X-Toggl-Quota-Resets-In: wait for the reset (bounded by
 *   `maxQuotaWaitMs`). Without that header a 402 is not a quota window (the docs also use 402 for a
 *   feature the plan lacks): waiting would never end, so it is final like any other 4xx.
 * - Anything else (other 4xx including 410, a redirect, a malformed answer, an abort): final.
 */
export function nextDelay({
  attempt,
  error,
  random,
  elapsedMs,
  settings,
  quotaWaits = 0,
}: RetryInput): RetryStep | undefined {
  if (error instanceof QuotaError) {
    if (settings.quotaMode !== 'wait' || error.resetsInSeconds === undefined) return undefined;
    const floor = quotaWaitFloorMs(settings, quotaWaits);
    const delayMs = Math.min(Math.max((error.resetsInSeconds + 1) * 1000, floor), settings.maxQuotaWaitMs);
    return { delayMs, retriesLeft: 0, quotaWait: true };
  }
  if (!isRetryable(error)) return undefined;
  const connectRetries = settings.connectRetries ?? settings.retries;
  if (error instanceof NetworkError && CONNECT_FAILURES.test(error.message) && attempt > connectRetries) {
    return undefined;
  }
  const retriesLeft = settings.retries - (attempt - 1);
  if (retriesLeft <= 0) return undefined;
  const exp = Math.min(settings.retryMaxMs, settings.retryMinMs * 2 ** (attempt - 1));
  const backoff = Math.round(exp / 2 + (random * exp) / 2);
  const retryAfter = retryAfterOf(error);
  const delayMs = retryAfter === undefined ? backoff : Math.max(backoff, retryAfter * 1000);
  if (delayMs >= settings.maxRetryTimeMs - elapsedMs) return undefined;
  return { delayMs, retriesLeft, quotaWait: false };
}
