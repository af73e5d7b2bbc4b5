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
      { TOGGL_API_TOKEN: 't-12345', TOGGL_API_URL: 'http://env.example/v1/' },
      { apiUrl: 'http://flag.example/api/v1/', quotaMode: 'wait' },
    );
    expect(c.apiUrl).toBe('http://flag.example/api/v1');
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
    ).toThrow("TOGGL_REQUEST_SPACING_MS must be a non-negative integer, got 'fast'");
  });
});
