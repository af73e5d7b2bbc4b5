import type { IncomingHttpHeaders } from 'node:http';

/**
 * The longest X-Toggl-Quota-Resets-In the tool believes, in seconds. Toggl's quota is a sliding window
 * of one hour (docs/limits-and-budgets.md, "API quota"), so no window resets later than that; a larger
 * value (a bug, a proxy, a hostile server) would otherwise hold the daemon's periodic reconciles, or a
 * quota wait, for years.
 */
export const MAX_QUOTA_RESETS_IN_SECONDS = 3600;

/** What an answer says about the organization's request quota (the docs' X-Toggl-Quota-* headers). */
export interface QuotaReading {
  /** Requests left in the current window. */
  remaining?: number | undefined;
  /** Seconds until the window resets, at most MAX_QUOTA_RESETS_IN_SECONDS. */
  resetsIn?: number | undefined;
  /** Why a quota header was not taken as sent (ignored or clamped), for one warning; else undefined. */
  problem?: string | undefined;
}

const PLAIN_NUMBER = /^\s*\d+(?:\.\d+)?\s*$/;

/** A non-negative decimal number from a header such as X-Toggl-Quota-Remaining; undefined when absent or not one. */
export function headerNumber(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || !PLAIN_NUMBER.test(raw)) return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * X-Toggl-Quota-Resets-In, bounded: a plain non-negative number of seconds up to an hour is taken as
 * sent; a larger one is read as one hour; anything else (negative, not a number, `Infinity`, hex,
 * exponents) is ignored. Both say why in `problem`.
 */
export function quotaResetsIn(value: string | string[] | undefined): { seconds?: number; problem?: string } {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return {};
  const shown = JSON.stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw);
  // Digits only, so 400 nines (Infinity to Number) are "too long", not "not a number".
  const n = PLAIN_NUMBER.test(raw) ? Number(raw) : undefined;
  if (n === undefined) {
    return { problem: `X-Toggl-Quota-Resets-In ${shown} is not a number of seconds; ignored` };
  }
  if (n > MAX_QUOTA_RESETS_IN_SECONDS) {
    return {
      seconds: MAX_QUOTA_RESETS_IN_SECONDS,
      problem:
        `X-Toggl-Quota-Resets-In ${shown} is longer than the one-hour quota window; read as ` +
        `${MAX_QUOTA_RESETS_IN_SECONDS} seconds`,
    };
  }
  return { seconds: n };
}

/** The quota headers of one answer, whatever its status (a 402 carries them too). */
export function readQuota(headers: IncomingHttpHeaders): QuotaReading {
  const resets = quotaResetsIn(headers['x-toggl-quota-resets-in']);
  return {
    remaining: headerNumber(headers['x-toggl-quota-remaining']),
    resetsIn: resets.seconds,
    problem: resets.problem,
  };
}
