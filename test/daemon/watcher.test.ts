import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_FILE_BYTES } from '../../src/config/limits.js';
import { fingerprintOf, type InputWatcher, watchInputs } from '../../src/daemon/watcher.js';
import { listYaml, waitFor } from './helpers.js';
import { ConfigMapVolume, GitSyncCheckout } from './layouts.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tws-watch-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A watcher with the poll backstop off, so only file system events can make it fire. */
async function start(paths: string[]): Promise<{ changes: () => number; watcher: InputWatcher }> {
  let n = 0;
  const watcher = watchInputs({
    paths,
    debounceMs: 100,
    pollMs: 0,
    listFiles: listYaml,
    onChange: () => n++,
  });
  cleanups.push(() => watcher.close());
  await watcher.ready;
  return { changes: () => n, watcher };
}

describe('watchInputs', () => {
  it('reports an edited file once', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
    const w = await start([dir]);
    await writeFile(path.join(dir, 'a.yaml'), 'v: 2\n');
    await waitFor(() => w.changes() === 1, 'one change');
  });

  it('coalesces a burst of five saves into one change', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'v: 0\n');
    const w = await start([dir]);
    for (let i = 1; i <= 5; i++) await writeFile(path.join(dir, 'a.yaml'), `v: ${i}\n`);
    await waitFor(() => w.changes() >= 1, 'the burst to be reported');
    // A later, separate edit is the second change: the burst did not count twice.
    await writeFile(path.join(dir, 'b.yaml'), 'marker: 1\n');
    await waitFor(() => w.changes() >= 2, 'the marker edit');
    expect(w.changes()).toBe(2);
  });

  it('ignores a save that leaves the content as it was, and files that are not inputs', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
    const w = await start([dir]);
    await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
    await writeFile(path.join(dir, 'notes.txt'), 'not yaml\n');
    await writeFile(path.join(dir, 'a.yaml.swp'), 'editor swap file\n');
    await writeFile(path.join(dir, 'marker.yaml'), 'marker: 1\n');
    await waitFor(() => w.changes() >= 1, 'the marker file');
    expect(w.changes()).toBe(1);
  });

  it('picks up a new file in a new directory, and then edits inside it', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
    const w = await start([dir]);
    await mkdir(path.join(dir, 'team', 'x'), { recursive: true });
    await writeFile(path.join(dir, 'team', 'x', 'b.yml'), 'v: 1\n');
    await waitFor(() => w.changes() === 1, 'the new file');
    await writeFile(path.join(dir, 'team', 'x', 'b.yml'), 'v: 2\n');
    await waitFor(() => w.changes() === 2, 'the edit in the new directory');
  });

  it('sees a file given by name appear after watching started', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'later.yaml');
    const w = await start([file]);
    await writeFile(file, 'v: 1\n');
    await waitFor(() => w.changes() === 1, 'the file to appear');
  });

  it('sees a Kubernetes ConfigMap update (atomic ..data symlink swap)', async () => {
    const dir = await tempDir();
    const cm = new ConfigMapVolume(dir);
    await cm.publish({ 'a.yaml': 'v: 1\n', 'b.yaml': 'w: 1\n' });
    const w = await start([dir]);
    await cm.publish({ 'a.yaml': 'v: 2\n', 'b.yaml': 'w: 1\n' });
    await waitFor(() => w.changes() === 1, 'the ConfigMap update');
    await cm.publish({ 'a.yaml': 'v: 2\n', 'b.yaml': 'w: 2\n' });
    await waitFor(() => w.changes() === 2, 'the second ConfigMap update');
  });

  for (const input of ['repo', 'repo/subscriptions']) {
    it(`sees a git-sync worktree swap with the old worktree kept (input ${input})`, async () => {
      const root = await tempDir();
      const git = new GitSyncCheckout(root);
      await git.publish({ 'subscriptions/a.yaml': 'v: 1\n' });
      const w = await start([path.join(root, input)]);
      const tree = await git.publish({ 'subscriptions/a.yaml': 'v: 2\n' });
      await waitFor(() => w.changes() === 1, 'the symlink swap');
      // The recursive watch now follows the new worktree: an edit there is seen too.
      await writeFile(path.join(tree, 'subscriptions', 'a.yaml'), 'v: 3\n');
      await waitFor(() => w.changes() === 2, 'an edit inside the new worktree');
    });
  }

  it('falls back to polling when events are lost', async () => {
    const dir = await tempDir();
    await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
    let n = 0;
    // A listing that hides a file until told otherwise stands in for a change no event reports.
    let visible = ['a.yaml'];
    const watcher = watchInputs({
      paths: [dir],
      debounceMs: 50,
      pollMs: 100,
      listFiles: async () => visible.map((f) => path.join(dir, f)),
      onChange: () => n++,
    });
    cleanups.push(() => watcher.close());
    await watcher.ready;
    await writeFile(path.join(dir, 'hidden.yaml'), 'v: 1\n');
    visible = ['a.yaml', 'hidden.yaml'];
    await waitFor(() => n >= 1, 'the poll to notice');
  });
});

describe('fingerprintOf: a budget per read', () => {
  it('stats a file over the size limit instead of reading it (a sparse 1.5 GB file costs no memory)', async () => {
    const dir = await tempDir();
    const huge = path.join(dir, 'huge.yaml');
    await writeFile(huge, '');
    await truncate(huge, 1_500_000_000);
    const before = process.memoryUsage().rss;
    const first = await fingerprintOf([dir], listYaml);
    const grown = process.memoryUsage().rss - before;
    // Before the budget this read the whole file: RSS grew by 1.5 GB on every poll.
    expect(grown).toBeLessThan(64 * 1024 * 1024);
    expect(await fingerprintOf([dir], listYaml)).toBe(first);
    await truncate(huge, 1_500_000_001);
    expect(await fingerprintOf([dir], listYaml)).not.toBe(first);
  });

  it('still sees a change in the last byte of a file at the limit', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'a.yaml');
    await writeFile(file, Buffer.alloc(MAX_FILE_BYTES, 0x61));
    const first = await fingerprintOf([dir], listYaml);
    const edited = Buffer.alloc(MAX_FILE_BYTES, 0x61);
    edited[MAX_FILE_BYTES - 1] = 0x62;
    await writeFile(file, edited);
    expect(await fingerprintOf([dir], listYaml)).not.toBe(first);
  });
});
