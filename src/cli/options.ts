import { InvalidArgumentError } from 'commander';
import { OUTPUT_FORMATS, type OutputFormat } from '../output/formats.js';
import { DAY, formatDuration, SECOND } from '../util/timers.js';

/**
 * Option parsers shared by the commands. Each throws commander's InvalidArgumentError, so a bad value
 * ends as `error: option '--output <format>' argument 'yaml' is invalid. ...` with exit code 1.
 */

export type { OutputFormat };

export function parseOutputFormat(value: string): OutputFormat {
  const v = value.trim().toLowerCase();
  // `md` is what people type for markdown; accepting it costs nothing.
  const normalised = v === 'md' ? 'markdown' : v;
  if ((OUTPUT_FORMATS as readonly string[]).includes(normalised)) return normalised as OutputFormat;
  throw new InvalidArgumentError(`expected one of ${OUTPUT_FORMATS.join(', ')}.`);
}

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The levels as help texts list them: every value `parseLogLevel` accepts, no more. */
export const LOG_LEVEL_LIST = `${LOG_LEVELS.slice(0, -1).join(', ')} or ${LOG_LEVELS[LOG_LEVELS.length - 1]}`;

export function parseLogLevel(value: string): LogLevel {
  const v = value.trim().toLowerCase();
  if ((LOG_LEVELS as readonly string[]).includes(v)) return v as LogLevel;
  throw new InvalidArgumentError(`expected one of ${LOG_LEVELS.join(', ')}.`);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;

/**
 * A duration in milliseconds from `500ms`, `30s`, `10m`, `1h`, `1d` or a sum such as `1h30m`.
 * A bare number is refused: `--interval 10` could mean seconds or minutes, and guessing wrong
 * would hammer the API or never reconcile.
 */
export function parseDuration(value: string): number {
  const text = value.trim().toLowerCase();
  const parts = text.match(/\d+(?:\.\d+)?(?:ms|s|m|h|d)/g);
  if (!text || !parts || parts.join('') !== text) {
    throw new InvalidArgumentError(`'${value}' is not a duration; use e.g. 30s, 10m, 1h or 1h30m.`);
  }
  let ms = 0;
  for (const part of parts) {
    const m = DURATION.exec(part);
    if (!m) throw new InvalidArgumentError(`'${value}' is not a duration; use e.g. 30s, 10m, 1h or 1h30m.`);
    ms += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return Math.round(ms);
}

/** `parseDuration` that also refuses zero, for intervals and debounce times. */
export function parsePositiveDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms <= 0) throw new InvalidArgumentError(`'${value}' must be longer than zero.`);
  return ms;
}

/**
 * A duration parser that refuses values outside [min, max]. Every duration option has one: Node
 * cannot arm a timer past 24.8 days (it fires after 1 ms instead), and a tiny interval spends the
 * API quota in minutes. The ranges are listed in docs/limits-and-budgets.md.
 */
export function durationBetween(minMs: number, maxMs: number): (value: string) => number {
  return (value) => {
    const ms = parseDuration(value);
    if (ms < minMs || ms > maxMs) {
      throw new InvalidArgumentError(
        `'${value}' is out of range: use a duration from ${formatDuration(minMs)} to ${formatDuration(maxMs)}.`,
      );
    }
    return ms;
  };
}

/** `daemon --interval`: at least a second, at most a week. */
export const INTERVAL_RANGE = { minMs: SECOND, maxMs: 7 * DAY } as const;
export const parseInterval = durationBetween(INTERVAL_RANGE.minMs, INTERVAL_RANGE.maxMs);

/** An http(s) URL, e.g. for `--api-url`; trailing slashes are dropped so paths join cleanly. */
export function parseHttpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('expected an http(s) URL.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('expected an http(s) URL.');
  }
  return value.replace(/\/+$/, '');
}

/** A plan hash as printed by `plan` (64 hex digits); case and surrounding space are forgiven. */
export function parsePlanHash(value: string): string {
  const v = value.trim().toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(v)) {
    throw new InvalidArgumentError('expected the 64-hex-digit plan hash printed by plan (Plan hash: ...).');
  }
  return v;
}

/**
 * `daemon --quota-share`: the share of the API quota periodic reconciles may spend, a fraction in
 * (0, 1] or a percentage (`25%`). Out of range is refused rather than clamped: 0 would never reconcile.
 * Plain decimals only, as for every number the tool reads: Number() would also take `0x1` (all of the
 * quota), `0b1` and `1e-1`, none of which a person means as a share.
 */
export function parseQuotaShare(value: string): number {
  const text = value.trim();
  const m = /^(\d+(?:\.\d+)?|\.\d+)(%?)$/.exec(text);
  const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
  if (!Number.isFinite(n) || n <= 0 || n > 1) {
    throw new InvalidArgumentError(
      `'${value}' is not a share: use a fraction in (0, 1] such as 0.25, or 25%.`,
    );
  }
  return n;
}

/**
 * commander's error for an invalid option argument quotes it (`argument 'http://u:pw@…' is invalid`);
 * an `--api-url` argument may carry a credential, so its text is replaced by its length, as the
 * environment variable's is (docs/secrets.md).
 */
export function hideUrlArgument(message: string): string {
  return message.replace(
    /(option '--api-url <url>' argument )'([\s\S]*)'( is invalid)/,
    (_all, before: string, value: string, after: string) =>
      `${before}(a ${value.length}-character value, not shown: it may carry a credential)${after}`,
  );
}
