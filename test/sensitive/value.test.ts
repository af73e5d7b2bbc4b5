import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  jsonChange,
  mark,
  PLACEHOLDER,
  reveal,
  Sensitive,
  show,
  showChange,
} from '../../src/sensitive/index.js';

describe('Sensitive', () => {
  const s = new Sensitive('hunter2-value');

  it('prints the placeholder whichever way it is printed by accident', () => {
    expect(`${s}`).toBe(PLACEHOLDER);
    expect(String(s)).toBe(PLACEHOLDER);
    expect(JSON.stringify({ s })).toBe(`{"s":"${PLACEHOLDER}"}`);
    expect(inspect({ s })).not.toContain('hunter2');
    expect(Object.keys(s)).toEqual([]);
  });

  it('gives the clear value only through reveal', () => {
    expect(s.reveal()).toBe('hunter2-value');
    expect(reveal(s)).toBe('hunter2-value');
    expect(reveal('plain')).toBe('plain');
  });
});

describe('renderer helpers', () => {
  it('shows a change without a value and never a partial URL', () => {
    const before = mark('https://h.example/a?t=1', true);
    const after = mark('https://h.example/b?t=2', true);
    expect(showChange(before, after)).toBe('(sensitive) -> (sensitive, changed)');
    expect(showChange('https://h.example/a', after)).toBe('https://h.example/a -> (sensitive, changed)');
    expect(showChange(before, 'https://h.example/b')).toBe('(sensitive) -> https://h.example/b');
    expect(showChange('https://a.example/', 'https://b.example/')).toBe(
      'https://a.example/ -> https://b.example/',
    );
    expect(show(mark('x', false))).toBe('x');
    expect(jsonChange(before, 'https://h.example/b')).toEqual({
      before: PLACEHOLDER,
      after: 'https://h.example/b',
      sensitive: true,
    });
  });
});
