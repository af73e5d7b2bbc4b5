// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the inputs are ${NAME} references
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeVariables, expandVariables } from '../../src/config/expand.js';

describe('expandVariables', () => {
  const env = { A: 'alpha', B_2: 'beta', EMPTY: '', _U: 'under' };

  it('replaces ${NAME} and reports the variables used and their values', () => {
    expect(expandVariables('x${A}y${B_2}z${_U}${A}', env)).toEqual({
      ok: true,
      value: 'xalphaybetazunderalpha',
      variables: [
        { name: 'A', index: 1, text: '${A}' },
        { name: 'B_2', index: 6, text: '${B_2}' },
        { name: '_U', index: 13, text: '${_U}' },
        { name: 'A', index: 18, text: '${A}' },
      ],
      values: ['alpha', 'beta', 'under', 'alpha'],
    });
  });

  it('keeps a set-but-empty variable (empty is a value; the caller decides if it is allowed)', () => {
    expect(expandVariables('a${EMPTY}b', env)).toMatchObject({ ok: true, value: 'ab' });
  });

  it('leaves $, $$, $NAME and a lone $ alone, and turns $${ into a literal ${', () => {
    expect(expandVariables('cost $5, $$, $A, end$', env)).toMatchObject({
      ok: true,
      value: 'cost $5, $$, $A, end$',
    });
    expect(expandVariables('$${A} and $$${A}', env)).toMatchObject({ ok: true, value: '${A} and $${A}' });
  });

  it('reports every unset variable and every malformed reference with its index', () => {
    expect(expandVariables('${NOPE}/${A}/${BAD-NAME}/${1X}/${', env)).toEqual({
      ok: false,
      problems: [
        { index: 0, text: '${NOPE}', kind: 'unset', name: 'NOPE' },
        { index: 13, text: '${', kind: 'invalid' },
        { index: 25, text: '${', kind: 'invalid' },
        { index: 31, text: '${', kind: 'invalid' },
      ],
    });
  });

  it('does not take a value for a reference: values are never expanded again', () => {
    expect(expandVariables('${A}', { A: '${B}', B: 'no' })).toMatchObject({ ok: true, value: '${B}' });
  });

  it('escapeVariables is undone by expansion, for any text', () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        expect(expandVariables(escapeVariables(text), {})).toMatchObject({ ok: true, value: text });
      }),
      { numRuns: 500 },
    );
    expect(escapeVariables('a${b}$${c}')).toBe('a$${b}$$${c}');
  });
});
