import type { IncomingHttpHeaders } from 'node:http';

/** What an answer says about the organization's request quota (the docs' X-Toggl-Quota-* headers). */
export interface QuotaReading {
  /** Requests left in the current window. */
  remaining?: number | undefined;
  /** Seconds until the window resets. */
  resetsIn?: number | undefined;
}

/** A non-negative number from a header such as X-Toggl-Quota-Resets-In; undefined when absent or not one. */
export function headerNumber(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/** The quota headers of one answer, whatever its status (a 402 carries them too). */
export function readQuota(headers: IncomingHttpHeaders): QuotaReading {
  return {
    remaining: headerNumber(headers['x-toggl-quota-remaining']),
    resetsIn: headerNumber(headers['x-toggl-quota-resets-in']),
  };
}
