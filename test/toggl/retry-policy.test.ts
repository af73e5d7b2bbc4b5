import { describe, expect, it } from 'vitest';
import {
  AuthError,
  GoneError,
  NetworkError,
  QuotaError,
  RateLimitError,
  ServerError,
  ValidationError,
} from '../../src/errors.js';
import { errorForStatus, errorForTransport } from '../../src/toggl/errors.js';
import { nextDelay, type RetrySettings } from '../../src/toggl/retry-policy.js';

const ctx = { method: 'GET', path: '/subscriptions/1', workspaceId: 1 };
const settings: RetrySettings = {
  retries: 3,
  retryMinMs: 100,
  retryMaxMs: 1000,
  maxRetryTimeMs: 60_000,
  quotaMode: 'fail',
  maxQuotaWaitMs: 3_600_000,
};
const step = (over: Partial<Parameters<typeof nextDelay>[0]>) =>
  nextDelay({
    attempt: 1,
    error: new ServerError({ ...ctx, status: 500 }),
    random: 0,
    elapsedMs: 0,
    settings,
    ...over,
  });

describe('nextDelay', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN'])(
    '%s: one retry in a one-shot run (connectRetries 1), the full backoff in the daemon',
    (code) => {
      const error = errorForTransport(ctx, { code, message: `connect ${code}` });
      const oneShot = { ...settings, connectRetries: 1 };
      expect(step({ attempt: 1, error, settings: oneShot })).toBeDefined();
      expect(step({ attempt: 2, error, settings: oneShot })).toBeUndefined();
      const daemon = { ...settings, connectRetries: Number.MAX_SAFE_INTEGER };
      expect([1, 2, 3].map((attempt) => step({ attempt, error, settings: daemon }) !== undefined)).toEqual([
        true,
        true,
        true,
      ]);
      // A reset mid-answer is not a dead endpoint: the normal retries apply.
      const reset = errorForTransport(ctx, { code: 'ECONNRESET', message: 'socket hang up' });
      expect(step({ attempt: 3, error: reset, settings: oneShot })).toBeDefined();
    },
  );

  it('backs off exponentially with equal jitter: half of min(max, min*2^(n-1)) fixed, half drawn', () => {
    expect([1, 2, 3].map((attempt) => step({ attempt, random: 0 })?.delayMs)).toEqual([50, 100, 200]);
    expect([1, 2, 3].map((attempt) => step({ attempt, random: 0.999999 })?.delayMs)).toEqual([100, 200, 400]);
    expect(step({ attempt: 3, settings: { ...settings, retries: 9 } })?.delayMs).toBe(200);
    expect(step({ attempt: 8, settings: { ...settings, retries: 9 } })?.delayMs).toBe(500);
  });

  it('counts retries down and gives up after the last one', () => {
    expect([1, 2, 3, 4].map((attempt) => step({ attempt })?.retriesLeft)).toEqual([3, 2, 1, undefined]);
  });

  it('retries 5xx, 429 and network failures; other 4xx, 410 and plain errors are final', () => {
    const retried = [
      new ServerError({ ...ctx, status: 502 }),
      new RateLimitError(ctx),
      new NetworkError(ctx, 'x'),
    ];
    for (const error of retried) expect(step({ error })).toBeDefined();
    const final = [new ValidationError(ctx), new AuthError(ctx), new GoneError(ctx), new Error('aborted')];
    for (const error of final) expect(step({ error })).toBeUndefined();
  });

  it('never waits less than Retry-After, on a 429 and on a 503', () => {
    const rateLimited = new RateLimitError(ctx, 7);
    const unavailable = errorForStatus({ ...ctx, status: 503 }, { 'retry-after': '9' });
    expect(step({ error: rateLimited })?.delayMs).toBe(7000);
    expect(step({ error: unavailable })?.delayMs).toBe(9000);
  });

  it('gives up at once when the wait would end past the retry-time budget', () => {
    expect(step({ elapsedMs: 59_960 })).toBeUndefined();
    expect(step({ elapsedMs: 59_940 })?.delayMs).toBe(50);
    expect(step({ error: new RateLimitError(ctx, 3600) })).toBeUndefined();
  });

  it('waits out a 402 until the quota resets only in wait mode and only with X-Toggl-Quota-Resets-In', () => {
    const quota = new QuotaError({ ...ctx, status: 402 }, 59);
    expect(step({ error: quota })).toBeUndefined();
    const wait = { ...settings, quotaMode: 'wait' as const };
    expect(step({ error: quota, settings: wait })).toEqual({
      delayMs: 60_000,
      retriesLeft: 0,
      quotaWait: true,
    });
    expect(step({ error: new QuotaError({ ...ctx, status: 402 }), settings: wait })).toBeUndefined();
    const capped = step({ error: new QuotaError({ ...ctx, status: 402 }, 86_400), settings: wait });
    expect(capped?.delayMs).toBe(3_600_000);
  });

  it('never asks again sooner than twice the longest backoff after a 402, doubling at each further 402', () => {
    // An API (or proxy) answering 402 "resets in 0 s" again and again was asked every second.
    const wait = { ...settings, retryMaxMs: 30_000, quotaMode: 'wait' as const };
    const delays = [0, 1, 2, 3, 4, 5, 6, 7].map(
      (quotaWaits) =>
        step({ error: new QuotaError({ ...ctx, status: 402 }, 0), settings: wait, quotaWaits })?.delayMs,
    );
    expect(delays).toEqual([60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000]);
    // A real reset time longer than the floor is kept.
    expect(step({ error: new QuotaError({ ...ctx, status: 402 }, 600), settings: wait })?.delayMs).toBe(
      601_000,
    );
  });
});
