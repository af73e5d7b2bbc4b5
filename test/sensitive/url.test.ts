import { describe, expect, it } from 'vitest';
import {
  describeGivenUrl,
  looksLikeToken,
  urlCarriesCredential,
  urlCredentialReasons,
} from '../../src/sensitive/index.js';

describe('urlCredentialReasons', () => {
  it.each([
    ['https://hooks.example.com/toggl', []],
    ['https://hooks.example.com/toggl/events/2024-01-15-release', []],
    ['https://u:p@hooks.example.com/x', ['userinfo']],
    ['https://u@hooks.example.com/x', ['userinfo']],
    ['https://hooks.example.com/x?token=a', ['a query']],
    ['https://hooks.example.com/x?flag', ['a query']],
    ['https://hooks.example.com/x#t=a', ['a fragment']],
    ['https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX', ['a hook token in its path']],
    ['https://hooks.zapier.com/hooks/catch/123456/abc12de/', ['a hook token in its path']],
    ['https://discord.com/api/webhooks/123/abc', ['a hook token in its path']],
    ['https://example.com/in/8f14e45f-ceea-467a-9575-7ab1c6e8d0c1', ['a token-like path segment']],
    ['https://example.com/in/aZ9kQ2pL7xV4mN8bR3tY', ['a token-like path segment']],
    ['https://eo1a2b3c4d5e6f7g8h9.m.pipedream.net/', ['a token-like host name']],
    ['https://hooks.example.com/cb;jsessionid=opensesame', ['parameters in its path']],
    ['https://hooks.example.com/a%3Ftoken%3Dopensesame', ['parameters in its path']],
    ['https://hooks.example.com/a%3ftoken=opensesame/x', ['parameters in its path']],
    ['https://hooks.example.com/f%23t', ['parameters in its path']],
    ['not a url', ['an unparsable URL']],
  ])('%s', (url, reasons) => {
    expect(urlCredentialReasons(url)).toEqual(reasons);
    expect(urlCarriesCredential(url)).toBe(reasons.length > 0);
  });

  it('reads slugs, dates and versions as plain words', () => {
    for (const s of [
      'toggl-webhooks-sync',
      'v1.2.3',
      '2024-01-15-release',
      'projects',
      'AbCdEfGhIjKlMnOpQrSt',
    ])
      expect(looksLikeToken(s)).toBe(false);
  });
});

describe('describeGivenUrl', () => {
  it('never echoes a password, also when the URL does not parse', () => {
    for (const raw of [
      'https://user:hunter2-pw@api.example.com/v1',
      'https://user:hun ter2@[bad/',
      'hunter2',
    ]) {
      expect(describeGivenUrl(raw)).not.toContain('hunter2');
    }
    expect(describeGivenUrl('https://api.example.com/v1')).toBe("'https://api.example.com/v1'");
  });
});
