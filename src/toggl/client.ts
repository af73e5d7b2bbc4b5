import { setTimeout as sleep } from 'node:timers/promises';
import got, { type Method, type Response } from 'got';
import pRetry from 'p-retry';
import { type ApiErrorContext, QuotaError, RateLimitError } from '../errors.js';
import type { ClientConfig } from './config.js';
import { apiMessageFrom, errorForStatus, errorForTransport, headerNumber, isRetryable } from './errors.js';
import { Spacer } from './spacer.js';
import type {
  EventFilterCatalog,
  Subscription,
  SubscriptionInput,
  TogglApi,
  WorkspaceLimits,
} from './types.js';

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

export interface RetryInfo {
  method: string;
  path: string;
  attempt: number;
  retriesLeft: number;
  code: string;
}

export interface ClientHooks {
  onResponse?(info: ResponseInfo): void;
  onRetry?(info: RetryInfo): void;
  /** Aborting cancels waits (spacing, backoff, quota); the request in flight is left to finish. */
  signal?: AbortSignal;
}

interface RequestOptions {
  json?: unknown;
  workspaceId?: number;
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
    this.authorization = `Basic ${Buffer.from(`${config.token}:api_token`).toString('base64')}`;
  }

  async listSubscriptions(workspaceId: number): Promise<Subscription[]> {
    const body = await this.request<unknown>('GET', `/subscriptions/${workspaceId}`, { workspaceId });
    // The Swagger says an array; the prose docs show `items`; an empty workspace may answer null.
    if (Array.isArray(body)) return body as Subscription[];
    if (body && typeof body === 'object') {
      const items = (body as Record<string, unknown>)['items'] ?? (body as Record<string, unknown>)['data'];
      if (Array.isArray(items)) return items as Subscription[];
    }
    return [];
  }

  createSubscription(workspaceId: number, body: SubscriptionInput): Promise<Subscription> {
    return this.request('POST', `/subscriptions/${workspaceId}`, { json: body, workspaceId });
  }

  updateSubscription(
    workspaceId: number,
    subscriptionId: number,
    body: SubscriptionInput,
  ): Promise<Subscription> {
    return this.request('PUT', `/subscriptions/${workspaceId}/${subscriptionId}`, {
      json: body,
      workspaceId,
    });
  }

  setEnabled(workspaceId: number, subscriptionId: number, enabled: boolean): Promise<Subscription> {
    return this.request('PATCH', `/subscriptions/${workspaceId}/${subscriptionId}`, {
      json: { enabled },
      workspaceId,
    });
  }

  async deleteSubscription(workspaceId: number, subscriptionId: number): Promise<void> {
    await this.request('DELETE', `/subscriptions/${workspaceId}/${subscriptionId}`, { workspaceId });
  }

  async ping(workspaceId: number, subscriptionId: number): Promise<{ status?: string }> {
    return (
      (await this.request<{ status?: string }>('POST', `/ping/${workspaceId}/${subscriptionId}`, {
        workspaceId,
      })) ?? {}
    );
  }

  async validate(workspaceId: number, subscriptionId: number, validationCode: string): Promise<void> {
    await this.request(
      'GET',
      `/validate/${workspaceId}/${subscriptionId}/${encodeURIComponent(validationCode)}`,
      {
        workspaceId,
      },
    );
  }

  async eventFilters(): Promise<EventFilterCatalog> {
    return (await this.request<EventFilterCatalog>('GET', '/event_filters')) ?? {};
  }

  limits(workspaceId: number): Promise<WorkspaceLimits> {
    return this.request('GET', `/limits/${workspaceId}`, { workspaceId });
  }

  async status(): Promise<{ status?: string }> {
    return (await this.request<{ status?: string }>('GET', '/status')) ?? {};
  }

  /** One logical request: retried per policy; in `wait` quota mode a 402 sleeps until the quota resets. */
  private async request<T>(method: Method, path: string, opts: RequestOptions = {}): Promise<T> {
    for (;;) {
      try {
        return await this.withRetries<T>(method, path, opts);
      } catch (err) {
        if (!(err instanceof QuotaError) || this.config.quotaMode !== 'wait') throw err;
        const waitMs = Math.min(((err.resetsInSeconds ?? 60) + 1) * 1000, this.config.maxQuotaWaitMs);
        this.hooks.onRetry?.({ method, path, attempt: 0, retriesLeft: 0, code: err.code });
        await sleep(waitMs, undefined, this.hooks.signal ? { signal: this.hooks.signal } : undefined);
      }
    }
  }

  private withRetries<T>(method: Method, path: string, opts: RequestOptions): Promise<T> {
    const started = Date.now();
    const { retries, retryMinMs, retryMaxMs, maxRetryTimeMs } = this.config;
    return pRetry(() => this.attempt<T>(method, path, opts), {
      retries,
      factor: 2,
      minTimeout: retryMinMs,
      maxTimeout: retryMaxMs,
      randomize: true,
      maxRetryTime: maxRetryTimeMs,
      ...(this.hooks.signal ? { signal: this.hooks.signal } : {}),
      shouldRetry: ({ error }) => isRetryable(error),
      onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
        if (!isRetryable(error) || retriesLeft === 0) return;
        this.hooks.onRetry?.({ method, path, attempt: attemptNumber, retriesLeft, code: codeOf(error) });
        // Retry-After is the server telling us exactly how long; p-retry's own backoff comes on top.
        if (error instanceof RateLimitError && error.retryAfterSeconds !== undefined) {
          const budget = maxRetryTimeMs - (Date.now() - started);
          const waitMs = Math.min(error.retryAfterSeconds * 1000, Math.max(0, budget));
          if (waitMs > 0)
            await sleep(waitMs, undefined, this.hooks.signal ? { signal: this.hooks.signal } : undefined);
        }
      },
    });
  }

  private async attempt<T>(method: Method, path: string, opts: RequestOptions): Promise<T> {
    await this.spacer.wait(this.hooks.signal);
    const ctx: ApiErrorContext = { method, path, workspaceId: opts.workspaceId };
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
      this.hooks.onResponse?.({ method, path, status: 0, durationMs: Date.now() - started });
      throw errorForTransport(ctx, err);
    }
    const headers = response.headers;
    this.hooks.onResponse?.({
      method,
      path,
      status: response.statusCode,
      durationMs: Date.now() - started,
      quotaRemaining: headerNumber(headers['x-toggl-quota-remaining']),
      quotaResetsIn: headerNumber(headers['x-toggl-quota-resets-in']),
    });
    const text = typeof response.body === 'string' ? response.body : '';
    if (response.statusCode >= 200 && response.statusCode < 300) return parseBody<T>(text);
    throw errorForStatus({ ...ctx, status: response.statusCode, apiMessage: apiMessageFrom(text) }, headers);
  }
}

function parseBody<T>(text: string): T {
  if (!text.trim()) return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch {
    // e.g. GET /validate answers a bare "OK".
    return text as T;
  }
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? 'E_UNKNOWN';
}
