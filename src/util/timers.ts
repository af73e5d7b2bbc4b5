/**
 * Node arms a timer above 2^31-1 ms (about 24.8 days) as a 1 ms timer, with only a warning: a
 * "reconcile every 30 days" would then reconcile in a tight loop. Every duration the user can set is
 * bounded well below this (docs/limits-and-budgets.md lists each range), and every computed wait
 * goes through `boundedDelay` as a last line of defence.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** A computed wait, made safe to hand to setTimeout: finite, not negative, within Node's limit. */
export function boundedDelay(ms: number): number {
  if (!Number.isFinite(ms)) return ms > 0 ? MAX_TIMER_MS : 0;
  return Math.min(Math.max(0, Math.round(ms)), MAX_TIMER_MS);
}

/** `90000` as `1m30s`, for messages about duration ranges. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
    ['s', SECOND],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest}ms`);
  return parts.join('');
}

/**
 * Milliseconds on a monotonic clock, for elapsed times. Not `performance.now()`: on first use that
 * loads Node's perf_hooks (eight internal modules on Node 20), which a one-shot run pays at start-up.
 */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}
