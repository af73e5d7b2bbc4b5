import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { assertBuilt } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { emulator, liveUrls, mutations, subsYaml, WS } from './fixtures.js';
import { escapeRegExp, waitFor } from './helpers.js';
import { ConfigMapVolume, GitSyncCheckout } from './layouts.js';
import { type LongRunning, spawnCli } from './process.js';

let emu: Emulator;
let env: Record<string, string>;
let proc: LongRunning | undefined;

beforeAll(() => assertBuilt());
afterEach(async () => {
  if (proc) {
    const { code } = await proc.stop('SIGINT');
    proc = undefined;
    expect(code).toBe(0);
  }
  await emu?.close();
});

async function watch(paths: string[]): Promise<LongRunning> {
  ({ emu, env } = await emulator());
  proc = spawnCli(['sync', '--watch', ...paths], env);
  return proc;
}

const A = { description: 'Slack: projects' };
const B = { description: 'Audit: tags' };

/** Waits until the live subscriptions are exactly `want` (description -> url). */
async function converged(want: Record<string, string>, what: string): Promise<void> {
  await waitFor(
    () => JSON.stringify(sorted(liveUrls(emu))) === JSON.stringify(sorted(want)),
    what,
    8_000,
  ).catch((err: Error) => {
    throw new Error(
      `${err.message}\nlive: ${JSON.stringify(liveUrls(emu))}\n--- stderr ---\n${proc?.stderr()}`,
    );
  });
}

function sorted(o: Record<string, string>): Array<[string, string]> {
  return Object.entries(o).sort(([a], [b]) => a.localeCompare(b));
}

function urlOf(description: string, v = 1): string {
  return `https://hooks.example.com/${encodeURIComponent(description)}/v${v}`;
}

describe('sync --watch (built CLI, emulator)', () => {
  it('syncs at start, applies an edit within seconds, and exits 0 on Ctrl-C', async () => {
    const dir = writeTree({ 'a.yaml': subsYaml([{ ...A, url: urlOf(A.description) }]) });
    await watch([dir]);
    await converged({ [A.description]: urlOf(A.description) }, 'the first sync');

    await writeFile(path.join(dir, 'a.yaml'), subsYaml([{ ...A, url: urlOf(A.description, 2) }, B]));
    await converged(
      {
        [A.description]: urlOf(A.description, 2),
        [B.description]: 'https://hooks.example.com/Audit%3A%20tags',
      },
      'the edit to be applied',
    );
  });

  it('coalesces a burst of five saves into one sync', async () => {
    const dir = writeTree({ 'a.yaml': subsYaml([{ ...A, url: urlOf(A.description) }]) });
    await watch([dir]);
    await converged({ [A.description]: urlOf(A.description) }, 'the first sync');
    // Each sync lists the workspace once (updates add GET /limits and /event_filters pre-checks).
    const isList = (c: { method: string; path: string }) =>
      c.method === 'GET' && c.path === `/subscriptions/${WS}`;
    const listsBefore = emu.calls.filter(isList).length;

    for (let v = 2; v <= 6; v++) {
      await writeFile(path.join(dir, 'a.yaml'), subsYaml([{ ...A, url: urlOf(A.description, v) }]));
    }
    await converged({ [A.description]: urlOf(A.description, 6) }, 'the last save to be applied');
    // A separate, later edit: if the burst had been two syncs, there would be three lists by now.
    await writeFile(path.join(dir, 'a.yaml'), subsYaml([{ ...A, url: urlOf(A.description, 7) }]));
    await converged({ [A.description]: urlOf(A.description, 7) }, 'the marker edit');
    const lists = emu.calls.filter(isList).length - listsBefore;
    expect(lists).toBe(2);
    expect(mutations(emu).filter((m) => m.startsWith('PUT'))).toHaveLength(2);
  });

  it('applies a Kubernetes ConfigMap update (atomic ..data swap)', async () => {
    const dir = writeTree({});
    const cm = new ConfigMapVolume(dir);
    await cm.publish({ 'a.yaml': subsYaml([{ ...A, url: urlOf(A.description) }]) });
    await watch([dir]);
    await converged({ [A.description]: urlOf(A.description) }, 'the first sync');
    await cm.publish({ 'a.yaml': subsYaml([{ ...A, url: urlOf(A.description, 2) }]) });
    await converged({ [A.description]: urlOf(A.description, 2) }, 'the ConfigMap update');
  });

  it('applies a git-sync worktree swap', async () => {
    const root = writeTree({});
    const git = new GitSyncCheckout(root);
    await git.publish({ 'subscriptions/a.yaml': subsYaml([{ ...A, url: urlOf(A.description) }]) });
    await watch([path.join(git.repo, 'subscriptions')]);
    await converged({ [A.description]: urlOf(A.description) }, 'the first sync');
    await git.publish({ 'subscriptions/a.yaml': subsYaml([{ ...A, url: urlOf(A.description, 2) }]) });
    await converged({ [A.description]: urlOf(A.description, 2) }, 'the new worktree');
  });

  it('a broken file prints FILE:LINE:COL, deletes nothing, and the fix is applied', async () => {
    const dir = writeTree({ 'a.yaml': subsYaml([A, B]) });
    const file = path.join(dir, 'a.yaml');
    await watch([dir]);
    await converged(
      {
        [A.description]: 'https://hooks.example.com/Slack%3A%20projects',
        [B.description]: 'https://hooks.example.com/Audit%3A%20tags',
      },
      'the first sync',
    );
    const before = mutations(emu).length;

    // Line 4, column 5: a misspelt key in the first subscription.
    await writeFile(file, subsYaml([A, B]).replace('    url_callback:', '    url_callbak:'));
    const reported = await waitFor(
      () => proc!.stderr().match(new RegExp(`${escapeRegExp(file)}:4:5: [^\\n]+`))?.[0],
      'the error with its position',
      8_000,
    );
    expect(reported).toMatch(/url_callbak/);
    expect(mutations(emu).length).toBe(before);
    expect(emu.subscriptions(WS)).toHaveLength(2);

    await writeFile(file, subsYaml([A]));
    await converged({ [A.description]: 'https://hooks.example.com/Slack%3A%20projects' }, 'the fix');
  });
});
