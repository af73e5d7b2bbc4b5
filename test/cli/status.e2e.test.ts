import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, startE2E } from '../support/e2e.js';

// End to end: the built CLI as a subprocess against the emulator over loopback.

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

const URL = 'https://hooks.example.com/t?token=status-secret-query';

function yaml(ws: number, subs: Array<{ description: string; enabled?: boolean }>, extra = ''): string {
  const items = subs
    .map(
      (s) =>
        `  - description: ${JSON.stringify(s.description)}\n    url_callback: ${URL}\n` +
        (s.enabled === undefined ? '' : `    enabled: ${s.enabled}\n`) +
        '    event_filters:\n      - { entity: project, action: created }\n',
    )
    .join('');
  return `workspace_id: ${ws}\n${extra}subscriptions:\n${items}`;
}

interface StatusJson {
  format_version: number;
  workspaces: Array<{
    workspace_id: number;
    in_sync: boolean;
    healthy: boolean;
    error?: string;
    subscriptions: Array<{
      description: string;
      subscription_id: number | null;
      sync_status: string;
      enabled: boolean | null;
      validated: boolean | null;
      validated_at: string | null;
      has_pending_events: boolean | null;
      healthy: boolean;
      problems: Array<{ kind: string; unhealthy: boolean; hint: string }>;
    }>;
  }>;
  summary: Record<string, number>;
}

describe('status (built CLI, emulator)', () => {
  async function seeded() {
    e2e = await startE2E({ workspaces: [201, 202] });
    const { emu } = e2e;
    const ok = emu.seed(201, {
      description: 'Healthy',
      url_callback: URL,
      validated_at: '2026-01-02T03:04:05.000Z',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const unvalidated = emu.seed(201, {
      description: 'Café ☕: unvalidated',
      url_callback: URL,
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const disabled = emu.seed(201, {
      description: 'Paused',
      url_callback: URL,
      enabled: false,
      validated_at: '2026-01-02T03:04:05.000Z',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const failing = emu.seed(202, {
      description: 'Failing receiver',
      url_callback: URL,
      validated_at: '2026-01-02T03:04:05.000Z',
      has_pending_events: true,
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const dir = e2e.files({
      'a.yaml': yaml(201, [
        { description: 'Healthy' },
        { description: 'Café ☕: unvalidated' },
        { description: 'Paused', enabled: false },
      ]),
      'b.yaml': yaml(202, [{ description: 'Failing receiver' }, { description: 'Not live yet' }]),
    });
    emu.resetCalls();
    return { emu, dir, ok, unvalidated, disabled, failing };
  }

  it('text: reports unvalidated, disabled and failing subscriptions with hints, one GET per workspace', async () => {
    const { emu, dir, unvalidated, disabled, failing } = await seeded();
    const out = await e2e!.cli(['status', dir]);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(callList(emu)).toEqual(['GET /subscriptions/201', 'GET /subscriptions/202']);
    const text = out.stdout;
    expect(text).toContain('workspace 201: in sync, 1 unhealthy\n');
    expect(text).toContain('"Healthy" (id ');
    expect(text).toContain('in sync, enabled, validated 2026-01-02T03:04:05.000Z\n');
    expect(text).toContain(
      `  ! "Café ☕: unvalidated" (id ${unvalidated.subscription_id}): in sync, enabled, NOT validated\n`,
    );
    expect(text).toContain(
      'hint: not validated, so no events are sent: ping it with a receiver that echoes validation_code ' +
        `(sync --ping-new pings after a create or URL change), or GET /validate/201/${unvalidated.subscription_id}/{code} ` +
        'with the code your endpoint received\n',
    );
    expect(text).toContain(`"Paused" (id ${disabled.subscription_id}): in sync, disabled, validated`);
    expect(text).toContain(
      'hint: disabled, so it receives no events: enable it in the YAML (enabled: true) if it should\n',
    );
    expect(text).toContain('workspace 202: 1 pending change, 1 unhealthy\n');
    expect(text).toContain(
      `  ! "Failing receiver" (id ${failing.subscription_id}): in sync, enabled, validated 2026-01-02T03:04:05.000Z, HAS PENDING EVENTS\n`,
    );
    expect(text).toContain('hint: has pending events: the callback is failing; check your receiver');
    expect(text).toContain('  + "Not live yet": create pending (declared, not live)\n');
    expect(text).toContain('Status: 4 in sync, 1 pending, 2 unhealthy.');
    // The quota headers of its own answers (emulator: 10,000 per hour), and a daemon's share of them.
    expect(text).toMatch(
      /\nAPI quota \(token TOGGL_API_TOKEN\): 9999 requests left, the window resets in (59m \d+s|1h); a daemon on this token spends at most 2500 per window on periodic reconciles \(--quota-share 0\.25\)\.\n$/,
    );
    expect(text).not.toContain('status-secret-query');
  });

  it('json: one document on stdout, and --detailed-exitcode exits 2 when pending or unhealthy', async () => {
    const { dir, unvalidated, disabled } = await seeded();
    const out = await e2e!.cli(['status', '--output', 'json', '--detailed-exitcode', dir]);
    expect(out.code).toBe(2);
    const doc = JSON.parse(out.stdout) as StatusJson;
    expect(doc.format_version).toBe(1);
    expect(doc.workspaces.map((w) => [w.workspace_id, w.in_sync, w.healthy])).toEqual([
      [201, true, false],
      [202, false, false],
    ]);
    const subs = new Map(doc.workspaces.flatMap((w) => w.subscriptions).map((s) => [s.description, s]));
    expect(subs.get('Café ☕: unvalidated')).toMatchObject({
      subscription_id: unvalidated.subscription_id,
      sync_status: 'in_sync',
      enabled: true,
      validated: false,
      validated_at: null,
      has_pending_events: false,
      healthy: false,
      problems: [{ kind: 'unvalidated', unhealthy: true }],
    });
    expect(subs.get('Paused')).toMatchObject({
      subscription_id: disabled.subscription_id,
      enabled: false,
      validated: true,
      healthy: true,
      problems: [{ kind: 'disabled', unhealthy: false }],
    });
    expect(subs.get('Failing receiver')?.problems.map((p) => p.kind)).toEqual(['pending_events']);
    expect(subs.get('Not live yet')).toMatchObject({
      sync_status: 'create',
      subscription_id: null,
      enabled: null,
    });
    expect(doc.summary).toEqual({
      workspaces: 2,
      subscriptions: 5,
      in_sync: 4,
      pending: 1,
      unhealthy: 2,
      errors: 0,
    });
    expect(out.stdout).not.toContain('status-secret-query');
  });

  it('exits 0 with --detailed-exitcode when everything is in sync and healthy', async () => {
    e2e = await startE2E({ workspaces: [201] });
    e2e.emu.seed(201, {
      description: 'Healthy',
      url_callback: URL,
      validated_at: '2026-01-02T03:04:05.000Z',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const dir = e2e.files({ 'a.yaml': yaml(201, [{ description: 'Healthy' }]) });
    const out = await e2e.cli(['status', '--detailed-exitcode', dir]);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('workspace 201: in sync, healthy\n');
  });

  it('exits 1 when a workspace cannot be read, still reporting the others', async () => {
    e2e = await startE2E({ workspaces: [201] });
    const dir = e2e.files({
      'a.yaml': yaml(201, [{ description: 'A' }]),
      'b.yaml': yaml(999, [{ description: 'B' }]),
    });
    const out = await e2e.cli(['status', '--output', 'json', dir]);
    expect(out.code).toBe(1);
    const doc = JSON.parse(out.stdout) as StatusJson;
    expect(doc.workspaces[0]).toMatchObject({ workspace_id: 201, in_sync: false });
    expect(doc.workspaces[1]).toMatchObject({
      workspace_id: 999,
      error: 'GET /subscriptions/999: 403 User not found/accessible for workspace',
    });
  });

  it('exits 1 on invalid files with FILE:LINE:COL and makes no call', async () => {
    e2e = await startE2E({ workspaces: [201] });
    const dir = e2e.files({
      'a.yaml': 'workspace_id: 201\nsubscriptions:\n  - description: x\n    bogus: 1\n',
    });
    const out = await e2e.cli(['status', dir]);
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/a\.yaml:\d+:\d+: /);
    expect(out.stdout).toBe('');
    expect(e2e.emu.calls).toEqual([]);
    const bad = await e2e.cli(['status', '--output', 'markdown', dir]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected one of text, json');
  });
});
