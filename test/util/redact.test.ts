import { afterEach, describe, expect, it } from 'vitest';
import {
  clearRegisteredSecrets,
  REDACTED,
  redact,
  redactUrl,
  registerSecret,
} from '../../src/util/redact.js';

afterEach(() => clearRegisteredSecrets());

describe('redactUrl', () => {
  it('masks userinfo and every query value but keeps host and path', () => {
    expect(redactUrl('https://user:pw@hooks.example.com/toggl?token=abc&x=1')).toBe(
      `https://${REDACTED}@hooks.example.com/toggl?token=${REDACTED}&x=${REDACTED}`,
    );
  });
  it('leaves a URL without credentials unchanged', () => {
    expect(redactUrl('https://hooks.example.com/toggl')).toBe('https://hooks.example.com/toggl');
  });
  it('returns non-URLs unchanged', () => {
    expect(redactUrl('not a url')).toBe('not a url');
  });
});

describe('redact', () => {
  it('masks registered secrets, Basic auth values and URL credentials in free text', () => {
    registerSecret('s3cr3t-value');
    const out = redact(
      'secret s3cr3t-value, Authorization: Basic dG9rZW46YXBpX3Rva2Vu, url http://h/x?token=abc',
    );
    expect(out).not.toContain('s3cr3t-value');
    expect(out).not.toContain('dG9rZW46YXBpX3Rva2Vu');
    expect(out).not.toContain('token=abc');
    expect(out).toContain(`Basic ${REDACTED}`);
  });
  it('ignores values too short to be secrets', () => {
    registerSecret('ab');
    expect(redact('ab cd')).toBe('ab cd');
  });
});

describe('redactUrl bare query', () => {
  it('masks a query without key=value pairs too', () => {
    expect(redactUrl('https://h.example/x?BAREQUERYSECRET')).toBe(`https://h.example/x?${REDACTED}`);
  });
  it('does not mask ordinary words after Basic', () => {
    expect(redact('Basic integration for CRM')).toBe('Basic integration for CRM');
  });
});
