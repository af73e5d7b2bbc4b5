import { describe, expect, it } from 'vitest';
import { TokenError, TwsError } from '../../src/errors.js';
import { clientConfigFromEnv, DEFAULT_API_URL } from '../../src/toggl/config.js';

describe('clientConfigFromEnv', () => {
  it('uses the documented defaults', () => {
    const c = clientConfigFromEnv({ TOGGL_API_TOKEN: 'tok-123456' });
    expect(c).toMatchObject({
      token: 'tok-123456',
      apiUrl: DEFAULT_API_URL,
      requestSpacingMs: 1000,
      quotaMode: 'fail',
    });
    expect(c.timeoutMs).toBeGreaterThan(0);
    expect(c.userAgent).toMatch(/^toggl-webhooks-sync\/\d+\.\d+\.\d+/);
  });

  it('reads the token from TOGGL_API_TOKEN_FILE, trimming the newline', () => {
    const c = clientConfigFromEnv({ TOGGL_API_TOKEN_FILE: '/run/secrets/t' }, {}, (p) => {
      expect(p).toBe('/run/secrets/t');
      return 'from-file-token\n';
    });
    expect(c.token).toBe('from-file-token');
  });

  it('names both variables when no token is set', () => {
    expect(() => clientConfigFromEnv({})).toThrow(TokenError);
    expect(() => clientConfigFromEnv({})).toThrow(/TOGGL_API_TOKEN.*TOGGL_API_TOKEN_FILE/);
  });

  it('explains an unreadable or empty token file without printing its content', () => {
    expect(() =>
      clientConfigFromEnv({ TOGGL_API_TOKEN_FILE: '/nope' }, {}, () => {
        throw Object.assign(new Error('x'), { code: 'ENOENT' });
      }),
    ).toThrow('cannot read TOGGL_API_TOKEN_FILE /nope: ENOENT');
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN_FILE: '/e' }, {}, () => '\n')).toThrow(/is empty/);
  });

  it('lets flags override the environment and strips a trailing slash', () => {
    const c = clientConfigFromEnv(
      { TOGGL_API_TOKEN: 't-12345', TOGGL_API_URL: 'https://env.example/v1/' },
      { apiUrl: 'https://flag.example/api/v1/', quotaMode: 'wait' },
    );
    expect(c.apiUrl).toBe('https://flag.example/api/v1');
    expect(c.quotaMode).toBe('wait');
  });

  it('refuses bad URLs and numbers with a clear message', () => {
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', TOGGL_API_URL: 'ftp://x' })).toThrow(
      TwsError,
    );
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', TOGGL_API_URL: 'http://u:p@x/' })).toThrow(
      /credentials/,
    );
    expect(() =>
      clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', TOGGL_REQUEST_SPACING_MS: 'fast' }),
    ).toThrow("TOGGL_REQUEST_SPACING_MS must be an integer from 0 to 60000, got 'fast'");
  });

  it('refuses TOGGL_API_TOKEN and TOGGL_API_TOKEN_FILE together, without reading the file', () => {
    let read = false;
    const both = () =>
      clientConfigFromEnv(
        { TOGGL_API_TOKEN: 'tok-123456', TOGGL_API_TOKEN_FILE: '/run/secrets/t' },
        {},
        () => {
          read = true;
          return 'other-token';
        },
      );
    expect(both).toThrow(TokenError);
    expect(both).toThrow('both TOGGL_API_TOKEN and TOGGL_API_TOKEN_FILE are set; set only one');
    expect(read).toBe(false);
  });

  it.each([
    ['malformed, with userinfo', 'https://user:hunter2-pw@[bad/v1'],
    ['malformed, space in the password', 'https://user:hunter2 pw@api.example.com/'],
    ['not a URL at all', 'hunter2-pw'],
    ['with userinfo', 'https://user:hunter2-pw@api.example.com/v1'],
  ])('never echoes a password from TOGGL_API_URL or --api-url (%s)', (_name, raw) => {
    for (const [env, over] of [
      [{ TOGGL_API_TOKEN: 'tok-12345678', TOGGL_API_URL: raw }, {}],
      [{ TOGGL_API_TOKEN: 'tok-12345678' }, { apiUrl: raw }],
    ] as const) {
      let message = '';
      try {
        clientConfigFromEnv(env, over);
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/TOGGL_API_URL \/ --api-url/);
      expect(message).not.toContain('hunter2');
    }
  });

  it('treats an empty variable as unset', () => {
    const c = clientConfigFromEnv(
      { TOGGL_API_TOKEN: '', TOGGL_API_TOKEN_FILE: '/t', TOGGL_API_URL: '' },
      {},
      () => 'ftok-1234',
    );
    expect(c.token).toBe('ftok-1234');
    expect(c.apiUrl).toBe(DEFAULT_API_URL);
  });

  it('refuses a token with whitespace inside (an env file or two lines in the token file), not echoing it', () => {
    const err = (() => {
      try {
        clientConfigFromEnv({ TOGGL_API_TOKEN_FILE: '/t' }, {}, () => 'TOGGL_API_TOKEN=abc123\nOTHER=x\n');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(TokenError);
    expect(err?.message).toBe(
      'the file TOGGL_API_TOKEN_FILE (/t) holds more than one word or line; expected one API token',
    );
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 'abc def' })).toThrow(
      /TOGGL_API_TOKEN holds more than one/,
    );
  });

  it('reads the numeric settings and refuses a zero timeout', () => {
    const c = clientConfigFromEnv({
      TOGGL_API_TOKEN: 't-12345',
      TOGGL_REQUEST_SPACING_MS: '0',
      TOGGL_TIMEOUT_MS: '5000',
      TOGGL_RETRIES: '2',
      TOGGL_RETRY_MIN_MS: '10',
      TOGGL_RETRY_MAX_MS: '100',
      TOGGL_RETRY_MAX_TIME_MS: '1000',
    });
    expect(c).toMatchObject({
      requestSpacingMs: 0,
      timeoutMs: 5000,
      retries: 2,
      retryMinMs: 10,
      retryMaxMs: 100,
      maxRetryTimeMs: 1000,
    });
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', TOGGL_TIMEOUT_MS: '0' })).toThrow(
      "TOGGL_TIMEOUT_MS must be an integer from 1 to 600000, got '0'",
    );
  });

  it.each([
    ['TOGGL_REQUEST_SPACING_MS', '0x10', 60_000],
    ['TOGGL_TIMEOUT_MS', '1e3', 600_000],
    ['TOGGL_RETRY_MIN_MS', '0b11', 600_000],
    ['TOGGL_RETRY_MAX_MS', '100.0', 600_000],
    ['TOGGL_RETRY_MAX_TIME_MS', '+500', 3_600_000],
    ['TOGGL_RETRIES', '0o7', 20],
  ])('%s=%s is refused: only plain decimal digits (Number() read these as numbers)', (name, raw, max) => {
    expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', [name]: raw })).toThrow(
      `${name} must be an integer from ${name === 'TOGGL_TIMEOUT_MS' ? 1 : 0} to ${max}, got '${raw}'`,
    );
  });

  it.each([
    ['TOGGL_REQUEST_SPACING_MS', '60001', 60_000],
    ['TOGGL_TIMEOUT_MS', '2147483648', 600_000],
    ['TOGGL_RETRY_MIN_MS', '99999999999', 600_000],
    ['TOGGL_RETRY_MAX_MS', '3000000000', 600_000],
    ['TOGGL_RETRY_MAX_TIME_MS', '3600001', 3_600_000],
    ['TOGGL_RETRIES', '1000', 20],
  ])(
    "bounds %s: no timer can reach Node's 2^31-1 ms limit (which fires at once instead)",
    (name, raw, max) => {
      expect(() => clientConfigFromEnv({ TOGGL_API_TOKEN: 't-12345', [name]: raw })).toThrow(
        `${name} must be an integer from ${name === 'TOGGL_TIMEOUT_MS' ? 1 : 0} to ${max}, got '${raw}'`,
      );
    },
  );
});
