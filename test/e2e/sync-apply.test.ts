import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, mutatingCalls, startE2E, TOKEN, withoutIds, yamlDoc } from '../support/e2e.js';

const WS = 1234567;
const DECLARED_SECRET = 'e2e-declared-SECRET-71xQ';
const QUERY_TOKEN = 'e2e-query-TOKEN-55kd';

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());

/** Puts the workspace back to the same hand-made state before each test. */
function seedDrift(): void {
  for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
  e.emu.seed(WS, {
    description: 'Slack: new projects',
    url_callback: 'https://hooks.example.com/slack',
    event_filters: [{ entity: 'project', action: 'created' }],
  });
  e.emu.seed(WS, {
    description: 'Billing',
    url_callback: 'https://hooks.example.com/billing',
    event_filters: [{ entity: 'client', action: '*' }],
    enabled: true,
  });
  e.emu.seed(WS, {
    description: 'Stale: made by hand',
    url_callback: 'https://hooks.example.com/stale',
    event_filters: [{ entity: 'task', action: '*' }],
  });
  e.emu.seed(WS, {
    description: 'Same',
    url_callback: 'https://hooks.example.com/same',
    event_filters: [
      { entity: 'tag', action: '*' },
      { entity: 'project', action: 'created' },
    ],
  });
  e.emu.resetCalls();
}

const desiredYaml = yamlDoc({
  workspace_id: WS,
  subscriptions: [
    {
      description: 'Slack: new projects',
      url_callback: `https://hooks.example.com/slack?token=\${QUERY_TOKEN}`,
      event_filters: [
        ['project', 'created'],
        ['tag', '*'],
      ],
    },
    {
      description: 'Billing',
      url_callback: 'https://hooks.example.com/billing',
      enabled: false,
      event_filters: [['client', '*']],
    },
    {
      // Same filters as live, in another order: no change.
      description: 'Same',
      url_callback: 'https://hooks.example.com/same',
      event_filters: [
        ['project', 'created'],
        ['tag', '*'],
      ],
    },
    {
      description: 'Reports',
      url_callback: 'https://hooks.example.com/reports',
      secret: `\${REPORTS_SECRET}`,
      event_filters: [['time_entry', 'created']],
    },
  ],
});
const varEnv = { QUERY_TOKEN, REPORTS_SECRET: DECLARED_SECRET };

function expectNoSecrets(text: string): void {
  expect(text).not.toContain(DECLARED_SECRET);
  expect(text).not.toContain(QUERY_TOKEN);
  expect(text).not.toContain(TOKEN);
  expect(text).not.toContain(Buffer.from(`${TOKEN}:api_token`).toString('base64'));
  for (const s of e.emu.subscriptions(WS)) if (s.secret) expect(text).not.toContain(s.secret);
}

beforeEach(() => seedDrift());

describe('sync against the emulator', () => {
  it('deletes, disables, updates and creates in that order, then converges with one GET', async () => {
    const dir = e.files({ 'subs.yaml': desiredYaml });
    const liveSecretBefore = e.emu
      .subscriptions(WS)
      .find((s) => s.description === 'Slack: new projects')?.secret;

    const first = await e.cli(['sync', '--log-level', 'debug', dir], varEnv);
    expect(first.code).toBe(0);
    expect(withoutIds(mutatingCalls(e.emu))).toEqual([
      `DELETE /subscriptions/${WS}/ID`,
      `PATCH /subscriptions/${WS}/ID`,
      `PUT /subscriptions/${WS}/ID`,
      `POST /subscriptions/${WS}`,
    ]);
    expect(callList(e.emu).filter((c) => c === `GET /subscriptions/${WS}`)).toHaveLength(1);

    const live = e.emu.subscriptions(WS);
    const by = (d: string) => live.find((s) => s.description === d);
    expect(live.map((s) => s.description).sort()).toEqual([
      'Billing',
      'Reports',
      'Same',
      'Slack: new projects',
    ]);
    expect(by('Slack: new projects')?.url_callback).toBe(
      `https://hooks.example.com/slack?token=${QUERY_TOKEN}`,
    );
    // No secret declared: the PUT carried the live one along.
    expect(by('Slack: new projects')?.secret).toBe(liveSecretBefore);
    expect(by('Billing')?.enabled).toBe(false);
    expect(by('Reports')?.secret).toBe(DECLARED_SECRET);
    expect(by('Reports')?.enabled).toBe(true);

    const lines = first.stdout.split('\n');
    expect(
      lines.some((l) => /^- delete "Stale: made by hand" \(workspace 1234567, id \d+\): applied$/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /^± disable "Billing" \(workspace 1234567, id \d+\): applied$/.test(l))).toBe(
      true,
    );
    // The declared URL comes from a ${VAR}, so the live one it replaces is sensitive too.
    expect(lines).toContain('    url_callback: (sensitive) -> (sensitive, changed)');
    expect(lines).toContain('    event_filters: +tag:*');
    expect(lines).toContain('Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.');
    expect(lines).toContain('Apply complete: 4 applied.');
    expectNoSecrets(first.stdout + first.stderr);

    e.emu.resetCalls();
    const second = await e.cli(['sync', '--detailed-exitcode', dir], varEnv);
    expect(second.code).toBe(0);
    expect(callList(e.emu)).toEqual([`GET /subscriptions/${WS}`]);
    expect(second.stdout).toMatch(
      /^No changes. Live subscriptions match the configuration.\nPlan hash: [0-9a-f]{64}\n$/,
    );
    expectNoSecrets(second.stdout + second.stderr);
  });

  it('--dry-run and plan change nothing; --detailed-exitcode says 2 for a non-empty plan', async () => {
    const dir = e.files({ 'subs.yaml': desiredYaml });
    const before = e.emu.subscriptions(WS);
    for (const args of [['sync', '--dry-run'], ['plan']]) {
      e.emu.resetCalls();
      const plain = await e.cli([...args, dir], varEnv);
      expect(plain.code).toBe(0);
      const detailed = await e.cli([...args, '--detailed-exitcode', dir], varEnv);
      expect(detailed.code).toBe(2);
      expect(mutatingCalls(e.emu)).toEqual([]);
      expect(plain.stdout).toContain('Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.');
      expect(plain.stdout).toContain('+ create "Reports" (workspace 1234567)');
      expect(plain.stdout).toContain('    secret: (declared)');
      expect(plain.stdout).not.toContain('Apply');
      expectNoSecrets(plain.stdout + plain.stderr + detailed.stdout + detailed.stderr);
    }
    expect(e.emu.subscriptions(WS)).toEqual(before);
  });

  it('--output json writes one document (docs/outputs.md#json) on stdout and nothing else', async () => {
    const dir = e.files({ 'subs.yaml': desiredYaml });
    const planned = await e.cli(
      ['sync', '--dry-run', '--output', 'json', '--log-level', 'info', dir],
      varEnv,
    );
    expect(planned.code).toBe(0);
    const doc = JSON.parse(planned.stdout);
    expect(doc).toMatchObject({ format_version: 1, dry_run: true, errors: [] });
    expect(doc.summary).toEqual({
      create: 1,
      update: 1,
      patch: 1,
      delete: 1,
      unchanged: 1,
      failed: 0,
      not_attempted: 4,
      ignored: 0,
      kept: 0,
    });
    expect(doc.workspaces).toHaveLength(1);
    expect(doc.workspaces[0].workspace_id).toBe(WS);
    const changes = doc.workspaces[0].changes as Array<Record<string, unknown>>;
    expect(changes.map((c) => c['action'])).toEqual(['delete', 'patch', 'update', 'create']);
    expect(changes.every((c) => c['status'] === 'planned')).toBe(true);
    const update = changes[2] as { diff: Record<string, unknown>; subscription_id: number };
    expect(update.diff).toEqual({
      url_callback: {
        before: '(sensitive)',
        after: '(sensitive)',
        sensitive: true,
      },
      event_filters: { added: [{ entity: 'tag', action: '*' }], removed: [] },
    });
    expect(typeof update.subscription_id).toBe('number');
    expect(changes[3]?.['subscription_id']).toBeNull();
    expectNoSecrets(planned.stdout + planned.stderr);

    const applied = await e.cli(['sync', '--output', 'json', dir], varEnv);
    expect(applied.code).toBe(0);
    const done = JSON.parse(applied.stdout);
    expect(done.dry_run).toBe(false);
    expect(done.workspaces[0].changes.every((c: { status: string }) => c.status === 'applied')).toBe(true);
    const created = done.workspaces[0].changes[3];
    expect(created.subscription_id).toBe(
      e.emu.subscriptions(WS).find((s) => s.description === 'Reports')?.subscription_id,
    );
    expectNoSecrets(applied.stdout + applied.stderr);
  });

  it('--output markdown is a table for a pull-request comment', async () => {
    const dir = e.files({ 'subs.yaml': desiredYaml });
    const md = await e.cli(['plan', '--output', 'markdown', dir], varEnv);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('| | action | workspace | subscription | changes | status |');
    expect(md.stdout).toMatch(/^\| `~` \| update \| 1234567 \| Slack: new projects \(id \d+\) \|/m);
    expect(md.stdout).toContain('**Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.**');
    expectNoSecrets(md.stdout + md.stderr);
  });

  it('trace-level logs on stderr never carry the token or a secret', async () => {
    const dir = e.files({ 'subs.yaml': desiredYaml });
    const run = await e.cli(['sync', '--log-level', 'trace', dir], varEnv);
    expect(run.code).toBe(0);
    expect(run.stderr.length).toBeGreaterThan(0);
    expectNoSecrets(run.stdout + run.stderr);
  });

  it('logs the deletion of a live description that holds a short secret withheld, as the plan shows it', async () => {
    // An undeclared live subscription whose description holds a short substituted value: text from
    // the API, withheld whole in the plan and, since the re-attack found it, in the log line too.
    for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
    e.emu.seed(WS, {
      description: 'leak q7Z here',
      url_callback: 'https://hooks.example.com/leak',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const dir = e.files({
      'subs.yaml': yamlDoc({
        workspace_id: WS,
        subscriptions: [
          {
            description: 'Keep',
            url_callback: 'https://hooks.example.com/p/${S}',
            event_filters: [['project', 'created']],
          },
        ],
      }),
    });
    const run = await e.cli(['sync', '--log-level', 'debug', '--allow-mass-delete', dir], { S: 'q7Z' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain('q7Z');
    expect(run.stderr).toMatch(/action=delete live_description=\(message withheld/);
  });
});
