import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  parseDuration,
  parseHttpUrl,
  parseLogLevel,
  parseOutputFormat,
  parsePositiveDuration,
} from '../../src/cli/options.js';

describe('shared CLI options', () => {
  it('parses durations in ms, s, m, h, d and sums of them', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1d')).toBe(86_400_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration(' 2M ')).toBe(120_000);
    expect(parseDuration('0s')).toBe(0);
  });

  it('refuses bare numbers and junk, and zero where a positive duration is needed', () => {
    for (const bad of ['10', '', 'm', '10 m', '10x', '-5s', '1h-', 's10', '1h 30m']) {
      expect(() => parseDuration(bad), bad).toThrow(InvalidArgumentError);
    }
    expect(() => parsePositiveDuration('0s')).toThrow(/longer than zero/);
    expect(parsePositiveDuration('5s')).toBe(5000);
  });

  it('validates output formats and log levels', () => {
    expect(parseOutputFormat('json')).toBe('json');
    expect(parseOutputFormat('Markdown')).toBe('markdown');
    expect(parseOutputFormat('md')).toBe('markdown');
    expect(() => parseOutputFormat('yaml')).toThrow(/text, json, markdown/);
    expect(parseLogLevel('DEBUG')).toBe('debug');
    expect(() => parseLogLevel('verbose')).toThrow(InvalidArgumentError);
  });

  it('accepts only http(s) API URLs and drops trailing slashes', () => {
    expect(parseHttpUrl('http://127.0.0.1:9465/webhooks/api/v1/')).toBe(
      'http://127.0.0.1:9465/webhooks/api/v1',
    );
    expect(() => parseHttpUrl('ftp://x')).toThrow(InvalidArgumentError);
    expect(() => parseHttpUrl('not a url')).toThrow(InvalidArgumentError);
  });
});
