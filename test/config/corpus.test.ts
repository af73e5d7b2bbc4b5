import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runValidate } from '../../src/commands/validate.js';
import { assertBuilt, runCli } from '../support/cli.js';

/**
 * The corpus of invalid inputs: each `x.yaml` under test/fixtures/config/invalid/ has beside it
 * `x.expected`, the exact `LINE:COL: message` lines `validate x.yaml` must print after the file name
 * (`{file}` stands for the fixture's own path). Run in-process through the validate command as the CLI
 * assembles it (same loader, same printer, same exit code); a few fixtures also go through the built
 * CLI below, for what only a real process shows (stdout empty, exit status).
 */
const DIR = 'test/fixtures/config/invalid';

// The variables some fixtures reference; everything else is unset.
const ENV = { TWS_TEST_NOT_A_URL: 'not a url', TWS_TEST_EMPTY: '' };

const fixtures = readdirSync(DIR)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();

function expectedLines(name: string): string[] {
  const file = `${DIR}/${name}`;
  const text = readFileSync(`${DIR}/${name.replace(/\.ya?ml$/, '')}.expected`, 'utf8');
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => `${file}:${line.replaceAll('{file}', file)}`);
}

async function validateInProcess(file: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runValidate(
    { paths: [file], output: 'text' },
    {
      env: { ...ENV },
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
    },
  );
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('validate: invalid inputs', () => {
  it('has an .expected file for every fixture and a fixture for every .expected file, at least 30', () => {
    const expected = readdirSync(DIR)
      .filter((name) => name.endsWith('.expected'))
      .map((name) => name.replace(/\.expected$/, ''))
      .sort();
    expect(fixtures.map((name) => name.replace(/\.ya?ml$/, '')).sort()).toEqual(expected);
    expect(fixtures.length).toBeGreaterThanOrEqual(30);
  });

  it.each(fixtures)('%s', async (name) => {
    const file = `${DIR}/${name}`;
    const result = await validateInProcess(file);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => l !== '')).toEqual(expectedLines(name));
    expect(result.code).toBe(1);
  });
});

describe('validate: invalid inputs through the built CLI (smoke)', () => {
  beforeAll(() => assertBuilt());

  // One of each family: schema, YAML syntax, budget, variables, merge across documents.
  const SMOKE = [
    'action-invalid.yaml',
    'alias-bomb.yaml',
    'binary-junk.yaml',
    'variable-unset.yaml',
    'description-twice-across-documents.yaml',
  ];

  it.concurrent.each(SMOKE)('%s', async (name) => {
    const file = `${DIR}/${name}`;
    const result = await runCli(['validate', file], { env: ENV });
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n').filter((l) => l !== '')).toEqual(expectedLines(name));
    expect(result.code).toBe(1);
  });
});
