import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, startCli } from '../support/cli.js';
import { type E2E, startE2E, yamlDoc } from '../support/e2e.js';
import { updateTree } from '../support/tmp.js';

const WS = 1234567;
const sub = (description: string) => ({
  description,
  url_callback: `https://hooks.example.com/${description}`,
  event_filters: [['project', 'created']] as Array<[string, string]>,
});

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());

describe('sync --watch', () => {
  it('syncs at start, again after a file changes, keeps going after a broken file, and exits 0 on SIGINT', async () => {
    const dir = e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [sub('one')] }) });
    const cli = startCli(['sync', '--watch', dir], { env: e.env });
    await cli.waitFor(/Apply complete: 1 applied\./);
    await cli.waitFor(/watching for changes/);
    expect(e.emu.subscriptions(WS).map((s) => s.description)).toEqual(['one']);

    // A broken file: reported with its position, and nothing is called or changed.
    const callsBefore = e.emu.calls.length;
    updateTree(dir, { 'ws.yaml': 'workspace_id: 1234567\nsubscriptions:\n  - description: x\n' });
    await cli.waitFor(/ws\.yaml:3:\d+: /);
    expect(e.emu.calls.length).toBe(callsBefore);

    updateTree(dir, { 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [sub('one'), sub('two')] }) });
    await cli.waitFor(/\+ create "two" \(workspace 1234567, id \d+\): applied/);
    expect(
      e.emu
        .subscriptions(WS)
        .map((s) => s.description)
        .sort(),
    ).toEqual(['one', 'two']);

    cli.child.kill('SIGINT');
    const { code } = await cli.exit;
    expect(code).toBe(0);
  });
});
