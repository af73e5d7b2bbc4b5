import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, MAX_FILE_BYTES, MAX_LINES, MAX_NODES } from '../../src/config/limits.js';
import { loadDesiredState } from '../../src/config/load.js';
import { firstInvalidUtf8 } from '../../src/config/read.js';
import { checkNesting } from '../../src/config/text.js';
import { ConfigError } from '../../src/errors.js';
import { writeTree } from '../support/tmp.js';

/**
 * Hostile input: each case must end in a ConfigError with a positioned, readable message, never in
 * another exception, a crash or a hang. (Speed is measured in the closing note, not asserted here.)
 */
async function refuse(content: string | Buffer, name = 'bad.yaml'): Promise<string[]> {
  const dir = writeTree({ [name]: content });
  const file = join(dir, name);
  try {
    await loadDesiredState([file], {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.issues.map((i) => (i.line > 0 ? `${i.line}:${i.col}: ${i.message}` : `${i.message}`));
  }
  throw new Error('expected the input to be refused');
}

const VALID_HEAD = 'workspace_id: 1\nsubscriptions: []\n';

describe('size', () => {
  it('refuses a file over 1 MiB before reading it', async () => {
    expect(await refuse(`${VALID_HEAD}#${'x'.repeat(MAX_FILE_BYTES)}\n`)).toEqual([
      `file is too large (${MAX_FILE_BYTES + VALID_HEAD.length + 2} bytes; the limit is 1048576 bytes)`,
    ]);
  });

  it('accepts a file of exactly 1 MiB', async () => {
    const pad = MAX_FILE_BYTES - VALID_HEAD.length - 2;
    const dir = writeTree({ 'ok.yaml': `${VALID_HEAD}#${'x'.repeat(pad)}\n` });
    const state = await loadDesiredState([dir], {});
    expect(state.workspaces).toHaveLength(1);
  });

  it(`refuses more than ${MAX_LINES} lines (a megabyte of newlines costs the parser seconds)`, async () => {
    expect(await refuse(`${VALID_HEAD}${'\n'.repeat(MAX_LINES)}`)).toEqual([
      `${MAX_LINES + 1}:1: file has more than ${MAX_LINES} lines`,
    ]);
  });
});

describe('encoding and binary junk', () => {
  it.each([
    [
      'a Latin-1 byte',
      Buffer.from('workspace_id: 1\n# caf\xe9\n', 'latin1'),
      '2:6: not valid UTF-8 (byte 0xe9)',
    ],
    ['a lone continuation byte', Buffer.from([0x61, 0x3a, 0x20, 0x80]), '1:4: not valid UTF-8 (byte 0x80)'],
    ['an overlong encoding', Buffer.from([0x61, 0x3a, 0x20, 0xc0, 0x80]), '1:4: not valid UTF-8 (byte 0xc0)'],
    ['an encoded surrogate', Buffer.from([0x61, 0x0a, 0xed, 0xa0, 0x80]), '2:1: not valid UTF-8 (byte 0xed)'],
    [
      'a sequence cut at the end',
      Buffer.from([0x61, 0x3a, 0x20, 0xe2, 0x82]),
      '1:4: not valid UTF-8 (byte 0xe2)',
    ],
    [
      'UTF-16 with a BOM',
      Buffer.from('\ufeffworkspace_id: 1', 'utf16le'),
      '1:1: not valid UTF-8 (byte 0xff)',
    ],
  ])('refuses %s, at its position', async (_name, bytes, expected) => {
    expect(await refuse(bytes)).toEqual([`${expected}; save the file as UTF-8`]);
  });

  it('refuses NUL and other control characters as binary', async () => {
    expect(await refuse(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00]))).toEqual([
      '1:1: control character U+007F is not allowed (is this a binary file?)',
    ]);
    expect(await refuse('workspace_id: 1\x1b[31m\n')).toEqual([
      '1:16: control character U+001B is not allowed (is this a binary file?)',
    ]);
  });

  it('finds the first invalid UTF-8 byte, and none in valid text', () => {
    expect(firstInvalidUtf8(Buffer.from('héllo wörld €𝄞'))).toBe(Buffer.byteLength('héllo wörld €𝄞'));
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0); // above U+10FFFF
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xf8, 0x88]))).toBe(1);
  });

  it('never throws anything but a ConfigError on random bytes or random YAML-ish text', async () => {
    const dir = writeTree({});
    const { writeFileSync } = await import('node:fs');
    const yamlish = fc.string({
      unit: fc.constantFrom(
        ...'ab:- \n\t[]{},&*!|>\'"#%@`?~$0123456789.\\'.split(''),
        'workspace_id',
        '\u00e9',
      ),
      maxLength: 200,
    });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.uint8Array({ maxLength: 300 }), yamlish), async (content) => {
        const file = join(dir, `f${n++}.yaml`);
        writeFileSync(file, content);
        try {
          await loadDesiredState([file], {});
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const issue of err.issues) {
            expect(issue.message).not.toMatch(/\n|\bat .*\.js:\d+/);
            expect(issue.line).toBeGreaterThanOrEqual(0);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('aliases', () => {
  it('refuses a billion-laughs document quickly', async () => {
    const lines = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 12; i++) {
      const prev = String.fromCharCode(96 + i);
      const cur = String.fromCharCode(97 + i);
      lines.push(`${cur}: &${cur} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(await refuse(lines.join('\n'))).toEqual([
      '2:8: YAML aliases expand this document to more than 200000 values; refusing a possible alias bomb',
    ]);
  });

  it('refuses one large node aliased many times (each alias costs the size of its target)', async () => {
    const filters = Array.from({ length: 5000 }, () => '  - { entity: tag, action: created }').join('\n');
    const subs = Array.from(
      { length: 60 },
      (_, i) => `  - { description: s${i}, url_callback: "https://h.example", event_filters: *f }`,
    ).join('\n');
    const text = `x: &f\n${filters}\nworkspace_id: 1\nsubscriptions:\n${subs}\n`;
    expect(await refuse(text)).toEqual([
      '5004:74: YAML aliases expand this document to more than 200000 values; refusing a possible alias bomb',
    ]);
  });

  it('accepts ordinary aliases, such as one list of filters shared by several subscriptions', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: https://h.example/1',
        '    event_filters: &common [{ entity: project, action: "*" }, { entity: tag, action: created }]',
        ...Array.from({ length: 150 }, (_, i) =>
          [
            `  - description: Copy ${i}`,
            `    url_callback: https://h.example/${i}`,
            '    event_filters: *common',
          ].join('\n'),
        ),
      ].join('\n'),
    });
    const state = await loadDesiredState([dir], {});
    expect(state.workspaces[0]!.subscriptions.size).toBe(151);
    expect(state.workspaces[0]!.subscriptions.get('Copy 149')!.event_filters).toHaveLength(2);
  });
});

describe('nesting', () => {
  it.each([
    ['flow sequences', `a: ${'['.repeat(500_000)}`, `1:${4 + MAX_DEPTH}`],
    ['flow mappings', `a: ${'{a: '.repeat(200_000)}`, `1:${4 + 4 * MAX_DEPTH}`],
    ['compact block sequences', `${'- '.repeat(400_000)}x`, `1:${1 + 2 * MAX_DEPTH}`],
  ])('refuses deeply nested %s before parsing', async (_name, text, at) => {
    expect(await refuse(text)).toEqual([`${at}: nesting is too deep (more than ${MAX_DEPTH} levels)`]);
  });

  it('refuses deep nesting by indentation', async () => {
    const text = Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k:`).join('\n');
    const [message] = await refuse(text);
    expect(message).toMatch(/^\d+:\d+: nesting is too deep \(more than 32 levels\)$/);
  });

  it('does not count brackets inside quoted strings or comments', () => {
    const deep = '['.repeat(MAX_DEPTH + 5);
    expect(checkNesting(`a: "${deep}"\nb: '${deep}'\n# ${deep}\nc: [x, "${deep}"]\n`)).toBeUndefined();
    expect(checkNesting(`description: it's ${deep}`)).toBeDefined(); // a plain scalar: counted, conservatively
  });
});

describe('node count (parse cost within the depth limit)', () => {
  const tooMany = `too many values in one file (more than ${MAX_NODES} lists, mappings and entries); split it into several files`;
  // Each of these is under 1 MiB and within the depth limit, yet took the parser to 370-760 MB.
  const unit = `[${'['.repeat(MAX_DEPTH - 2)}${']'.repeat(MAX_DEPTH - 2)}]`;
  it.each([
    ['wide flow sequences', `${VALID_HEAD}x: [${Array(300_000).fill('a').join(',')}]\n`],
    ['many nested flow sequences', `${VALID_HEAD}x: [${Array(16_000).fill(unit).join(',')}]\n`],
    ['many empty flow mappings', `${VALID_HEAD}x: [${Array(150_000).fill('{}').join(',')}]\n`],
    [
      'compact block sequences on many lines',
      `${VALID_HEAD}x:\n${Array(40_000).fill('- - - a').join('\n')}\n`,
    ],
  ])('refuses %s before parsing', async (_name, text) => {
    const [message, ...rest] = await refuse(text);
    expect(rest).toEqual([]);
    expect(message).toMatch(/^\d+:\d+: /);
    expect(message!.replace(/^\d+:\d+: /, '')).toBe(tooMany);
  });

  it('accepts a 1 MiB file of real subscriptions (about 85,000 counted nodes)', async () => {
    let text = 'workspace_id: 1\nsubscriptions:\n';
    for (let i = 0; text.length < MAX_FILE_BYTES - 300; i++) {
      text += `  - description: "sub ${i}"\n    url_callback: https://h.example/${i}\n    enabled: true\n    event_filters:\n      - { entity: project, action: created }\n      - { entity: task, action: updated }\n`;
    }
    const dir = writeTree({ 'big.yaml': text });
    const state = await loadDesiredState([dir], {});
    expect(state.workspaces[0]!.subscriptions.size).toBeGreaterThan(5000);
  });
});

describe('files that declare nothing', () => {
  it.each([
    ['a 0-byte file', '', '1:1: file is empty'],
    ['a whitespace-only file', '  \n\n\t\n', '4:1: file holds only whitespace'],
    [
      'a comment-only file',
      '# prune: false\n',
      '2:1: file declares nothing (only comments or empty documents)',
    ],
    [
      'empty documents only',
      '---\n---\n~\n',
      '4:1: file declares nothing (only comments or empty documents)',
    ],
  ])('refuses %s: a truncated save is not "no subscriptions"', async (_name, text, expected) => {
    expect(await refuse(text)).toEqual([
      `${expected}; a truncated or half-written file is not read as "no subscriptions": to declare none, write \`workspace_id: <id>\` and \`subscriptions: []\``,
    ]);
  });
});

describe('keys', () => {
  it('finds duplicate keys in linear time, still checks the document, shows 50 problems a file', async () => {
    const text = `${VALID_HEAD}${Array.from({ length: 40_000 }, () => 'x: 1').join('\n')}\n`;
    const lines = await refuse(text);
    expect(lines).toHaveLength(51);
    expect(lines[0]).toBe("4:1: duplicate key 'x' (first at line 3, column 1)");
    expect(lines[49]).toBe("53:1: duplicate key 'x' (first at line 3, column 1)");
    // 39,999 duplicates and the unknown key itself, at its last occurrence.
    expect(lines[50]).toBe('39950 more problems not shown');
  });

  it('reports the distinct unknown keys of a huge mapping without a scan per key', async () => {
    const text = `${VALID_HEAD}${Array.from({ length: 40_000 }, (_, i) => `k${i}: 1`).join('\n')}\n`;
    const lines = await refuse(text);
    expect(lines).toEqual([
      ...Array.from(
        { length: 50 },
        (_, i) =>
          `${i + 3}:1: unknown key 'k${i}': allowed keys are workspace_id, prune, ignore, token_env, subscriptions`,
      ),
      '39950 more problems not shown',
    ]);
  });

  it('treats keys that read the same as duplicates (1 and "1")', async () => {
    expect(await refuse(`${VALID_HEAD}1: a\n"1": b\n`)).toEqual([
      "4:1: duplicate key '1' (first at line 3, column 1)",
      "4:1: unknown key '1': allowed keys are workspace_id, prune, ignore, token_env, subscriptions",
    ]);
  });

  it('keeps __proto__ an ordinary (unknown) key', async () => {
    expect(await refuse(`${VALID_HEAD}__proto__: { workspace_id: 2 }\n`)).toEqual([
      "3:1: unknown key '__proto__': allowed keys are workspace_id, prune, ignore, token_env, subscriptions",
    ]);
  });
});

describe('lone surrogates (half a UTF-16 pair, only a double-quoted escape can make one)', () => {
  const sub = (field: string, value: string) =>
    [
      'workspace_id: 1',
      'subscriptions:',
      `  - description: ${field === 'description' ? value : '"ok"'}`,
      `    url_callback: ${field === 'url_callback' ? value : 'https://hooks.example.com/a'}`,
      ...(field === 'secret' ? [`    secret: ${value}`] : []),
      '    event_filters: [{ entity: project, action: created }]',
      '',
    ].join('\n');

  it.each([
    ['description', 3, 18, '"Slack \\ud800 projects"', 'U+D800 at position 7'],
    ['secret', 5, 13, '"s3cr3t-\\udfff"', 'U+DFFF at position 8'],
    ['url_callback', 4, 19, '"https://hooks.example.com/\\ud83d"', 'U+D83D at position 27'],
  ])('refuses one in a %s, at its line and column', async (field, line, col, value, where) => {
    expect(await refuse(sub(field, value))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${line}:${col}: this string holds a lone surrogate ${where.replace('+', '\\+')}, .*U\\+FFFD`,
        ),
      ),
    ]);
  });

  it('refuses one in an ignore pattern too, and takes a whole pair (an emoji written as escapes)', async () => {
    const head = 'workspace_id: 1\nsubscriptions: []\n';
    expect(await refuse(`${head}ignore: ["Zap\\udc00*"]\n`)).toEqual([
      expect.stringMatching(/^3:10: this string holds a lone surrogate U\+DC00 at position 4/),
    ]);
    const dir = writeTree({
      'ok.yaml': `workspace_id: 1\nsubscriptions:\n  - description: "\\ud83d\\ude80 deploys"\n    url_callback: https://hooks.example.com/a\n    event_filters: [{ entity: project, action: created }]\n`,
    });
    const state = await loadDesiredState([dir], {});
    expect([...(state.workspaces[0]?.subscriptions.keys() ?? [])]).toEqual(['🚀 deploys']);
  });
});
