import { readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Method } from 'got';
import { ApiError, type ApiErrorContext, AuthError } from '../errors.js';
import { SecretSet } from '../sensitive/secret-set.js';
import { monotonicMs } from '../util/timers.js';
import type { ClientConfig } from './config.js';
import {
  type Expect,
  eventFilterCatalog,
  parseBody,
  statusAnswer,
  subscriptionAnswer,
  subscriptionList,
  workspaceLimits,
} from './decode.js';
import { apiMessageFrom, errorForStatus, errorForTransport } from './errors.js';
import type { ClientHooks, ResponseInfo } from './hooks.js';
import { readQuota } from './quota.js';
import { nextDelay } from './retry-policy.js';
import { MAX_ANSWER_BYTES, Transport } from './transport.js';
import type {
  EventFilterCatalog,
  Subscription,
  SubscriptionInput,
  TogglApi,
  WorkspaceLimits,
} from './types.js';

export type { ClientHooks, ClientLogger, ResponseInfo, RetryInfo } from './hooks.js';
export { isRetryable } from './retry-policy.js';

interface RequestOptions {
  json?: unknown;
  workspaceId?: number;
  /** How a 2xx body is read (src/toggl/decode.ts). */
  expect?: Expect;
  /** Path for errors, logs and metrics when the real one carries something sensitive. */
  displayPath?: string;
  /** Sensitive values this request sends (a body's secret, a validation code), kept out of its errors. */
  sends?: Array<string | undefined>;
}

/**
 * The Toggl Webhooks API v1 client: the API's operations over one request loop. The parts are apart,
 * as got splits them: `transport.ts` sends one attempt (got, spacing, timeout, no redirects),
 * `retry-policy.ts` decides alone whether and when to try again (backoff, Retry-After, retry budget,
 * quota waits), `decode.ts` reads answers, `quota.ts` reads the quota headers. Errors never carry the
 * token or a request body.
 */
export class TogglClient implements TogglApi {
  private readonly transport: Transport;
  private readonly tokenFile: TokenFile | undefined;
  /** Every token this client has sent: an echo of an old one after a rotation is still kept out of errors. */
  private readonly tokensSent: string[];

  constructor(
    private readonly config: ClientConfig,
    private readonly hooks: ClientHooks = {},
  ) {
    this.transport = new Transport(config);
    this.tokensSent = [config.token];
    this.report(() => hooks.onToken?.(config.token));
    this.tokenFile = config.tokenFile ? new TokenFile(config.tokenFile, config.token) : undefined;
  }

  /** Sends a token read anew from TOGGL_API_TOKEN_FILE from now on; true when it changed. */
  private refreshToken(force: boolean): boolean {
    const next = this.tokenFile?.read(force);
    if (next === undefined) return false;
    this.tokensSent.push(next);
    this.report(() => this.hooks.onToken?.(next));
    this.transport.setToken(next);
    return true;
  }

  async listSubscriptions(workspaceId: number): Promise<Subscription[]> {
    const path = `/subscriptions/${workspaceId}`;
    const body = await this.request('GET', path, { workspaceId });
    return subscriptionList(body, { method: 'GET', path, workspaceId, status: 200 });
  }

  async createSubscription(workspaceId: number, body: SubscriptionInput): Promise<Subscription> {
    return subscriptionAnswer(
      await this.request('POST', `/subscriptions/${workspaceId}`, {
        json: body,
        workspaceId,
        expect: 'any',
        sends: [body.secret],
      }),
      { workspaceId, description: body.description },
    );
  }

  async updateSubscription(
    workspaceId: number,
    subscriptionId: number,
    body: SubscriptionInput,
  ): Promise<Subscription> {
    return subscriptionAnswer(
      await this.request('PUT', `/subscriptions/${workspaceId}/${subscriptionId}`, {
        json: body,
        sends: [body.secret],
        workspaceId,
        expect: 'any',
      }),
      { workspaceId, subscriptionId, description: body.description },
    );
  }

  async setEnabled(workspaceId: number, subscriptionId: number, enabled: boolean): Promise<Subscription> {
    return subscriptionAnswer(
      await this.request('PATCH', `/subscriptions/${workspaceId}/${subscriptionId}`, {
        json: { enabled },
        workspaceId,
        expect: 'any',
      }),
      { workspaceId, subscriptionId },
    );
  }

  async deleteSubscription(workspaceId: number, subscriptionId: number): Promise<void> {
    await this.request('DELETE', `/subscriptions/${workspaceId}/${subscriptionId}`, {
      workspaceId,
      expect: 'any',
    });
  }

  async ping(workspaceId: number, subscriptionId: number): Promise<{ status?: string }> {
    return statusAnswer(
      await this.request('POST', `/ping/${workspaceId}/${subscriptionId}`, { workspaceId, expect: 'any' }),
    );
  }

  async validate(workspaceId: number, subscriptionId: number, validationCode: string): Promise<void> {
    // The code is a credential of sorts (it validates the subscription): it stays out of errors and logs.
    await this.request(
      'GET',
      `/validate/${workspaceId}/${subscriptionId}/${encodeURIComponent(validationCode)}`,
      {
        workspaceId,
        expect: 'any',
        displayPath: `/validate/${workspaceId}/${subscriptionId}/…`,
        sends: [validationCode],
      },
    );
  }

  async eventFilters(): Promise<EventFilterCatalog> {
    const body = await this.request('GET', '/event_filters');
    return eventFilterCatalog(body, { method: 'GET', path: '/event_filters', status: 200 });
  }

  async limits(workspaceId: number): Promise<WorkspaceLimits> {
    const path = `/limits/${workspaceId}`;
    const body = await this.request('GET', path, { workspaceId });
    return workspaceLimits(body, { method: 'GET', path, workspaceId, status: 200 });
  }

  async status(): Promise<{ status?: string }> {
    return statusAnswer(await this.request('GET', '/status', { expect: 'any' }));
  }

  /**
   * One logical request: attempts until one succeeds or the retry policy gives up. The waits are ours,
   * cut short by the abort signal, which never throws away an answer that already arrived.
   */
  private async request(method: Method, path: string, opts: RequestOptions = {}): Promise<unknown> {
    const shown = opts.displayPath ?? path;
    let startedAt = monotonicMs();
    // A Secret rotated since the last request: a stat per request, a read only when it changed.
    this.refreshToken(false);
    let reauthenticated = false;
    let quotaWaits = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, path, opts);
      } catch (error) {
        // Refused credentials: the file may hold a new token already (same size and time as the old).
        // One more attempt with it; a 401/403 changes nothing on the server, so this is safe to repeat.
        if (error instanceof AuthError && !reauthenticated && this.refreshToken(true)) {
          reauthenticated = true;
          attempt--;
          continue;
        }
        const step = nextDelay({
          attempt,
          error,
          random: Math.random(),
          elapsedMs: monotonicMs() - startedAt,
          settings: this.config,
          quotaWaits,
        });
        if (!step) throw error;
        this.report(() =>
          this.hooks.onRetry?.({
            method,
            path: shown,
            attempt: step.quotaWait ? 0 : attempt,
            retriesLeft: step.retriesLeft,
            delayMs: step.delayMs,
            code: codeOf(error),
            reason: (error as Error).message,
          }),
        );
        await this.pause(step.delayMs, error);
        if (step.quotaWait) {
          // A new quota window: the attempt count and the retry-time budget start again.
          quotaWaits++;
          attempt = 0;
          startedAt = monotonicMs();
        } else if (monotonicMs() - startedAt >= this.config.maxRetryTimeMs) {
          throw error;
        }
      }
    }
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

  /**
   * What this client itself sent and must never see echoed back in an error it throws: the token and
   * the request's own sensitive values. Explicit and per request (docs/secrets.md); outputs scrub
   * again with everything their run knows.
   */
  private ownSecrets(opts: RequestOptions): SecretSet {
    return SecretSet.of({ tokens: this.tokensSent, values: opts.sends ?? [] });
  }

  /** One attempt: sent, observed (metrics, debug log), then read or turned into an error. */
  private async attempt(method: Method, path: string, opts: RequestOptions): Promise<unknown> {
    const shown = opts.displayPath ?? path;
    const ctx: ApiErrorContext = { method, path: shown, workspaceId: opts.workspaceId };
    const answer = await this.transport.send(method, path, opts.json, this.hooks.signal);
    if (!('headers' in answer)) {
      const { durationMs } = answer;
      this.report(() => this.hooks.onResponse?.({ method, path: shown, status: 0, durationMs }));
      const wrapped = errorForTransport(ctx, answer.failure, this.ownSecrets(opts));
      this.report(() =>
        this.hooks.logger?.debug(
          { method, path: shown, code: wrapped.code, durationMs },
          'API request failed',
        ),
      );
      throw wrapped;
    }
    const quota = readQuota(answer.headers);
    const info: ResponseInfo = {
      method,
      path: shown,
      status: answer.status,
      durationMs: answer.durationMs,
      quotaRemaining: quota.remaining,
      quotaResetsIn: quota.resetsIn,
      quotaProblem: quota.problem,
    };
    this.report(() => this.hooks.onResponse?.(info));
    this.report(() => this.hooks.logger?.debug({ ...info }, 'API request'));
    if (answer.tooLarge) {
      // Not retried: the same answer would be downloaded again, to the same end.
      throw new ApiError(
        'E_API_ANSWER',
        { ...ctx, status: answer.status },
        `answer larger than ${MAX_ANSWER_BYTES / 1024 / 1024} MiB; refusing to read it (no real answer is that large)`,
      );
    }
    if (answer.status >= 200 && answer.status < 300) {
      const expect = opts.expect ?? 'json';
      if (expect === 'json' && isEncoded(answer.headers['content-encoding'])) {
        // Never asked for (decompression is off, so no Accept-Encoding is sent) and never decoded: the
        // bytes would be read as text, and an empty "compressed" body as an empty list.
        throw new ApiError(
          'E_API_ANSWER',
          { ...ctx, status: answer.status },
          'unexpected answer from the API (a compressed body (Content-Encoding), which was not asked for; refusing to read it)',
        );
      }
      return parseBody(answer.text, expect, { ...ctx, status: answer.status });
    }
    throw errorForStatus(
      {
        ...ctx,
        status: answer.status,
        apiMessage: this.ownSecrets(opts).scrub(apiMessageFrom(answer.text) ?? '') || undefined,
      },
      answer.headers,
      this.config.apiUrl,
    );
  }
}

function isEncoded(header: string | undefined): boolean {
  return header !== undefined && header.trim() !== '' && header.trim().toLowerCase() !== 'identity';
}

function codeOf(err: unknown): string {
  return (err as { code?: string }).code ?? 'E_UNKNOWN';
}

/**
 * TOGGL_API_TOKEN_FILE, watched cheaply: `read` stats the file and reads it only when its size,
 * modification time or inode changed (or when forced, after a 401/403). It returns the new token
 * when it differs from the one in use; a file that is briefly missing, empty or not one word (a
 * rotation half done) keeps the current token.
 */
class TokenFile {
  private stamp: string;
  constructor(
    private readonly path: string,
    private current: string,
  ) {
    this.stamp = stampOf(path);
  }

  read(force: boolean): string | undefined {
    const stamp = stampOf(this.path);
    if (!force && stamp === this.stamp) return undefined;
    this.stamp = stamp;
    let token: string;
    try {
      token = readFileSync(this.path, 'utf8').trim();
    } catch {
      return undefined;
    }
    if (!token || /\s/.test(token) || token === this.current) return undefined;
    this.current = token;
    return token;
  }
}

function stampOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${Math.trunc(s.mtimeMs)}:${s.ino}`;
  } catch {
    return 'missing';
  }
}
