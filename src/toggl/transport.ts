import type { IncomingHttpHeaders } from 'node:http';
import got, { type Agents, type Method } from 'got';
import type { ClientConfig } from './config.js';
import { proxyAgents } from './proxy.js';
import { Spacer } from './spacer.js';

/** The settings the transport reads, all from `ClientConfig` (src/toggl/config.ts). */
export type TransportSettings = Pick<
  ClientConfig,
  'apiUrl' | 'token' | 'userAgent' | 'timeoutMs' | 'requestSpacingMs' | 'proxy'
>;

/**
 * The most an answer body may hold: far above any real answer (a workspace's whole list is a few
 * kilobytes; the API limits subscriptions per workspace), far below what would hurt the process.
 * Past it the download is cancelled and the request fails without a retry (docs/limits-and-budgets.md).
 */
export const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** An HTTP answer, whatever its status. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  durationMs: number;
  /** The body went past MAX_ANSWER_BYTES and was not read (`text` is empty). */
  tooLarge?: boolean;
}

/**
 * No HTTP answer arrived (refused, reset, timed out). Only the failure's code, name and message are
 * kept: got's error objects hold the request options, including the Authorization header, and must
 * never leave this module.
 */
export interface NoAnswer {
  status: 0;
  durationMs: number;
  failure: { code?: string | undefined; name?: string | undefined; message?: string | undefined };
}

/**
 * One HTTP attempt against the Webhooks API: got with its own retry off (src/toggl/retry-policy.ts
 * decides), no redirects (they could carry the Authorization header elsewhere), a per-attempt timeout,
 * and request starts spaced by `requestSpacingMs` (the docs' safe rate is 1 request/second per token;
 * retries queue in the same line, so a retry storm stays polite).
 */
export class Transport {
  private readonly spacer: Spacer;
  private authorization: string;
  /** Proxy agents when HTTPS_PROXY & co. apply to the API URL; undefined = direct connections. */
  private readonly agent: Agents | undefined;

  constructor(private readonly settings: TransportSettings) {
    this.spacer = new Spacer(settings.requestSpacingMs);
    this.authorization = `Basic ${basicCredentials(settings.token)}`;
    this.agent = settings.proxy ? proxyAgents(settings.proxy) : undefined;
  }

  /** A rotated token: the next request sends it. */
  setToken(token: string): void {
    this.authorization = `Basic ${basicCredentials(token)}`;
  }

  /**
   * Waits for its turn, then sends. A stop (the signal) ends the wait and prevents the request. A read
   * in flight is abandoned at once (it changes nothing, and a stalled or slow API must not hold a stop
   * for the whole timeout); a change in flight is never cut off, so a change the API applied is
   * reported as applied (docs/limits-and-budgets.md).
   */
  async send(method: Method, path: string, body: unknown, signal?: AbortSignal): Promise<Answer | NoAnswer> {
    if (signal?.aborted) throw abortReason(signal);
    await this.spacer.wait(signal);
    // The spacing wait may end just as the signal fires: still no new request after a stop.
    if (signal?.aborted) throw abortReason(signal);
    const started = Date.now();
    let tooLarge: { status: number; headers: IncomingHttpHeaders } | undefined;
    let head: { status: number; headers: IncomingHttpHeaders } | undefined;
    try {
      const request = got(`${this.settings.apiUrl}${path}`, {
        method,
        headers: {
          authorization: this.authorization,
          'user-agent': this.settings.userAgent,
          'content-type': 'application/json',
          accept: 'application/json',
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        ...(this.agent ? { agent: this.agent } : {}),
        throwHttpErrors: false,
        followRedirect: false,
        retry: { limit: 0 },
        timeout: { request: this.settings.timeoutMs },
        ...(signal && method === 'GET' ? { signal } : {}),
        responseType: 'text',
        // Compressed answers would make the body budget count the wrong bytes (a gzip bomb).
        decompress: false,
      });
      request.on('response', (r: { statusCode: number; headers: IncomingHttpHeaders }) => {
        head = { status: r.statusCode, headers: r.headers };
      });
      request.on('downloadProgress', (p: { transferred: number; total?: number }) => {
        if (tooLarge || (p.transferred <= MAX_ANSWER_BYTES && (p.total ?? 0) <= MAX_ANSWER_BYTES)) return;
        tooLarge = head ?? { status: 0, headers: {} };
        request.cancel();
      });
      const response = await request;
      return {
        status: response.statusCode,
        headers: response.headers,
        text: typeof response.body === 'string' ? response.body : '',
        durationMs: Date.now() - started,
      };
    } catch (err) {
      if (tooLarge) {
        return { ...tooLarge, text: '', durationMs: Date.now() - started, tooLarge: true };
      }
      // Stopped, not failed: no answer to report and nothing to retry.
      if (signal?.aborted && method === 'GET') throw abortReason(signal);
      const e = err as { code?: string; name?: string; message?: string };
      return {
        status: 0,
        durationMs: Date.now() - started,
        failure: { code: e.code, name: e.name, message: e.message },
      };
    }
  }
}

/** The Basic credentials the API expects: `TOKEN:api_token`, base64. */
export function basicCredentials(token: string): string {
  return Buffer.from(`${token}:api_token`).toString('base64');
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason instanceof Error ? signal.reason : new Error('aborted');
}
