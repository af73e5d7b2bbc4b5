import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';
import { type E2E, mutatingCalls, startE2E, withoutIds, yamlDoc } from '../support/e2e.js';
import { type HostileApi, liveEntry, startHostileApi } from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';

/**
 * A rename (same url_callback, new description) is planned as delete + create but applied
 * create-first, so a create that fails leaves the old subscription in place (built CLI).
 */
const WS = 1234567;
const URL_A = 'https://hooks.example.com/a';
let e: E2E | undefined;
let api: HostileApi | undefined;
afterEach(async () => {
  await e?.close();
  await api?.close();
  e = undefined;
  api = undefined;
});
beforeAll(() => assertBuilt());

const KEEP = {
  description: 'Keep',
  url_callback: 'https://hooks.example.com/k',
  enabled: false,
  event_filters: [{ entity: 'tag', action: '*' }],
};

const renamed = () =>
  writeTree({
    'a.yaml': yamlDoc({
      workspace_id: WS,
      subscriptions: [
        { description: 'New name', url_callback: URL_A, event_filters: [['project', 'created']] },
        // A second, unchanged one: renaming the only subscription would (rightly) meet the mass-delete guard.
        {
          description: 'Keep',
          url_callback: KEEP.url_callback,
          enabled: false,
          event_filters: [['tag', '*']],
        },
      ],
    }),
  });

describe('rename', () => {
  it('creates the new subscription before deleting the old one', async () => {
    e = await startE2E({ workspaces: [WS] });
    e.emu.seed(WS, {
      description: 'Old name',
      url_callback: URL_A,
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    e.emu.seed(WS, KEEP);
    e.emu.resetCalls();
    const plan = await e.cli(['plan', renamed()]);
    expect(plan.stdout).toMatch(
      /\+ create "New name"[\s\S]*rename: replaces id \d+: created first; the old one is deleted only once this succeeds/,
    );
    expect(plan.stdout).toContain('rename: replaced by "New name", which is created first');
    const r = await e.cli(['sync', renamed()]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(withoutIds(mutatingCalls(e.emu))).toEqual([
      `POST /subscriptions/${WS}`,
      `DELETE /subscriptions/${WS}/ID`,
    ]);
    expect(
      e.emu
        .subscriptions(WS)
        .map((s) => s.description)
        .sort(),
    ).toEqual(['Keep', 'New name']);
  });

  it('a failed create keeps the old subscription (it was deleted first before)', async () => {
    let deleted = false;
    api = await startHostileApi((call) => {
      if (call.method === 'GET' && call.path === `/subscriptions/${WS}`)
        return {
          body: [
            ...(deleted ? [] : [liveEntry(WS, 5, 'Old name', { url_callback: URL_A })]),
            liveEntry(WS, 6, 'Keep', { ...KEEP }),
          ],
        };
      if (call.method === 'POST')
        return { status: 400, body: '"URL validation failed: the endpoint did not answer"' };
      if (call.method === 'DELETE') {
        deleted = true;
        return { status: 200 };
      }
      return { status: 500 };
    });
    const r = await runCli(['sync', '--output', 'json', renamed()], {
      env: { TOGGL_API_URL: api.url, TOGGL_API_TOKEN: 'rename-token-1', TOGGL_REQUEST_SPACING_MS: '0' },
    });
    expect(r.code).toBe(1);
    expect(api.calls.filter((c) => c.method !== 'GET').map((c) => c.method)).toEqual(['POST']);
    expect(deleted).toBe(false);
    const doc = JSON.parse(r.stdout) as {
      workspaces: Array<{ changes: Array<{ action: string; status: string; error?: string }> }>;
    };
    const del = doc.workspaces[0]!.changes.find((c) => c.action === 'delete');
    expect(del).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('was not created, so this subscription is kept'),
    });
  });

  it('when the workspace limit leaves no room for both, the order is forced: delete, then create', async () => {
    e = await startE2E({ workspaces: [WS], limits: { max_webhooks: 1, max_events_per_webhook: 20 } });
    e.emu.seed(WS, {
      description: 'Old name',
      url_callback: URL_A,
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    e.emu.seed(WS, KEEP);
    e.emu.resetCalls();
    const r = await e.cli(['sync', renamed()]);
    expect(r.stderr).toContain('rename: the workspace limit forced delete-then-create');
    expect(r.code).toBe(0);
    expect(
      e.emu
        .subscriptions(WS)
        .map((s) => s.description)
        .sort(),
    ).toEqual(['Keep', 'New name']);
  });
});
