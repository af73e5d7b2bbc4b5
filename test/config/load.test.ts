// biome-ignore-all lint/suspicious/noTemplateCurlyInString: YAML sources and messages hold ${NAME} literally
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDesiredState } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { desiredSecrets } from '../../src/sensitive/index.js';
import { writeTree } from '../support/tmp.js';
import { serializeDesiredState, withoutSources } from './helpers.js';

const SUB = (description: string, extra = '') => `
  - description: "${description}"
    url_callback: https://hooks.example.com/${encodeURIComponent(description)}${extra}
    event_filters: [{ entity: project, action: created }]`;

async function issuesOf(paths: string[], env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  try {
    await loadDesiredState(paths, env);
  } catch (err) {
    if (err instanceof ConfigError) return err.message.split('\n');
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadDesiredState: defaults', () => {
  it('applies enabled: true, prune: true, ignore: [] and keeps an undeclared secret absent', async () => {
    const dir = writeTree({ 'a.yaml': `workspace_id: 42\nsubscriptions:${SUB('One')}\n` });
    const state = await loadDesiredState([dir], {});
    expect(state.files).toEqual([join(dir, 'a.yaml')]);
    expect(state.workspaces).toHaveLength(1);
    const ws = state.workspaces[0]!;
    expect(ws).toMatchObject({ workspace_id: 42, prune: true, ignore: [] });
    const sub = ws.subscriptions.get('One')!;
    expect(sub).toEqual({
      description: 'One',
      url_callback: 'https://hooks.example.com/One',
      enabled: true,
      event_filters: [{ entity: 'project', action: 'created' }],
      source: { file: join(dir, 'a.yaml'), line: 3, col: 18 },
      sensitive: { url_callback: false, substituted: [] },
    });
    expect('secret' in sub).toBe(false);
    expect(ws.sources).toEqual([{ file: join(dir, 'a.yaml'), line: 1, col: 15 }]);
  });

  it('accepts an empty subscriptions list (with prune it means: delete all, which the guard checks)', async () => {
    const dir = writeTree({ 'a.yaml': 'workspace_id: 42\nsubscriptions: []\n' });
    const state = await loadDesiredState([dir], {});
    expect(state.workspaces[0]!.subscriptions.size).toBe(0);
    expect(state.workspaces[0]!.prune).toBe(true);
  });

  it('ignores empty documents beside real ones; a BOM is fine', async () => {
    const dir = writeTree({
      'b.yaml': `---\n---\n# c\n---\nworkspace_id: 7\nsubscriptions: []\n---\n~\n`,
      'c.yaml': `\uFEFFworkspace_id: 8\nsubscriptions: []\n`,
    });
    const state = await loadDesiredState([dir], {});
    expect(state.files).toHaveLength(2);
    expect(state.workspaces.map((w) => w.workspace_id)).toEqual([7, 8]);
  });

  it('refuses a file that declares nothing (test/config/hostile.test.ts has each shape)', async () => {
    const dir = writeTree({
      'a.yaml': '# nothing here yet\n',
      'c.yaml': 'workspace_id: 8\nsubscriptions: []\n',
    });
    await expect(loadDesiredState([dir], {})).rejects.toThrow(/a\.yaml:2:1: file declares nothing/);
  });
});

describe('loadDesiredState: merge', () => {
  it('merges documents and files for one workspace in file then document order, sorted by workspace', async () => {
    const dir = writeTree({
      'b.yaml': `workspace_id: 2\nsubscriptions:${SUB('B1')}\n---\nworkspace_id: 1\nsubscriptions:${SUB('A2')}\n`,
      'a.yaml': `workspace_id: 1\nprune: false\nignore: ["Zap*"]\nsubscriptions:${SUB('A1')}\n`,
      'sub/c.yml': `workspace_id: 1\nsubscriptions:${SUB('A3')}${SUB('A4')}\n`,
    });
    const state = await loadDesiredState([dir], {});
    expect(state.files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yaml'), join(dir, 'sub/c.yml')]);
    expect(state.workspaces.map((w) => w.workspace_id)).toEqual([1, 2]);
    const ws1 = state.workspaces[0]!;
    expect([...ws1.subscriptions.keys()]).toEqual(['A1', 'A2', 'A3', 'A4']);
    // prune and ignore set by one document hold for the documents that do not set them.
    expect(ws1.prune).toBe(false);
    expect(ws1.ignore).toEqual(['Zap*']);
    expect(ws1.sources.map((s) => `${s.file}:${s.line}`)).toEqual([
      `${join(dir, 'a.yaml')}:1`,
      `${join(dir, 'b.yaml')}:7`,
      `${join(dir, 'sub/c.yml')}:1`,
    ]);
    expect(state.workspaces[1]!.prune).toBe(true);
  });

  it('accepts prune and ignore repeated with the same value (ignore compared as a set)', async () => {
    const dir = writeTree({
      'a.yaml': 'workspace_id: 1\nprune: false\nignore: [a*, b*]\nsubscriptions: []\n',
      'b.yaml': 'workspace_id: 1\nprune: false\nignore: [b*, a*, a*]\nsubscriptions: []\n',
    });
    const state = await loadDesiredState([dir], {});
    expect(state.workspaces[0]).toMatchObject({ prune: false, ignore: ['a*', 'b*'] });
  });

  it('names both places when a description is declared twice, across files', async () => {
    const dir = writeTree({
      'a.yaml': `workspace_id: 1\nsubscriptions:${SUB('Same')}\n`,
      'b.yaml': `workspace_id: 1\nsubscriptions:${SUB('Other')}${SUB('Same')}\n`,
      'c.yaml': `workspace_id: 2\nsubscriptions:${SUB('Same')}\n`,
    });
    expect(await issuesOf([dir])).toEqual([
      `${join(dir, 'b.yaml')}:6:18: description 'Same' is declared twice for workspace 1 (first at ${join(dir, 'a.yaml')}:3:18)`,
    ]);
  });

  it('names both places when prune or ignore disagree across files', async () => {
    const dir = writeTree({
      'a.yaml': 'workspace_id: 1\nprune: false\nignore: [x]\nsubscriptions: []\n',
      'b.yaml': 'workspace_id: 1\nsubscriptions: []\nprune: true\nignore: [y]\n',
    });
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    expect(await issuesOf([dir])).toEqual([
      `${b}:3:8: prune: true disagrees with prune: false for workspace 1 at ${a}:2:8 (set it once, or the same everywhere)`,
      `${b}:4:9: ignore for workspace 1 differs from the ignore at ${a}:3:9 (set it once, or the same everywhere)`,
    ]);
  });
});

describe('loadDesiredState: ${NAME} expansion', () => {
  it('expands secret and url_callback from the given environment, and nothing else', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'ignore: ["${NOT_EXPANDED}*"]',
        'subscriptions:',
        '  - description: "Costs ${NOT_EXPANDED}"',
        '    url_callback: https://hooks.example.com/t?token=${HOOK_TOKEN}&literal=$${KEPT}&cost=$5',
        '    secret: ${SECRET_PART}-${SECRET_PART}',
        '    event_filters: [{ entity: "*", action: "*" }]',
        '  - description: Whole URL from the environment',
        '    url_callback: ${WHOLE_URL}',
        '    event_filters: [{ entity: tag, action: deleted }]',
      ].join('\n'),
    });
    const env = {
      HOOK_TOKEN: 'tok-123456',
      SECRET_PART: 'sec-abcdef',
      WHOLE_URL: 'https://hooks.slack.example/services/T0/B0/xyzxyzxyz',
    };
    const state = await loadDesiredState([dir], env);
    const ws = state.workspaces[0]!;
    expect(ws.ignore).toEqual(['${NOT_EXPANDED}*']);
    const sub = ws.subscriptions.get('Costs ${NOT_EXPANDED}')!;
    expect(sub.url_callback).toBe('https://hooks.example.com/t?token=tok-123456&literal=${KEPT}&cost=$5');
    expect(sub.secret).toBe('sec-abcdef-sec-abcdef');
    expect(ws.subscriptions.get('Whole URL from the environment')!.url_callback).toBe(env.WHOLE_URL);

    // Sensitivity is data: a field built from a reference is sensitive as a whole, and every
    // substituted value is listed for the scrub of text from outside.
    expect(sub.sensitive).toEqual({ url_callback: true, substituted: ['tok-123456', 'sec-abcdef'] });
    expect(ws.subscriptions.get('Whole URL from the environment')!.sensitive).toEqual({
      url_callback: true,
      substituted: [env.WHOLE_URL],
    });
    expect(desiredSecrets(state)).toEqual(
      expect.arrayContaining([
        'tok-123456',
        'sec-abcdef',
        'sec-abcdef-sec-abcdef',
        sub.url_callback,
        env.WHOLE_URL,
      ]),
    );
  });

  it('masks a long sensitive value where a problem quotes the file, and leaves short ones', async () => {
    const value = 'pasted-Secret-Value-123456789';
    const dir = writeTree({
      'a.yaml': `workspace_id: 1\nsubscriptions:${SUB('One', '?t=${TOK}')}\n    secret: \${PIN}\n`,
      'b.yaml': [
        'workspace_id: 2',
        'subscriptions:',
        '  - description: Two',
        '    url_callback: https://hooks.example.com/two',
        `    enabled: ${value}`,
        `    ${value}: 1`,
        '    event_filters: [{ entity: "7", action: created }]',
      ].join('\n'),
    });
    const issues = await issuesOf([dir], { TOK: value, PIN: '7' });
    expect(issues.join('\n')).not.toContain(value);
    expect(issues).toEqual([
      expect.stringMatching(
        /b\.yaml:5:14: subscriptions\[0\]\.enabled must be true or false, got '\(sensitive\)'$/,
      ),
      expect.stringMatching(/b\.yaml:6:5: unknown key '\(sensitive\)' at subscriptions\[0\]/),
      // A short value (a digit) in the file's own text is not masked: it would garble every message.
      expect.stringMatching(/b\.yaml:7:31: invalid entity '7' at/),
    ]);
  });

  it('masks a long secret also as a message shows it: escaped, or cut to a length', async () => {
    // A visible non-ASCII character stays, an invisible one is escaped: no JSON form has that mix.
    const invisible = 'hidden-Sécret\u0007\u200bValue-123456789';
    const long = `${'x'.repeat(10)}-long-Secret-${'😀'.repeat(30)}-end`;
    const dir = writeTree({
      'a.yaml': `workspace_id: 1\nsubscriptions:${SUB('One', '?t=${A}')}\n    secret: \${B}\n`,
      'b.yaml': [
        'workspace_id: 2',
        'subscriptions:',
        '  - description: Two',
        '    url_callback: https://hooks.example.com/two',
        `    enabled: ${JSON.stringify(invisible)}`,
        `    ${JSON.stringify(long)}: 1`,
        '    event_filters: [{ entity: project, action: created }]',
      ].join('\n'),
    });
    const issues = (await issuesOf([dir], { A: invisible, B: long })).join('\n');
    expect(issues).toContain("got '(sensitive)'");
    expect(issues).toContain("unknown key '(sensitive)…'");
    expect(issues).not.toContain('hidden-Sécret');
    expect(issues).not.toContain('Value-123456789');
    expect(issues).not.toContain('😀');
  });

  it('marks short, numeric and word-like substituted values too (they are still the user secret)', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: https://hooks.example.com:${PORT}/in/${WORD}',
        '    secret: ${PIN}',
        '    event_filters: [{ entity: tag, action: deleted }]',
      ].join('\n'),
    });
    const state = await loadDesiredState([dir], { PORT: '8443', WORD: 'in', PIN: '7' });
    const sub = state.workspaces[0]!.subscriptions.get('One')!;
    expect(sub.sensitive).toEqual({ url_callback: true, substituted: ['8443', 'in', '7'] });
    expect(desiredSecrets(state)).toEqual(expect.arrayContaining(['8443', 'in', '7', sub.url_callback]));
  });

  it('marks a declared secret written in clear, and a literal URL only when it carries a credential', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: https://hooks.example.com/plain',
        '    secret: clear-text-secret-42',
        '    event_filters: [{ entity: tag, action: deleted }]',
        '  - description: Two',
        '    url_callback: https://hooks.example.com/in?key=abc',
        '    event_filters: [{ entity: tag, action: deleted }]',
        '  - description: Three',
        '    url_callback: https://hooks.slack.com/services/T0/B0/x',
        '    event_filters: [{ entity: tag, action: deleted }]',
      ].join('\n'),
    });
    const state = await loadDesiredState([dir], {});
    const subs = state.workspaces[0]!.subscriptions;
    expect(subs.get('One')!.sensitive.url_callback).toBe(false);
    expect(subs.get('Two')!.sensitive.url_callback).toBe(true);
    expect(subs.get('Three')!.sensitive.url_callback).toBe(true);
    expect(desiredSecrets(state)).toEqual([
      'clear-text-secret-42',
      'https://hooks.example.com/in?key=abc',
      'https://hooks.slack.com/services/T0/B0/x',
    ]);
  });

  it('reads process.env by default', async () => {
    const dir = writeTree({
      'a.yaml': `workspace_id: 1\nsubscriptions:${SUB('One')}\n    secret: \${TWS_LOAD_TEST_DEFAULT_ENV}\n`,
    });
    process.env['TWS_LOAD_TEST_DEFAULT_ENV'] = 'from-process-env';
    try {
      const state = await loadDesiredState([dir]);
      expect(state.workspaces[0]!.subscriptions.get('One')!.secret).toBe('from-process-env');
    } finally {
      delete process.env['TWS_LOAD_TEST_DEFAULT_ENV'];
    }
  });

  it('reports every unset variable at the reference itself and never prints a value', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: "https://h.example/${SET_ONE}/${UNSET_A}?q=${UNSET_B}"',
        '    secret: ${UNSET_A}',
        '    event_filters: [{ entity: tag, action: created }]',
      ].join('\n'),
    });
    const lines = await issuesOf([dir], { SET_ONE: 'visible-value-123' });
    const f = join(dir, 'a.yaml');
    expect(lines).toEqual([
      `${f}:4:49: environment variable UNSET_A is not set (referenced in subscriptions[0].url_callback)`,
      `${f}:4:62: environment variable UNSET_B is not set (referenced in subscriptions[0].url_callback)`,
      `${f}:5:13: environment variable UNSET_A is not set (referenced in subscriptions[0].secret)`,
    ]);
    expect(lines.join('\n')).not.toContain('visible-value-123');
  });

  it('never quotes a url_callback or secret back in a message', async () => {
    const dir = writeTree({
      'a.yaml': [
        'workspace_id: 1',
        'subscriptions:',
        '  - description: One',
        '    url_callback: ftp://user:hunter2@files.example/?token=tok-in-clear',
        '    secret: 12345678',
        '    event_filters: [{ entity: tag, action: created }]',
      ].join('\n'),
    });
    const text = (await issuesOf([dir])).join('\n');
    expect(text).toContain('subscriptions[0].url_callback must be an http:// or https:// URL');
    expect(text).toContain('subscriptions[0].secret must be a string, got a number (quote it)');
    expect(text).not.toMatch(/hunter2|tok-in-clear|12345678/);
  });
});

describe('loadDesiredState: all problems of all files at once', () => {
  it('collects schema, YAML, merge and path problems of every file, sorted by file, line, column', async () => {
    const dir = writeTree({
      'b.yaml': `workspace_id: 1\nsubscriptions:${SUB('Dup')}\n  - description: x\n    enabled: maybe\n`,
      'a.yaml': `workspace_id: 1\nsubscriptions:${SUB('Dup')}\n---\nworkspace_id: [\n`,
      'c/d.yaml': 'workspace_id: 3\nsubscriptions: []\nextra: 1\nextra: 2\n',
    });
    const missing = join(dir, 'missing');
    const lines = await issuesOf([join(dir, 'c'), missing, dir]);
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    const d = join(dir, 'c/d.yaml');
    expect(lines).toEqual([
      `${a}:7:15: invalid YAML: the '[' opened here is never closed (the parser stopped at 8:1: flow sequence in block collection must be sufficiently indented and end with a ])`,
      `${b}:3:18: description 'Dup' is declared twice for workspace 1 (first at ${a}:3:18)`,
      `${b}:6:5: missing required keys 'url_callback' and 'event_filters' at subscriptions[1]`,
      `${b}:7:14: subscriptions[1].enabled must be true or false, got 'maybe'`,
      `${d}:4:1: duplicate key 'extra' (first at line 3, column 1)`,
      `${d}:4:1: unknown key 'extra': allowed keys are workspace_id, prune, ignore, token_env, subscriptions`,
      `${missing}: no such file or directory`,
    ]);
  });

  it('throws a ConfigError whose issues carry file, line, col and message', async () => {
    const dir = writeTree({ 'a.yaml': 'workspace_id: 0\nsubscriptions: []\n' });
    const err = await loadDesiredState([dir], {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('E_CONFIG');
    expect((err as ConfigError).issues).toEqual([
      {
        file: join(dir, 'a.yaml'),
        line: 1,
        col: 15,
        message: 'workspace_id must be a positive integer, got 0',
      },
    ]);
  });
});

describe('examples/subscriptions', () => {
  const env = { SLACK_HOOK_SECRET: 'example-secret-value' };

  it('load: three files, two workspaces, merged across files and documents', async () => {
    const state = await loadDesiredState(['examples/subscriptions'], env);
    expect(state.files).toEqual([
      'examples/subscriptions/acme-main.yaml',
      'examples/subscriptions/acme-reporting.yml',
      'examples/subscriptions/team/people.yaml',
    ]);
    expect(state.workspaces.map((w) => [w.workspace_id, w.prune, w.ignore, w.subscriptions.size])).toEqual([
      [1234567, true, ['Zapier*', 'Manual: *'], 5],
      [7654321, false, [], 1],
    ]);
    expect(state.workspaces[0]!.subscriptions.get('Slack: new projects')!.secret).toBe(env.SLACK_HOOK_SECRET);
    expect(state.workspaces[0]!.subscriptions.get('Audit: deletions')!.enabled).toBe(false);
  });

  it('round-trip: load, serialize, load again gives the same desired state', async () => {
    const first = await loadDesiredState(['examples/subscriptions'], env);
    const dir = writeTree({ 'all.yaml': serializeDesiredState(first) });
    const second = await loadDesiredState([dir], {});
    expect(withoutSources(second)).toEqual(withoutSources(first));
  });

  it('each example carries the schema modeline for editors', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const file of (await loadDesiredState(['examples/subscriptions'], env)).files) {
      const depth = file.split('/').length - 1;
      const schema = `${'../'.repeat(depth)}schemas/subscriptions.schema.json`;
      expect((await readFile(file, 'utf8')).split('\n')[0]).toBe(`# yaml-language-server: $schema=${schema}`);
    }
  });
});

describe('explicit paths', () => {
  it('reads a file given explicitly whatever its extension', async () => {
    const dir = writeTree({ 'subs.txt': 'workspace_id: 5\nsubscriptions: []\n' });
    const state = await loadDesiredState([join(dir, 'subs.txt')], {});
    expect(state.workspaces.map((w) => w.workspace_id)).toEqual([5]);
  });

  it('reads a file given twice (directly and through its directory) once', async () => {
    const dir = writeTree({ 'a.yaml': `workspace_id: 5\nsubscriptions:${SUB('Once')}\n` });
    const state = await loadDesiredState([dir, join(dir, 'a.yaml'), `${dir}/./`], {});
    expect(state.files).toEqual([join(dir, 'a.yaml')]);
    expect(state.workspaces[0]!.subscriptions.size).toBe(1);
  });

  it('refuses a path that is neither a file nor a directory', async () => {
    const dir = writeTree({});
    const fifo = join(dir, 'pipe.yaml');
    const { execFileSync } = await import('node:child_process');
    execFileSync('mkfifo', [fifo]);
    expect(await issuesOf([fifo])).toEqual([`${fifo}: not a regular file or directory`]);
  });

  it('refuses an empty directory: a wrong path should not look like "nothing declared"', async () => {
    const dir = writeTree({ 'README.md': 'not yaml' });
    expect(await issuesOf([dir])).toEqual([`${dir}: no *.yaml or *.yml files found in this directory`]);
  });
});

it('the serialization helper escapes ${ so values survive as literals', () => {
  const text = serializeDesiredState({
    files: [],
    workspaces: [
      {
        workspace_id: 1,
        prune: true,
        ignore: [],
        sources: [],
        subscriptions: new Map([
          [
            'd',
            {
              description: 'd',
              url_callback: 'https://h.example/${X}',
              sensitive: { url_callback: false, substituted: [] },
              enabled: true,
              secret: 'a${b',
              event_filters: [{ entity: 'tag', action: '*' }],
              source: { file: 'x', line: 1, col: 1 },
            },
          ],
        ]),
      },
    ],
  });
  expect(text).toContain('url_callback: https://h.example/$${X}');
  expect(text).toContain('secret: a$${b');
});
