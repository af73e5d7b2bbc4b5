/** The smallest documented organization quota: Free plan, 30 requests per hour per user per org. */
export const FREE_PLAN_REQUESTS_PER_HOUR = 30;

/**
 * Requests per hour the periodic reconciles alone cost: one GET per declared workspace per interval.
 * Applied changes and file-triggered reconciles come on top.
 */
export function periodicRequestsPerHour(intervalMs: number, workspaces: number): number {
  if (intervalMs <= 0) return Number.POSITIVE_INFINITY;
  return (3_600_000 / intervalMs) * workspaces;
}

/** A warning when the periodic reconciles alone would use up the Free plan's quota, else undefined. */
export function quotaWarning(intervalMs: number, workspaces: number): string | undefined {
  const perHour = periodicRequestsPerHour(intervalMs, workspaces);
  if (perHour <= FREE_PLAN_REQUESTS_PER_HOUR) return undefined;
  const rounded = Math.round(perHour * 10) / 10;
  return (
    `the interval costs ${rounded} requests/hour (1 GET per workspace per interval, ${workspaces} ` +
    `workspace${workspaces === 1 ? '' : 's'}), over the Free plan quota of ${FREE_PLAN_REQUESTS_PER_HOUR} ` +
    'requests/hour per user per organization; on a Free plan raise --interval or the API will answer 402'
  );
}
