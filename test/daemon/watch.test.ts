import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runWatch } from '../../src/daemon/watch.js';
import { ConfigError } from '../../src/errors.js';
import { listYaml, memoryLogger, waitFor } from './helpers.js';

describe('runWatch', () => {
  it('syncs at start and after each change, prints what a sync throws, and resolves on abort', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tws-runwatch-'));
    try {
      await writeFile(path.join(dir, 'a.yaml'), 'v: 1\n');
      const printed: string[] = [];
      const signals: AbortSignal[] = [];
      let runs = 0;
      const stop = new AbortController();
      const done = runWatch({
        paths: [dir],
        debounceMs: 50,
        pollMs: 0,
        listFiles: listYaml,
        logger: memoryLogger(),
        signal: stop.signal,
        printError: (t) => printed.push(t),
        runOnce: async (signal) => {
          runs++;
          signals.push(signal);
          if (runs === 2) throw new ConfigError([{ file: 'a.yaml', line: 1, col: 4, message: 'bad value' }]);
        },
      });
      await waitFor(() => runs === 1, 'the first sync');
      await writeFile(path.join(dir, 'a.yaml'), 'v: [\n');
      await waitFor(() => runs === 2 && printed.length === 1, 'the second sync');
      expect(printed[0]).toBe('error: a.yaml:1:4: bad value\n');
      await writeFile(path.join(dir, 'a.yaml'), 'v: 3\n');
      await waitFor(() => runs === 3, 'the sync after the fix');
      stop.abort();
      await done;
      expect(signals.every((s) => s.aborted)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('returns at once when already aborted, without syncing', async () => {
    let runs = 0;
    await runWatch({
      paths: [path.join(tmpdir(), 'tws-runwatch-never-created')],
      pollMs: 0,
      listFiles: async () => [],
      logger: memoryLogger(),
      signal: AbortSignal.abort(),
      runOnce: async () => {
        runs++;
      },
    });
    expect(runs).toBe(0);
  });
});
