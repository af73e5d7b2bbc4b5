import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { chaosSeed } from './prng.js';

/**
 * Fuzzing the loader and `validate`: random YAML-shaped text, edited valid files, alias bombs and raw
 * bytes. The loader either resolves or rejects with a ConfigError (never another error), and never
 * hangs: each input must finish within HANG_BOUND_MS, a bound about a thousand times what a small file
 * takes, so only a hang or runaway work trips it. A sample goes through the built CLI, which must exit
 * 0 or 1 with a message and no stack trace. Replay with CHAOS_SEED.
 */

const SEED = chaosSeed();
const RUNS = Number(process.env['CHAOS_FUZZ_RUNS'] ?? 400);
const CLI_SAMPLES = Number(process.env['CHAOS_FUZZ_CLI'] ?? 24);
const HANG_BOUND_MS = 5_000;
const ENV = { HOOK_SECRET: 'fuzz-secret-value', X: 'x-value' };

const VALID = [
  [
    'workspace_id: 1234567',
    'prune: true',
    'ignore: ["Zapier*"]',
    'subscriptions:',
    '  - description: "Slack: new projects"',
    `    url_callback: https://hooks.example.com/toggl?token=\${X}`,
    '    enabled: true',
    `    secret: \${HOOK_SECRET}`,
    '    event_filters:',
    '      - { entity: project, action: created }',
    '      - { entity: tag, action: "*" }',
    '',
  ].join('\n'),
  [
    '# yaml-language-server: $schema=../schemas/subscriptions.schema.json',
    'workspace_id: 7654321',
    'subscriptions:',
    '  - description: Billing',
    '    url_callback: https://billing.example.com/hook',
    '    event_filters:',
    '      - entity: time_entry',
    '        action: "*"',
    '---',
    'workspace_id: 7654321',
    'subscriptions: []',
    '',
  ].join('\n'),
  '{workspace_id: 42, prune: false, subscriptions: [{description: a, url_callback: "https://a.example.com", event_filters: [{entity: "*", action: deleted}]}]}\n',
];

const TOKENS = [
  'workspace_id: ',
  'subscriptions:\n',
  '  - description: ',
  '    url_callback: https://hooks.example.com/x',
  '    event_filters:\n',
  '      - { entity: project, action: created }\n',
  'entity: ',
  'action: ',
  'enabled: ',
  'secret: ',
  'prune: ',
  'ignore: [',
  ']',
  '[',
  '{',
  '}',
  ', ',
  '- ',
  ': ',
  '\n',
  '\n  ',
  '\n    ',
  '\t',
  '---\n',
  '...\n',
  '&a ',
  '*a',
  '&b [*a, *a, *a]',
  '<<: *a',
  '!!binary ',
  '!!str ',
  '!custom ',
  '? ',
  '|\n  ',
  '>-\n  ',
  '"',
  "'",
  '# comment\n',
  '%YAML 1.2\n',
  `\${X}`,
  `\${UNSET_VARIABLE}`,
  `$\${X}`,
  '${',
  '\\u0000',
  '\u0000',
  '\ufeff',
  '\r\n',
  'true',
  'null',
  '~',
  '1e309',
  '-1',
  '0x1F',
  '12345678901234567890',
  '"\\x41\\uD800"',
  '\u202e',
  '🦄',
];

const yamlShaped = fc
  .array(
    fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom(...TOKENS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
      { weight: 1, arbitrary: fc.nat({ max: 10_000_000 }).map(String) },
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(''));

const edit = fc.record({
  at: fc.nat(),
  kind: fc.constantFrom('insert', 'delete', 'duplicate-line', 'drop-line', 'indent'),
  token: fc.constantFrom(...TOKENS),
  length: fc.integer({ min: 1, max: 12 }),
});

/** A valid file with a few random edits: close to real mistakes, and sometimes still valid. */
const editedValid = fc
  .tuple(fc.constantFrom(...VALID), fc.array(edit, { minLength: 1, maxLength: 4 }))
  .map(([doc, edits]) => {
    let text = doc;
    for (const e of edits) {
      const at = e.at % (text.length + 1);
      const lines = text.split('\n');
      const line = e.at % lines.length;
      if (e.kind === 'insert') text = text.slice(0, at) + e.token + text.slice(at);
      else if (e.kind === 'delete') text = text.slice(0, at) + text.slice(at + e.length);
      else if (e.kind === 'duplicate-line') lines.splice(line, 0, lines[line] ?? '');
      else if (e.kind === 'drop-line') lines.splice(line, 1);
      else lines[line] = ' '.repeat(e.length % 5) + (lines[line] ?? '');
      if (e.kind === 'duplicate-line' || e.kind === 'drop-line' || e.kind === 'indent')
        text = lines.join('\n');
    }
    return text;
  });

/** Billion-laughs shapes of random depth and width. */
const aliasBomb = fc
  .record({
    depth: fc.integer({ min: 2, max: 12 }),
    width: fc.integer({ min: 2, max: 12 }),
    flow: fc.boolean(),
  })
  .map(({ depth, width, flow }) => {
    const lines = ['workspace_id: 1', 'a0: &a0 ["lol"]'];
    for (let i = 1; i <= depth; i++) {
      const refs = Array.from({ length: width }, () => `*a${i - 1}`);
      lines.push(
        flow
          ? `a${i}: &a${i} [${refs.join(', ')}]`
          : `a${i}: &a${i}\n${refs.map((r) => `  - ${r}`).join('\n')}`,
      );
    }
    lines.push(`subscriptions: *a${depth}`);
    return `${lines.join('\n')}\n`;
  });

const bytes = fc.uint8Array({ maxLength: 4096 }).map((b) => Buffer.from(b));

const anyInput: fc.Arbitrary<string | Buffer> = fc.oneof(yamlShaped, editedValid, aliasBomb, bytes);

describe('fuzzing the loader', () => {
  let file: string;
  const outcomes = { ok: 0, refused: 0 };
  beforeAll(() => {
    file = join(writeTree({}), 'fuzz.yaml');
  });
  afterAll(() => {
    console.log(
      `fuzz: seed ${SEED}, ${RUNS} runs per property, ${outcomes.ok} loaded, ${outcomes.refused} refused`,
    );
  });

  /** Resolves or rejects with a ConfigError whose every issue has a position and a message. */
  async function loadOnce(content: string | Buffer): Promise<void> {
    writeFileSync(file, content);
    const started = performance.now();
    try {
      await loadDesiredState([file], ENV);
      outcomes.ok++;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      outcomes.refused++;
      expect(err.issues.length).toBeGreaterThan(0);
      for (const issue of err.issues) {
        expect(issue.file).toBe(file);
        expect(issue.message.trim()).not.toBe('');
        expect(issue.line).toBeGreaterThanOrEqual(0);
      }
    }
    const elapsed = performance.now() - started;
    expect(elapsed, `the loader took ${Math.round(elapsed)} ms on one input`).toBeLessThan(HANG_BOUND_MS);
  }

  const cases: Array<[string, fc.Arbitrary<string | Buffer>]> = [
    ['YAML-shaped token soup', yamlShaped],
    ['valid files with random edits', editedValid],
    ['alias bombs', aliasBomb],
    ['random bytes', bytes],
  ];
  it.each(cases)(
    '%s: resolves or fails with a ConfigError, never hangs',
    async (_name, arbitrary) => {
      await fc.assert(fc.asyncProperty(arbitrary, loadOnce), { seed: SEED, numRuns: RUNS });
    },
    600_000,
  );
});

describe('fuzzing validate (built CLI)', () => {
  beforeAll(() => assertBuilt());

  it(`${CLI_SAMPLES} random inputs: exit 0 or 1 with a message, never a crash or a stack trace`, async () => {
    const inputs = fc.sample(anyInput, { seed: SEED, numRuns: CLI_SAMPLES });
    const check = async (content: string | Buffer, i: number) => {
      const dir = writeTree({ 'input.yaml': content });
      const run = await runCli(['validate', dir], { env: ENV });
      const what = `sample ${i} (seed ${SEED}): exit ${run.code}\n${run.stdout}\n${run.stderr}`;
      expect(run.signal, what).toBeNull();
      expect([0, 1], what).toContain(run.code);
      expect(run.stderr, what).not.toMatch(/^\s{4}at /m);
      if (run.code === 0) expect(run.stdout, what).toMatch(/^OK: /);
      else expect(run.stderr, what).toMatch(/input\.yaml(:\d+:\d+)?: \S/);
    };
    // Two at a time: the CLI is a process each, and CI has two cores.
    for (let i = 0; i < inputs.length; i += 2) {
      await Promise.all(inputs.slice(i, i + 2).map((input, j) => check(input, i + j)));
    }
  }, 300_000);
});
