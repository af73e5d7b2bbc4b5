import { execFileSync } from 'node:child_process';
import { mkdirSync, renameSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PATHS, discoverInputFiles, listInputFiles } from '../../src/config/files.js';
import { loadDesiredState } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { writeTree } from '../support/tmp.js';

const doc = (ws: number, description: string) =>
  `workspace_id: ${ws}\nsubscriptions:\n  - description: "${description}"\n` +
  `    url_callback: https://hooks.example.com/x\n    event_filters: [{ entity: tag, action: "*" }]\n`;

describe('listInputFiles', () => {
  it('walks directories recursively in sorted order, *.yaml and *.yml only, any case', async () => {
    const dir = writeTree({
      'b.yaml': '',
      'a.yml': '',
      'C.YAML': '',
      'notes.md': '',
      'data.json': '',
      yaml: '',
      'z/nested/deep.yaml': '',
      'm/x.yaml': '',
      'm/x.yaml.bak': '',
    });
    expect(await listInputFiles([dir])).toEqual(
      ['C.YAML', 'a.yml', 'b.yaml', 'm/x.yaml', 'z/nested/deep.yaml'].map((f) => join(dir, f)),
    );
  });

  it('skips dot files and dot directories inside directories (.git, .github, editor backups)', async () => {
    const dir = writeTree({
      'a.yaml': '',
      '.hidden.yaml': '',
      '.git/config.yaml': '',
      '.github/workflows/ci.yml': '',
      'sub/.swp.yaml': '',
    });
    expect(await listInputFiles([dir])).toEqual([join(dir, 'a.yaml')]);
  });

  it('takes a file given explicitly as is, whatever its name, dot files included', async () => {
    const dir = writeTree({ 'subs.conf': '', '.hidden.yaml': '' });
    const files = [join(dir, 'subs.conf'), join(dir, '.hidden.yaml')];
    expect(await listInputFiles(files)).toEqual([...files].sort());
  });

  it('follows symlinks to files and directories and lists each real file once', async () => {
    const shared = writeTree({ 'common.yaml': '', 'deep/more.yml': '' });
    const dir = writeTree({ 'own.yaml': '' });
    symlinkSync(shared, join(dir, 'shared'));
    symlinkSync(join(dir, 'own.yaml'), join(dir, 'alias.yaml'));
    symlinkSync(dir, join(dir, 'loop')); // a cycle must end
    const files = await listInputFiles([dir, join(dir, 'own.yaml'), shared]);
    expect(files).toEqual([
      join(dir, 'alias.yaml'), // first name seen for own.yaml's content, in walk order
      join(dir, 'shared/common.yaml'),
      join(dir, 'shared/deep/more.yml'),
    ]);
  });

  it('reports a broken *.yaml symlink and ignores broken links to other names', async () => {
    const dir = writeTree({ 'a.yaml': '' });
    symlinkSync(join(dir, 'gone.yaml'), join(dir, 'b.yaml'));
    symlinkSync(join(dir, 'gone.txt'), join(dir, 'c.txt'));
    const { files, issues } = await discoverInputFiles([dir]);
    expect(files).toEqual([join(dir, 'a.yaml')]);
    expect(issues).toEqual([
      { file: join(dir, 'b.yaml'), line: 0, col: 0, message: 'cannot read: no such file or directory' },
    ]);
  });

  it('throws a ConfigError naming a path that does not exist', async () => {
    const dir = writeTree({});
    const missing = join(dir, 'nope');
    const err = await listInputFiles([missing]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).message).toBe(`${missing}: no such file or directory`);
  });

  it('defaults to ./subscriptions', () => {
    expect(DEFAULT_PATHS).toEqual(['./subscriptions']);
  });
});

describe('a *.yaml entry that is not a regular file is an error, never skipped', () => {
  // Skipped, what it declares would vanish and, with prune, be deleted (docs/limits-and-budgets.md).
  it.each([
    ['a FIFO', (dir: string) => execFileSync('mkfifo', [join(dir, 'b.yaml')])],
    ['a symlink to a device', (dir: string) => symlinkSync('/dev/zero', join(dir, 'b.yaml'))],
    ['a directory', (dir: string) => mkdirSync(join(dir, 'b.yaml'))],
    [
      'a symlink to a directory',
      (dir: string) => {
        mkdirSync(join(dir, 'real'));
        symlinkSync(join(dir, 'real'), join(dir, 'b.yaml'));
      },
    ],
  ])('%s named b.yaml', async (_what, make) => {
    const dir = writeTree({ 'a.yaml': doc(1, 'A') });
    make(dir);
    const { files, issues } = await discoverInputFiles([dir]);
    expect(files).toEqual([join(dir, 'a.yaml')]);
    expect(issues).toEqual([expect.objectContaining({ file: join(dir, 'b.yaml') })]);
    await expect(loadDesiredState([dir], {})).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('a Kubernetes ConfigMap volume', () => {
  /**
   * kubelet writes the keys into a timestamped directory, points `..data` at it and exposes each key
   * as a top-level symlink through `..data`; an update swaps `..data` atomically.
   */
  function configMap(files: Record<string, string>, stamp = '..2026_01_01_00_00_00.000000001') {
    const dir = writeTree(Object.fromEntries(Object.entries(files).map(([k, v]) => [`${stamp}/${k}`, v])));
    symlinkSync(stamp, join(dir, '..data'));
    for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
    return dir;
  }

  it('lists each key once, under its top-level name', async () => {
    const dir = configMap({ 'a.yaml': doc(1, 'A'), 'b.yml': doc(2, 'B') });
    expect(await listInputFiles([dir])).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yml')]);
  });

  it('loads each file exactly once (no duplicate-description error from the ..data copy)', async () => {
    const dir = configMap({ 'a.yaml': doc(1, 'A'), 'b.yml': doc(1, 'B') });
    const state = await loadDesiredState([dir], {});
    expect(state.files).toEqual([join(dir, 'a.yaml'), join(dir, 'b.yml')]);
    expect([...state.workspaces[0]!.subscriptions.keys()]).toEqual(['A', 'B']);
  });

  it('sees the new content after kubelet swaps ..data', async () => {
    const dir = configMap({ 'a.yaml': doc(1, 'Old') });
    const next = '..2026_01_02_00_00_00.000000002';
    mkdirSync(join(dir, next));
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(dir, next, 'a.yaml'), doc(1, 'New'));
    symlinkSync(next, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    const state = await loadDesiredState([dir], {});
    expect([...state.workspaces[0]!.subscriptions.keys()]).toEqual(['New']);
  });
});
