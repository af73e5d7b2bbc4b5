import { describe, expect, it } from 'vitest';
import {
  NetworkError,
  RateLimitError,
  ServerError,
  TimeoutError,
  ValidationError,
} from '../../src/errors.js';
import { SecretSet } from '../../src/sensitive/index.js';
import {
  apiMessageFrom,
  errorForStatus,
  errorForTransport,
  parseRetryAfter,
  retryAfterOf,
} from '../../src/toggl/errors.js';
import { isRetryable } from '../../src/toggl/retry-policy.js';

const ctx = { method: 'GET', path: '/subscriptions/1', workspaceId: 1 };

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['120', 120],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
    [undefined, undefined],
  ])('%s -> %s', (value, seconds) => {
    expect(parseRetryAfter(value, now)).toBe(seconds);
  });
});

describe('apiMessageFrom', () => {
  it.each([
    ['"Subscription description must not be empty"', 'Subscription description must not be empty'],
    ['Subscription description must not be empty\n', 'Subscription description must not be empty'],
    ['{"message":"m1"}', 'm1'],
    ['{"error":"m2"}', 'm2'],
    ['{"error_message":"m3"}', 'm3'],
    ['', undefined],
    ['   ', undefined],
  ])('%j -> %j', (body, message) => {
    expect(apiMessageFrom(body)).toBe(message);
  });

  it('keeps an HTML error page short and on one line', () => {
    const page = `<html>\n<body>${'x'.repeat(2000)}</body>\n</html>`;
    const m = apiMessageFrom(page) ?? '';
    expect(m.length).toBeLessThanOrEqual(501);
    expect(m).not.toContain('\n');
  });

  it('keeps the message as it came; outputs replace a credential-carrying URL in it whole', () => {
    const message = apiMessageFrom(
      '"URL endpoint https://hooks.example.com/t?token=abc123 responded with status 500 instead of 2xx"',
    );
    expect(message).toBe(
      'URL endpoint https://hooks.example.com/t?token=abc123 responded with status 500 instead of 2xx',
    );
    expect(SecretSet.empty.scrub(message!)).toBe(
      'URL endpoint (sensitive) responded with status 500 instead of 2xx',
    );
  });
});

describe('errorForStatus and isRetryable', () => {
  it('keeps Retry-After of a 503 and a 429', () => {
    const s = errorForStatus({ ...ctx, status: 503 }, { 'retry-after': '7' });
    expect(s).toBeInstanceOf(ServerError);
    expect(retryAfterOf(s)).toBe(7);
    const r = errorForStatus({ ...ctx, status: 429 }, { 'retry-after': '3' });
    expect(r).toBeInstanceOf(RateLimitError);
    expect(retryAfterOf(r)).toBe(3);
    expect(retryAfterOf(errorForStatus({ ...ctx, status: 500 }, {}))).toBeUndefined();
  });

  it.each([
    [400, 'E_API_VALIDATION', false],
    [401, 'E_API_AUTH', false],
    [402, 'E_API_QUOTA', false],
    [403, 'E_API_AUTH', false],
    [404, 'E_API_NOT_FOUND', false],
    [409, 'E_API', false],
    [410, 'E_API_GONE', false],
    [429, 'E_API_RATE_LIMITED', true],
    [500, 'E_API_SERVER', true],
    [502, 'E_API_SERVER', true],
    [503, 'E_API_SERVER', true],
    [504, 'E_API_SERVER', true],
  ])('%i -> %s, retryable %s', (status, code, retryable) => {
    const err = errorForStatus({ ...ctx, status }, {});
    expect(err.code).toBe(code);
    expect(isRetryable(err)).toBe(retryable);
  });

  it('treats transport failures as retryable and keeps only their code', () => {
    const got = Object.assign(new Error('read ECONNRESET'), {
      code: 'ECONNRESET',
      options: { headers: { authorization: 'Basic c2VjcmV0OmFwaV90b2tlbg==' } },
    });
    const n = errorForTransport(ctx, got);
    expect(n).toBeInstanceOf(NetworkError);
    expect(n.message).toBe('GET /subscriptions/1: network error (ECONNRESET): read ECONNRESET');
    expect(n.cause).toBeUndefined();
    expect(isRetryable(n)).toBe(true);
    const t = errorForTransport(
      ctx,
      Object.assign(new Error("Timeout awaiting 'request' for 10ms"), {
        name: 'TimeoutError',
        code: 'ETIMEDOUT',
      }),
    );
    expect(t).toBeInstanceOf(TimeoutError);
    expect(isRetryable(t)).toBe(true);
    expect(isRetryable(new ValidationError(ctx))).toBe(false);
    expect(isRetryable(new Error('x'))).toBe(false);
  });
});
