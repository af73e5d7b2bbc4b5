import { describe, expect, it } from 'vitest';
import { parseListen } from '../../src/daemon/listen.js';
import { periodicRequestsPerHour, quotaWarning } from '../../src/daemon/quota.js';

describe('parseListen', () => {
  it('accepts HOST:PORT forms', () => {
    expect(parseListen('0.0.0.0:9464')).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(parseListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseListen('[::]:9464')).toEqual({ host: '::', port: 9464 });
    expect(parseListen('[::1]:80')).toEqual({ host: '::1', port: 80 });
    expect(parseListen('localhost:9464')).toEqual({ host: 'localhost', port: 9464 });
    expect(parseListen(':9464')).toEqual({ host: '0.0.0.0', port: 9464 });
  });

  it('refuses anything else', () => {
    for (const bad of ['9464', 'host', 'host:', 'host:99999', '::1:80', 'a b:1', 'host:12x']) {
      expect(() => parseListen(bad), bad).toThrow(/HOST:PORT/);
    }
  });
});

describe('quota', () => {
  it('the defaults cost 6 requests per hour per workspace', () => {
    expect(periodicRequestsPerHour(10 * 60_000, 1)).toBe(6);
    expect(periodicRequestsPerHour(10 * 60_000, 5)).toBe(30);
    expect(quotaWarning(10 * 60_000, 5)).toBeUndefined();
  });

  it('warns past the Free plan quota of 30 requests per hour', () => {
    expect(quotaWarning(10 * 60_000, 6)).toMatch(/36 requests\/hour .* Free plan quota of 30/);
    expect(quotaWarning(60_000, 1)).toMatch(/60 requests\/hour/);
  });
});
