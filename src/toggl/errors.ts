import {
  ApiError,
  type ApiErrorContext,
  AuthError,
  GoneError,
  NetworkError,
  NotFoundError,
  QuotaError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../errors.js';
import { quotaResetsIn } from './quota.js';

/** The API's own message from an error body: a JSON string (per the Swagger), an object, or plain text. */
export function apiMessageFrom(body: string): string | undefined {
  const text = body.trim();
  if (!text) return undefined;
  let message: string = text;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'string') message = parsed;
    else if (parsed && typeof parsed === 'object') {
      const obj = parsed as Record<string, unknown>;
      const candidate = obj['message'] ?? obj['error'] ?? obj['error_message'];
      if (typeof candidate === 'string') message = candidate;
    }
  } catch {
    // Plain text is a valid answer too.
  }
  // An HTML error page from a proxy is not a message for a person; keep it short either way.
  message = message.replace(/\s+/g, ' ').trim();
  // Not scrubbed here: the outputs scrub text from outside with the run's secrets (docs/secrets.md),
  // and the cut end is masked there too.
  return message.length > 500 ? `${message.slice(0, 500)}…` : message;
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date); undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (!value?.trim()) return undefined;
  // A number is delay-seconds, never a date (Date.parse reads "-5" as the year -5).
  if (/^[\s\d.+-]+$/.test(value)) {
    const seconds = Number(value);
    return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  }
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}

/** Retry-After of a retryable answer (429, or a 503 that sends one), kept beside the error it came with. */
const retryAfterByError = new WeakMap<object, number>();

/** Seconds the server asked us to wait before the next attempt, when it said so. */
export function retryAfterOf(err: unknown): number | undefined {
  if (err instanceof RateLimitError && err.retryAfterSeconds !== undefined) return err.retryAfterSeconds;
  return typeof err === 'object' && err !== null ? retryAfterByError.get(err) : undefined;
}

/** Maps an HTTP error status to the error hierarchy (src/errors.ts). */
export function errorForStatus(
  ctx: ApiErrorContext,
  headers: Record<string, string | string[] | undefined>,
  apiUrl?: string,
): ApiError {
  const status = ctx.status ?? 0;
  const ra = headers['retry-after'];
  const retryAfter = parseRetryAfter(Array.isArray(ra) ? ra[0] : ra);
  if (status === 400) return new ValidationError(ctx);
  if (status === 401 || status === 403) return new AuthError(ctx);
  if (status === 402) return new QuotaError(ctx, quotaResetsIn(headers['x-toggl-quota-resets-in']).seconds);
  if (status === 404) return new NotFoundError(withBaseUrlHint(ctx, apiUrl));
  if (status === 410) return new GoneError(ctx);
  if (status === 429) return new RateLimitError(ctx, retryAfter);
  if (status >= 500) {
    const err = new ServerError(ctx);
    if (retryAfter !== undefined) retryAfterByError.set(err, retryAfter);
    return err;
  }
  // 3xx (redirects are not followed: they could carry the Authorization header elsewhere) and other 4xx.
  return new ApiError('E_API', ctx, status < 400 ? 'redirect not followed' : undefined);
}

/**
 * A 404 from a base URL that is not the Webhooks API's (a host alone, or the Track API's /api/v9) says
 * nothing useful by itself ("404 page not found"): name the likely cause. The URL itself is not
 * repeated (it may carry credentials); only whether its path is the documented one.
 */
function withBaseUrlHint(ctx: ApiErrorContext, apiUrl: string | undefined): ApiErrorContext {
  if (apiUrl === undefined) return ctx;
  let path: string;
  try {
    path = new URL(apiUrl).pathname.replace(/\/+$/, '');
  } catch {
    return ctx;
  }
  if (path.endsWith('/webhooks/api/v1')) return ctx;
  const hint =
    'hint: the API base URL (TOGGL_API_URL or --api-url) should end in /webhooks/api/v1, e.g. https://api.track.toggl.com/webhooks/api/v1';
  return { ...ctx, apiMessage: `${ctx.apiMessage ?? 'not found'} (${hint})` };
}

/** Maps a transport failure (no HTTP answer) to NetworkError or TimeoutError, dropping got's options. */
export function errorForTransport(
  ctx: ApiErrorContext,
  err: unknown,
  own: { scrub(text: string): string } = { scrub: (t) => t },
): ApiError {
  const e = err as { code?: string; name?: string; message?: string };
  if (e.name === 'TimeoutError' || e.code === 'ETIMEDOUT') {
    return new TimeoutError(ctx, 'no answer within the request timeout');
  }
  // Only the code and a scrubbed message survive: got's error objects carry request options,
  // including the Authorization header, and must never be rethrown or logged as they are.
  const reason = e.code ?? e.name ?? 'network error';
  const detail = e.message ? `: ${own.scrub(e.message)}` : '';
  return new NetworkError(ctx, `network error (${reason})${detail}`);
}
