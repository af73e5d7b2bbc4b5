import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type E2E, mutatingCalls, startE2E, TOKEN, yamlDoc } from '../support/e2e.js';

// Two organisations, each with its own service user and token, in one repository and one run.
const WS_A = 1111111;
const WS_B = 2222222;
const TOKEN_B = 'e2e-org-b-TOKEN-9vQ2m';

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({
    workspaces: [WS_A],
    userId: 1,
    users: [{ token: TOKEN_B, userId: 2, workspaces: [WS_B] }],
  });
});
afterAll(() => e.close());

const subs = (prefix: string) =>
  ['one', 'two', 'three'].map((n) => ({
    description: `${prefix} ${n}`,
    url_callback: `https://hooks.example.com/${prefix}/${n}`,
    event_filters: [['project', 'created']] as Array<[string, string]>,
  }));

function files(): string {
  const b = yamlDoc({ workspace_id: WS_B, subscriptions: subs('B') }).replace(
    `workspace_id: ${WS_B}\n`,
    `workspace_id: ${WS_B}\ntoken_env: ORG_B_TOKEN\n`,
  );
  return e.files({
    'org-a/a.yaml': yamlDoc({ workspace_id: WS_A, subscriptions: subs('A') }),
    'org-b/b.yaml': b,
  });
}

describe('several tokens in one run', () => {
  it('syncs each organisation with its own token, concurrently, and never prints a token', async () => {
    const dir = files();
    e.emu.resetCalls();
    // Request spacing on (per token): the two organisations' calls interleave instead of queueing.
    const run = await e.cli(['sync', dir, '--log-level', 'debug'], {
      ORG_B_TOKEN: TOKEN_B,
      TOGGL_REQUEST_SPACING_MS: '150',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(e.emu.subscriptions(WS_A).map((s) => [s.description, s.user_id])).toEqual([
      ['A one', 1],
      ['A three', 1],
      ['A two', 1],
    ]);
    expect(e.emu.subscriptions(WS_B).map((s) => s.user_id)).toEqual([2, 2, 2]);
    // Every subscription call to a workspace carried that organisation's token.
    const subscriptionCalls = e.emu.calls.filter((c) => c.path.startsWith('/subscriptions/'));
    for (const c of subscriptionCalls) {
      expect(c.userId).toBe(c.path.includes(String(WS_A)) ? 1 : 2);
    }
    // Concurrent: organisation B's changes are made while A's are still under way (one after the other,
    // every POST of A would come before every POST of B).
    const posts = (user: number) =>
      e.emu.calls.filter((c) => c.userId === user && c.method === 'POST').map((c) => c.at);
    const a = posts(1);
    const b = posts(2);
    expect(a).toHaveLength(3);
    expect(b).toHaveLength(3);
    expect(Math.min(...b)).toBeLessThan(Math.max(...a));

    const out = run.stdout + run.stderr;
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(TOKEN_B);
    expect(run.stderr).toContain('token_alias=ORG_B_TOKEN');
    expect(run.stdout).toMatch(/Plan hash: [0-9a-f]{64}/);

    e.emu.resetCalls();
    const again = await e.cli(['sync', dir], { ORG_B_TOKEN: TOKEN_B });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('No changes.');
    expect(mutatingCalls(e.emu)).toEqual([]);
  });

  it('refuses a workspace whose token variable is unset, at FILE:LINE:COL, before any call', async () => {
    const dir = files();
    e.emu.resetCalls();
    const run = await e.cli(['sync', dir], {});
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /org-b\/b\.yaml:2:12: token_env: neither ORG_B_TOKEN nor ORG_B_TOKEN_FILE is set \(the API token for workspace 2222222\)/,
    );
    expect(e.emu.calls).toEqual([]);
  });

  it('a token that cannot see the workspace fails that workspace only', async () => {
    const dir = files();
    e.emu.resetCalls();
    // B's variable holds A's token: 403 for B's workspace, A's workspace is still synced.
    const run = await e.cli(['sync', dir, '-o', 'json'], { ORG_B_TOKEN: TOKEN });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout);
    expect(doc.errors).toEqual([expect.objectContaining({ workspace_id: WS_B, stage: 'list' })]);
    expect(e.emu.calls.every((c) => c.userId === 1 || c.status === 403)).toBe(true);
  });

  it('status reads each workspace with its own token, and never prints one', async () => {
    const dir = files();
    await e.cli(['sync', dir], { ORG_B_TOKEN: TOKEN_B });
    e.emu.resetCalls();
    const run = await e.cli(['status', dir, '-o', 'json'], { ORG_B_TOKEN: TOKEN_B });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(
      doc.workspaces.map((w: { workspace_id: number; error?: unknown }) => [w.workspace_id, w.error]),
    ).toEqual([
      [WS_A, undefined],
      [WS_B, undefined],
    ]);
    // One GET per workspace, each with that organisation's token.
    expect(e.emu.calls.map((c) => [c.method, c.path, c.userId])).toEqual([
      ['GET', `/subscriptions/${WS_A}`, 1],
      ['GET', `/subscriptions/${WS_B}`, 2],
    ]);
    expect(run.stdout + run.stderr).not.toContain(TOKEN_B);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
  });
});
