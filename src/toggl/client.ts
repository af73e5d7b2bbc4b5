import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Method, type Response } from 'got';
import pRetry from 'p-retry';
import { ApiError, type ApiErrorContext, QuotaError } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import type { ClientConfig } from './config.js';
import {
  apiMessageFrom,
  errorForStatus,
  errorForTransport,
  headerNumber,
  isRetryable,
  retryAfterOf,
} from './errors.js';
import { Spacer } from './spacer.js';
import type {
  EventFilterCatalog,
  Subscription,
  SubscriptionInput,
  TogglApi,
  WorkspaceLimits,
} from './types.js';

export { isRetryable } from './errors.js';

/** What the client reports after every attempt (the daemon turns it into metrics). */
export interface ResponseInfo {
  method: string;
  /** Path below the base URL, e.g. `/subscriptions/123`; never carries credentials. */
  path: string;
  /** HTTP status, or 0 when no answer arrived (network error, timeout). */
  status: number;
  durationMs: number;
  quotaRemaining?: number | undefined;
  quotaResetsIn?: number | undefined;
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
}

type Expect = 'json' | 'any';

interface RequestOptions {
  json?: unknown;
  workspaceId?: number;
  /** `json`: a 2xx body that is not JSON is an error (reads must not be guessed). `any`: keep the text. */
  expect?: Expect;
  /** Path for errors, logs and metrics when the real one carries something sensitive. */
  displayPath?: string;
}

/**
 * The Toggl Webhooks API v1 client. got does HTTP (its own retry is off); p-retry is the single retry
 * policy: 5xx, 429 and network errors with exponential backoff and jitter, Retry-After honoured, a
 * bounded total time; other 4xx are final. Errors never carry the token or a request body.
 */
export class TogglClient implements TogglApi {
  private readonly spacer: Spacer;
  private readonly authorization: string;

  constructor(
    private readonly config: ClientConfig,
    private readonly hooks: ClientHooks = {},
  ) {
    this.spacer = new Spacer(config.requestSpacingMs);
    const basic = Buffer.from(`${config.token}:api_token`).toString('base64');
    registerSecret(config.token);
    registerSecret(basic);
    this.authorization = `Basic ${basic}`;
  }

  async listSubscriptions(workspaceId: number): Promise<Subscription[]> {
    const path = `/subscriptions/${workspaceId}`;
    const body = await this.request<unknown>('GET', path, { workspaceId });
    return subscriptionList(body, { method: 'GET', path, workspaceId, status: 200 });
  }

  async createSubscription(workspaceId: number, body: SubscriptionInput): Promise<Subscription> {
    registerSecret(body.secret);
    return subscriptionAnswer(
      await this.request('POST', `/subscriptions/${workspaceId}`, { json: body, workspaceId, expect: 'any' }),
    );
  }

  async updateSubscription(
    workspaceId: number,
    subscriptionId: number,
    body: SubscriptionInput,
  ): Promise<Subscription> {
    registerSecret(body.secret);
    return subscriptionAnswer(
      await this.request('PUT', `/subscriptions/${workspaceId}/${subscriptionId}`, {
        json: body,
        workspaceId,
        expect: 'any',
      }),
    );
  }

  async setEnabled(workspaceId: number, subscriptionId: number, enabled: boolean): Promise<Subscription> {
    return subscriptionAnswer(
      await this.request('PATCH', `/subscriptions/${workspaceId}/${subscriptionId}`, {
        json: { enabled },
        workspaceId,
        expect: 'any',
      }),
    );
  }

  async deleteSubscription(workspaceId: number, subscriptionId: number): Promise<void> {
    await this.request('DELETE', `/subscriptions/${workspaceId}/${subscriptionId}`, {
      workspaceId,
      expect: 'any',
    });
  }

  async ping(workspaceId: number, subscriptionId: number): Promise<{ status?: string }> {
    const body = await this.request<unknown>('POST', `/ping/${workspaceId}/${subscriptionId}`, {
      workspaceId,
      expect: 'any',
    });
    return isObject(body) ? (body as { status?: string }) : {};
  }

  async validate(workspaceId: number, subscriptionId: number, validationCode: string): Promise<void> {
    // The code is a credential of sorts (it validates the subscription): it stays out of errors and logs.
    registerSecret(validationCode);
    await this.request(
      'GET',
      `/validate/${workspaceId}/${subscriptionId}/${encodeURIComponent(validationCode)}`,
      { workspaceId, expect: 'any', displayPath: `/validate/${workspaceId}/${subscriptionId}/…` },
    );
  }

  async eventFilters(): Promise<EventFilterCatalog> {
    const body = await this.request<unknown>('GET', '/event_filters');
    if (body === undefined || body === null) return {};
    if (!isObject(body))
      throw unexpected({ method: 'GET', path: '/event_filters', status: 200 }, 'an object');
    return body as EventFilterCatalog;
  }

  async limits(workspaceId: number): Promise<WorkspaceLimits> {
    const path = `/limits/${workspaceId}`;
    const body = await this.request<unknown>('GET', path, { workspaceId });
    if (!isObject(body)) throw unexpected({ method: 'GET', path, workspaceId, status: 200 }, 'an object');
    return body as unknown as WorkspaceLimits;
  }

  async status(): Promise<{ status?: string }> {
    const body = await this.request<unknown>('GET', '/status', { expect: 'any' });
    return isObject(body) ? (body as { status?: string }) : {};
  }

  /** One logical request: retried per policy; in `wait` quota mode a 402 sleeps until the quota resets. */
  private async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    const shown = opts.displayPath ?? path;
    for (;;) {
      try {
        return await this.withRetries<T>(method, path, opts);
      } catch (err) {
        // Without X-Toggl-Quota-Resets-In a 402 is not a quota window (the docs also use 402 for a
        // feature the plan lacks): waiting would never end, so it fails like any other 4xx.
        if (!(err instanceof QuotaError) || this.config.quotaMode !== 'wait') throw err;
        if (err.resetsInSeconds === undefined) throw err;
        const delayMs = Math.min((err.resetsInSeconds + 1) * 1000, this.config.maxQuotaWaitMs);
        this.report(() =>
          this.hooks.onRetry?.({
            method,
            path: shown,
            attempt: 0,
            retriesLeft: 0,
            delayMs,
            code: err.code,
            reason: err.message,
          }),
        );
        await this.pause(delayMs, err);
      }
    }
  }

  private withRetries<T>(method: Method, path: string, opts: RequestOptions): Promise<T> {
    const started = performance.now();
    const { retries, maxRetryTimeMs } = this.config;
    const shown = opts.displayPath ?? path;
    return pRetry(() => this.attempt<T>(method, path, opts), {
      retries,
      // The waits are ours (below): p-retry's would ignore Retry-After, and its abort signal throws away
      // an answer that already arrived, so a change the API applied would be reported as failed.
      minTimeout: 0,
      maxTimeout: 0,
      randomize: false,
      maxRetryTime: maxRetryTimeMs,
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!isRetryable(error) || retriesLeft === 0) return;
        const delayMs = this.retryDelay(error, attemptNumber);
        // Sleeping past the budget only to give up afterwards helps nobody: fail now, with the real error.
        if (delayMs >= maxRetryTimeMs - (performance.now() - started)) throw error;
        this.report(() =>
          this.hooks.onRetry?.({
            method,
            path: shown,
            attempt: attemptNumber,
            retriesLeft,
            delayMs,
            code: codeOf(error),
            reason: error.message,
          }),
        );
        await this.pause(delayMs, error);
      },
    });
  }

  /**
   * Exponential backoff with equal jitter (half fixed, half random, so clients sharing a token spread
   * out), never shorter than the server's Retry-After.
   */
  private retryDelay(error: unknown, attemptNumber: number): number {
    const { retryMinMs, retryMaxMs } = this.config;
    const exp = Math.min(retryMaxMs, retryMinMs * 2 ** (attemptNumber - 1));
    const backoff = Math.round(exp / 2 + (Math.random() * exp) / 2);
    const retryAfter = retryAfterOf(error);
    return retryAfter === undefined ? backoff : Math.max(backoff, retryAfter * 1000);
  }

  /**
   * Runs an observer hook. A failing metric or log call must not turn an answer into an error: a
   * create the API made would then be reported as failed (and retried into "already in use").
   */
  private report(hook: () => void): void {
    try {
      hook();
    } catch {
      // Observers are best effort.
    }
  }

  /** A wait the abort signal cuts short; `reason` is thrown then (the failure we were waiting out). */
  private async pause(ms: number, reason: unknown): Promise<void> {
    const signal = this.hooks.signal;
    if (signal?.aborted) throw reason;
    try {
      await sleep(ms, undefined, signal ? { signal } : undefined);
    } catch (err) {
      if (signal?.aborted) throw reason;
      throw err;
    }
  }

  private async attempt<T>(method: Method, path: string, opts: RequestOptions): Promise<T> {
    const signal = this.hooks.signal;
    const shown = opts.displayPath ?? path;
    if (signal?.aborted) throw abortReason(signal);
    await this.spacer.wait(signal);
    // The spacing wait may end just as the signal fires: still no new request after a stop.
    if (signal?.aborted) throw abortReason(signal);
    const ctx: ApiErrorContext = { method, path: shown, workspaceId: opts.workspaceId };
    const started = Date.now();
    let response: Response<string>;
    try {
      response = await got(`${this.config.apiUrl}${path}`, {
        method,
        headers: {
          authorization: this.authorization,
          'user-agent': this.config.userAgent,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        ...(opts.json === undefined ? {} : { body: JSON.stringify(opts.json) }),
        throwHttpErrors: false,
        followRedirect: false,
        retry: { limit: 0 },
        timeout: { request: this.config.timeoutMs },
        responseType: 'text',
      });
    } catch (err) {
      const durationMs = Date.now() - started;
      this.report(() => this.hooks.onResponse?.({ method, path: shown, status: 0, durationMs }));
      // got's error is dropped here: its options hold the Authorization header.
      const wrapped = errorForTransport(ctx, err);
      this.report(() =>
        this.hooks.logger?.debug(
          { method, path: shown, code: wrapped.code, durationMs },
          'API request failed',
        ),
      );
      throw wrapped;
    }
    const headers = response.headers;
    const info: ResponseInfo = {
      method,
      path: shown,
      status: response.statusCode,
      durationMs: Date.now() - started,
      quotaRemaining: headerNumber(headers['x-toggl-quota-remaining']),
      quotaResetsIn: headerNumber(headers['x-toggl-quota-resets-in']),
    };
    this.report(() => this.hooks.onResponse?.(info));
    this.report(() => this.hooks.logger?.debug({ ...info }, 'API request'));
    const text = typeof response.body === 'string' ? response.body : '';
    if (response.statusCode >= 200 && response.statusCode < 300) {
      return parseBody<T>(text, opts.expect ?? 'json', { ...ctx, status: response.statusCode });
    }
    throw errorForStatus({ ...ctx, status: response.statusCode, apiMessage: apiMessageFrom(text) }, headers);
  }
}

function parseBody<T>(text: string, expect: Expect, ctx: ApiErrorContext): T {
  if (!text.trim()) return undefined as T;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // e.g. GET /validate may answer a bare OK; a read that is not JSON (a proxy's HTML page) is an error.
    if (expect === 'any') return text as T;
    throw unexpected(ctx, 'JSON');
  }
  registerAnswerSecrets(parsed);
  return parsed as T;
}

/**
 * The live list. The Swagger says an array, the prose docs an object with `items`, and an empty
 * workspace may answer null. Anything else is refused rather than read as "no subscriptions": a
 * misread live state would plan creates (or, worse, miss deletes) for the wrong reason.
 */
function isDeletedAt(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > Date.UTC(2000, 0, 1);
}

function subscriptionList(body: unknown, ctx: ApiErrorContext): Subscription[] {
  if (body === undefined || body === null) return [];
  let items: unknown = body;
  if (!Array.isArray(body) && isObject(body)) {
    const obj = body as Record<string, unknown>;
    items = 'items' in obj ? obj['items'] : obj['data'];
    if (items === null) return [];
  }
  if (!Array.isArray(items)) throw unexpected(ctx, 'a list of subscriptions');
  const out: Subscription[] = [];
  for (const item of items) {
    const s = isObject(item) ? ({ ...(item as object) } as Record<string, unknown>) : undefined;
    // Ids are integers in the Swagger; an implementation that sends them as digit strings is still clear.
    for (const key of ['subscription_id', 'workspace_id'] as const) {
      if (s && typeof s[key] === 'string' && /^\d+$/.test(s[key] as string)) s[key] = Number(s[key]);
    }
    if (!s || typeof s['subscription_id'] !== 'number' || typeof s['description'] !== 'string') {
      throw unexpected(ctx, 'subscriptions with subscription_id and description');
    }
    // A soft-deleted subscription (a real deleted_at time) no longer exists for planning purposes. A Go
    // zero time ("0001-01-01T00:00:00Z") or an empty value means "not deleted".
    if (isDeletedAt(s['deleted_at'])) continue;
    out.push(s as unknown as Subscription);
  }
  return out;
}

/**
 * The answer to a change. The change is made once the API said 2xx, so an odd body is not an error;
 * the caller treats a missing object as "applied, state unknown" (reconcile's `if (after)`).
 */
function subscriptionAnswer(body: unknown): Subscription {
  return (isObject(body) ? body : undefined) as Subscription;
}

function unexpected(ctx: ApiErrorContext, wanted: string): ApiError {
  return new ApiError('E_API', ctx, `unexpected answer from the API (expected ${wanted})`);
}

/** Live secrets are registered as they arrive, so no later log line or error can show one. */
function registerAnswerSecrets(body: unknown): void {
  const list = Array.isArray(body)
    ? body
    : isObject(body) && Array.isArray((body as { items?: unknown }).items)
      ? (body as { items: unknown[] }).items
      : [body];
  for (const item of list) {
    if (isObject(item)) {
      const secret = (item as { secret?: unknown }).secret;
      if (typeof secret === 'string') registerSecret(secret);
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? 'E_UNKNOWN';
}
