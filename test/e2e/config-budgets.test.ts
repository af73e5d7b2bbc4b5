import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnCli } from '../daemon/process.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { type E2E, mutatingCalls, startE2E } from '../support/e2e.js';
import { writeTree } from '../support/tmp.js';

/**
 * Hostile and truncated input files through the built CLI: each must end in a FILE:LINE:COL
 * message, exit 1 and no change, in validate, sync and the daemon alike.
 */
const WS = 1234567;

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());

const EMPTY_HINT =
  'a truncated or half-written file is not read as "no subscriptions": to declare none, write `workspace_id: <id>` and `subscriptions: []`';

describe('a file that declares nothing is an error (a truncated save must not prune)', () => {
  it('validate: text and JSON', async () => {
    const dir = writeTree({ 'a.yaml': '', 'b.yaml': '  \n\n' });
    const text = await runCli(['validate', dir]);
    expect(text.code).toBe(1);
    expect(text.stderr.split('\n')).toEqual([
      `${join(dir, 'a.yaml')}:1:1: file is empty; ${EMPTY_HINT}`,
      `${join(dir, 'b.yaml')}:3:1: file holds only whitespace; ${EMPTY_HINT}`,
      '',
    ]);
    const json = await runCli(['validate', '--output', 'json', dir]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { errors: Array<{ file: string; line: number }> };
    expect(JSON.stringify(doc)).toContain('file is empty');
  });

  it('sync: a truncated file beside the one that holds `prune: false` deletes nothing', async () => {
    e.emu.seed(WS, {
      description: 'hand-made',
      url_callback: 'https://hooks.example.com/x',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    e.emu.resetCalls();
    const dir = writeTree({ 'ws.yaml': '' });
    const r = await e.cli(['sync', '--output', 'json', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(dir, 'ws.yaml')}:1:1: file is empty`);
    expect(mutatingCalls(e.emu)).toEqual([]);
    expect(e.emu.subscriptions(WS).map((s) => s.description)).toEqual(['hand-made']);
  });

  it('daemon: an emptied file keeps the last good configuration and logs FILE:LINE:COL', async () => {
    const dir = writeTree({ 'ws.yaml': `workspace_id: ${WS}\nprune: false\nsubscriptions: []\n` });
    const d = spawnCli(
      ['daemon', '--listen', '127.0.0.1:0', '--interval', '1h', '--log-level', 'debug', dir],
      e.env,
    );
    try {
      await d.waitForLog((l) => l['msg'] === 'reconcile finished', 'first reconcile');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, 'ws.yaml'), '');
      const logged = await d.waitForLog(
        (l) => JSON.stringify(l).includes('file is empty'),
        'the empty-file error',
        15_000,
      );
      expect(JSON.stringify(logged)).toContain(`${join(dir, 'ws.yaml')}:1:1: file is empty`);
      await d.waitForLog((l) => /last good configuration/.test(String(l['msg'])), 'last good kept');
    } finally {
      await d.stop();
    }
  });
});

describe('every duration option is bounded (Node fires a timer above 2^31-1 ms at once)', () => {
  it.each([['25d'], ['30d'], ['1000000h'], ['999ms']])('daemon --interval %s is refused', async (value) => {
    const r = await runCli(['daemon', '--interval', value, '--listen', '127.0.0.1:0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`'${value}' is out of range: use a duration from 1s to 7d.`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['--latency', '3000000000'],
    ['--quota-window', '2592000'],
  ])('emulator %s %s is refused', async (flag, value) => {
    const r = await runCli(['emulator', '--port', '0', flag, value], { timeoutMs: 10_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/expected an integer from \d+ to \d+/);
  });

  it('TOGGL_TIMEOUT_MS above its range is refused before any request', async () => {
    const dir = writeTree({ 'ws.yaml': `workspace_id: ${WS}\nsubscriptions: []\n` });
    e.emu.resetCalls();
    const r = await e.cli(['sync', '--dry-run', dir], { TOGGL_TIMEOUT_MS: '3000000000' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("TOGGL_TIMEOUT_MS must be an integer from 1 to 600000, got '3000000000'");
    expect(e.emu.calls).toEqual([]);
  });
});
