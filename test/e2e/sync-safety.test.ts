import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, mutatingCalls, startE2E, TOKEN, withoutIds, yamlDoc } from '../support/e2e.js';

const WS = 1234567;
const OTHER = 7654321;
const FORBIDDEN = 4040404;

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS, OTHER] });
});
afterAll(() => e.close());

function reset(): void {
  for (const ws of [WS, OTHER]) for (const s of e.emu.subscriptions(ws)) e.emu.remove(ws, s.subscription_id);
  e.emu.resetCalls();
}
beforeEach(() => reset());

const hook = (description: string, over: Record<string, unknown> = {}) => ({
  description,
  url_callback: `https://hooks.example.com/${encodeURIComponent(description)}`,
  event_filters: [{ entity: 'project', action: 'created' }],
  ...over,
});
const declared = (description: string) => ({
  description,
  url_callback: `https://hooks.example.com/${encodeURIComponent(description)}`,
  event_filters: [['project', 'created']] as Array<[string, string]>,
});
const descriptions = (ws: number) =>
  e.emu
    .subscriptions(ws)
    .map((s) => s.description)
    .sort();

describe('safety', () => {
  it('the mass-delete guard refuses a plan that deletes every live subscription, everywhere', async () => {
    e.emu.seed(WS, hook('a'));
    e.emu.seed(WS, hook('b'));
    e.emu.seed(OTHER, hook('keep'));
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [] }),
      'other.yaml': yamlDoc({ workspace_id: OTHER, subscriptions: [declared('keep'), declared('new')] }),
    });
    const refused = await e.cli(['sync', dir]);
    expect(refused.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
    expect(refused.stdout).toContain(
      'Error: workspace 1234567: refusing to delete all 2 live subscriptions of workspace 1234567 (mass-delete guard)',
    );
    expect(refused.stdout).toContain('--allow-mass-delete');
    expect(refused.stdout).toContain('Apply refused by the mass-delete guard: nothing was changed.');
    expect(descriptions(WS)).toEqual(['a', 'b']);
    expect(descriptions(OTHER)).toEqual(['keep']);

    const dry = await e.cli(['sync', '--dry-run', dir]);
    expect(dry.code).toBe(1);

    const allowed = await e.cli(['sync', '--allow-mass-delete', dir]);
    expect(allowed.code).toBe(0);
    expect(descriptions(WS)).toEqual([]);
    expect(descriptions(OTHER)).toEqual(['keep', 'new']);
  });

  it('the guard also refuses deleting more than half of 4 or more', async () => {
    for (const d of ['a', 'b', 'c', 'd']) e.emu.seed(WS, hook(d));
    e.emu.resetCalls();
    const dir = e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('a')] }) });
    const refused = await e.cli(['sync', '--output', 'json', dir]);
    expect(refused.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
    const doc = JSON.parse(refused.stdout);
    expect(doc.errors).toEqual([
      expect.objectContaining({ workspace_id: WS, stage: 'guard', code: 'E_GUARD' }),
    ]);
    expect(doc.errors[0].message).toContain('3 of 4');
    // Half is not more than half.
    const half = e.files({
      'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('a'), declared('b')] }),
    });
    const ok = await e.cli(['sync', half]);
    expect(ok.code).toBe(0);
    expect(descriptions(WS)).toEqual(['a', 'b']);
  });

  it('prune: false keeps undeclared subscriptions; ignored ones are never touched', async () => {
    e.emu.seed(WS, hook('hand-made'));
    e.emu.seed(OTHER, hook('Zapier: CRM', { enabled: false, url_callback: 'https://zapier.example/x' }));
    e.emu.seed(OTHER, hook('Zapier/legacy'));
    e.emu.seed(OTHER, hook('managed-old'));
    e.emu.seed(OTHER, hook('managed'));
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({ workspace_id: WS, prune: false, subscriptions: [declared('managed')] }),
      'other.yaml': yamlDoc({
        workspace_id: OTHER,
        ignore: ['Zapier*'],
        subscriptions: [declared('managed')],
      }),
    });
    const run = await e.cli(['sync', dir]);
    expect(run.code).toBe(0);
    expect(withoutIds(mutatingCalls(e.emu))).toEqual([
      `POST /subscriptions/${WS}`,
      `DELETE /subscriptions/${OTHER}/ID`,
    ]);
    expect(descriptions(WS)).toEqual(['hand-made', 'managed']);
    expect(descriptions(OTHER)).toEqual(['Zapier/legacy', 'Zapier: CRM', 'managed']);
    expect(run.stdout).toContain('Left alone: 2 ignored, 1 not declared and kept (prune: false).');
    e.emu.resetCalls();
    const again = await e.cli(['sync', '--detailed-exitcode', dir]);
    expect(again.code).toBe(0);
    expect(callList(e.emu)).toEqual([`GET /subscriptions/${WS}`, `GET /subscriptions/${OTHER}`]);
  });

  it('a workspace the token cannot access is named, untouched, and fails the run; others proceed', async () => {
    const dir = e.files({
      'bad.yaml': yamlDoc({ workspace_id: FORBIDDEN, subscriptions: [declared('x')] }),
      'ok.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('y')] }),
    });
    const run = await e.cli(['sync', dir]);
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('workspace 4040404');
    expect(run.stdout + run.stderr).toContain('User not found/accessible for workspace');
    expect(mutatingCalls(e.emu)).toEqual([`POST /subscriptions/${WS}`]);
    expect(descriptions(WS)).toEqual(['y']);

    const json = await e.cli(['sync', '--dry-run', '--output', 'json', dir]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc.errors).toEqual([
      expect.objectContaining({ workspace_id: FORBIDDEN, stage: 'list', code: 'E_API_AUTH' }),
    ]);
  });

  it('an invalid config makes no API call at all and reports every problem as FILE:LINE:COL', async () => {
    e.emu.seed(WS, hook('a'));
    e.emu.resetCalls();
    const dir = e.files({
      'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('a')] }),
      'b.yaml':
        'workspace_id: 1234567\nsubscriptions:\n  - description: "b"\n    url_callback: https://x.example\n    event_filters: []\n',
      'c.yaml': `workspace_id: 7654321\nsubscriptions:\n  - description: "c"\n    url_callback: \${UNSET_VARIABLE_XYZ}\n    event_filters: [{ entity: project, action: created }]\n`,
    });
    const run = await e.cli(['sync', dir]);
    expect(run.code).toBe(1);
    expect(e.emu.calls).toEqual([]);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/b\.yaml:5:\d+: /);
    expect(run.stderr).toMatch(/c\.yaml:4:\d+: .*UNSET_VARIABLE_XYZ/);

    const json = await e.cli(['plan', '--output', 'json', dir]);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ format_version: 1, dry_run: true, workspaces: [] });
    expect(doc.errors.length).toBeGreaterThanOrEqual(2);
    expect(doc.errors[0]).toMatchObject({ stage: 'config', code: 'E_CONFIG', line: 5 });
    expect(doc.errors[0].file).toMatch(/b\.yaml$/);
    expect(e.emu.calls).toEqual([]);

    // Config errors come before a missing token.
    const noToken = await e.cli(['sync', dir], { TOGGL_API_TOKEN: undefined });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/b\.yaml:5:\d+: /);
    expect(e.emu.calls).toEqual([]);
  });

  it('a missing token fails before any call, without a stack trace', async () => {
    const dir = e.files({ 'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('a')] }) });
    const run = await e.cli(['sync', dir], { TOGGL_API_TOKEN: undefined });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/TOGGL_API_TOKEN/);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(e.emu.calls).toEqual([]);
  });

  it('a wrong token is a 403 naming the workspace; the token is never printed', async () => {
    const dir = e.files({ 'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('a')] }) });
    const wrong = 'wrong-token-8Hk2pQ';
    const run = await e.cli(['sync', '--log-level', 'debug', dir], { TOGGL_API_TOKEN: wrong });
    expect(run.code).toBe(1);
    expect(run.stdout + run.stderr).toContain('workspace 1234567');
    expect(run.stdout + run.stderr).not.toContain(wrong);
    expect(run.stdout + run.stderr).not.toContain(TOKEN);
    expect(mutatingCalls(e.emu)).toEqual([]);
  });

  it('refuses an unknown --output before doing anything', async () => {
    const run = await e.cli(['sync', '--output', 'yaml', e.files({ 'a.yaml': 'x: 1\n' })]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('text, json, markdown');
    expect(e.emu.calls).toEqual([]);
  });
});
