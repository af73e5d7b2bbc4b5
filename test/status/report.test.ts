import { describe, expect, it } from 'vitest';
import { PLACEHOLDER, SecretSet } from '../../src/sensitive/index.js';
import { describedWorkspaces, subscriptionInfo } from '../../src/status/info.js';
import { renderStatusJson, renderStatusText } from '../../src/status/render.js';
import { isUnhealthy, summarize, workspaceStatus } from '../../src/status/report.js';
import { fixtures } from '../support/fixtures.js';

const src = { file: 'subs.yaml', line: 3, col: 5 };
const { want, have, ws } = fixtures({
  workspaceId: 5,
  url: 'https://hooks.example.com/a?token=hidden-token',
  source: src,
  live: { secret: 'live-secret-value', validated_at: '2026-01-02T03:04:05Z', has_pending_events: false },
});

describe('workspaceStatus', () => {
  it('reports each declared and live subscription with its sync status and health', () => {
    const status = workspaceStatus(
      ws([
        want('ok'),
        want('unvalidated'),
        want('off', { enabled: false }),
        want('failing'),
        want('moved', { url_callback: 'https://hooks.example.com/b' }),
        want('to enable'),
        want('new'),
      ]),
      [
        have(1, 'ok'),
        have(2, 'unvalidated', { validated_at: null }),
        have(3, 'off', { enabled: false }),
        have(4, 'failing', { has_pending_events: true }),
        have(5, 'moved'),
        have(6, 'to enable', { enabled: false }),
        have(7, 'stray'),
      ],
    );
    const by = new Map(status.subscriptions.map((s) => [s.description, s]));
    expect(status.subscriptions.map((s) => [s.description, s.sync_status])).toEqual([
      ['ok', 'in_sync'],
      ['unvalidated', 'in_sync'],
      ['off', 'in_sync'],
      ['failing', 'in_sync'],
      ['moved', 'update'],
      ['to enable', 'patch'],
      ['new', 'create'],
      ['stray', 'delete'],
    ]);
    expect(by.get('ok')).toEqual({
      description: 'ok',
      subscription_id: 1,
      declared: true,
      sync_status: 'in_sync',
      changed_fields: [],
      enabled: true,
      validated: true,
      validated_at: '2026-01-02T03:04:05Z',
      has_pending_events: false,
      problems: [],
    });
    expect(by.get('unvalidated')?.problems.map((p) => [p.kind, p.unhealthy])).toEqual([
      ['unvalidated', true],
    ]);
    expect(by.get('unvalidated')?.problems[0]?.hint).toContain('GET /validate/5/2/{code}');
    expect(by.get('off')?.problems).toEqual([
      {
        kind: 'disabled',
        unhealthy: false,
        hint: 'disabled, so it receives no events: enable it in the YAML (enabled: true) if it should',
      },
    ]);
    expect(by.get('failing')?.problems.map((p) => p.kind)).toEqual(['pending_events']);
    expect(by.get('failing')?.problems[0]?.hint).toContain('the callback is failing; check your receiver');
    expect(by.get('moved')?.changed_fields).toEqual(['url_callback']);
    expect(by.get('to enable')?.problems[0]?.hint).toContain(
      'the YAML enables it: run toggl-webhooks-sync sync',
    );
    expect(by.get('new')).toMatchObject({
      subscription_id: null,
      enabled: null,
      validated: null,
      problems: [],
    });
    expect(by.get('stray')).toMatchObject({ declared: false, subscription_id: 7 });
    expect(status.subscriptions.filter(isUnhealthy).map((s) => s.description)).toEqual([
      'unvalidated',
      'failing',
    ]);
  });

  it('shows both live copies of a declared description as ambiguous, as sync sees them (neither in sync)', () => {
    // Before: one copy showed in sync and the other unmanaged, while sync reports E_AMBIGUOUS.
    const status = workspaceStatus(ws([want('dup'), want('ok')], { prune: false }), [
      have(1, 'dup'),
      have(2, 'dup', { enabled: false }),
      have(3, 'ok'),
    ]);
    expect(status.subscriptions.map((s) => [s.description, s.subscription_id, s.sync_status])).toEqual([
      ['dup', 1, 'ambiguous'],
      ['dup', 2, 'ambiguous'],
      ['ok', 3, 'in_sync'],
    ]);
    expect(summarize({ workspaces: [status] })).toMatchObject({ in_sync: 1, pending: 2 });
    const text = renderStatusText({ workspaces: [status] }, SecretSet.of({}));
    expect(text).toContain('? "dup" (id 1): ambiguous (another live subscription has this description too');
  });

  it('shows ignored and unmanaged live subscriptions without counting them as drift', () => {
    const status = workspaceStatus(ws([want('mine')], { prune: false, ignore: ['Zapier*'] }), [
      have(1, 'mine'),
      have(2, 'Zapier: CRM', { validated_at: null }),
      have(3, 'by hand'),
    ]);
    expect(status.subscriptions.map((s) => [s.description, s.sync_status])).toEqual([
      ['mine', 'in_sync'],
      ['Zapier: CRM', 'ignored'],
      ['by hand', 'unmanaged'],
    ]);
    const sum = summarize({ workspaces: [status] });
    expect(sum).toEqual({ workspaces: 1, subscriptions: 3, in_sync: 1, pending: 0, unhealthy: 0, errors: 0 });
  });

  it('does not judge what the API did not report', () => {
    const { validated_at: _v, has_pending_events: _p, ...bare } = have(1, 'bare');
    const status = workspaceStatus(ws([want('bare')]), [bare]);
    expect(status.subscriptions[0]).toMatchObject({
      validated: null,
      has_pending_events: null,
      problems: [],
    });
  });
});

describe('status renderers', () => {
  const report = {
    workspaces: [
      workspaceStatus(ws([want('ok'), want('unvalidated'), want('off', { enabled: false }), want('new')]), [
        have(1, 'ok'),
        have(2, 'unvalidated', { validated_at: null }),
        have(3, 'off', { enabled: false }),
      ]),
      {
        workspace_id: 6,
        error: 'GET /subscriptions/6: 403 User not found/accessible for workspace',
        subscriptions: [],
      },
    ],
  };

  it('text: one line per subscription, hints under it, a summary, no URL or secret', () => {
    const text = renderStatusText(report, SecretSet.empty);
    expect(text).toContain('workspace 5: 1 pending change, 1 unhealthy\n');
    expect(text).toContain('    "ok" (id 1): in sync, enabled, validated 2026-01-02T03:04:05Z\n');
    expect(text).toContain(
      '  ! "unvalidated" (id 2): in sync, enabled, NOT validated\n      hint: not validated',
    );
    expect(text).toContain(
      '    "off" (id 3): in sync, disabled, validated 2026-01-02T03:04:05Z\n      hint: disabled',
    );
    expect(text).toContain('  + "new": create pending (declared, not live)\n');
    expect(text).toContain(
      'workspace 6: error: GET /subscriptions/6: 403 User not found/accessible for workspace',
    );
    expect(text).toMatch(/Status: 3 in sync, 1 pending, 1 unhealthy, 1 workspace unreadable\. Run .*\n$/);
    expect(text).not.toContain('hidden-token');
    expect(text).not.toContain('live-secret-value');
  });

  it('json: one document with per-workspace and per-subscription health', () => {
    const json = renderStatusJson(report, SecretSet.empty);
    expect(json).not.toContain('hidden-token');
    expect(json).not.toContain('live-secret-value');
    const doc = JSON.parse(json);
    expect(doc.format_version).toBe(1);
    expect(doc.workspaces[0]).toMatchObject({ workspace_id: 5, in_sync: false, healthy: false });
    expect(doc.workspaces[1]).toMatchObject({
      workspace_id: 6,
      in_sync: false,
      healthy: false,
      error: expect.any(String),
    });
    expect(doc.workspaces[0].subscriptions[1]).toMatchObject({
      description: 'unvalidated',
      subscription_id: 2,
      sync_status: 'in_sync',
      enabled: true,
      validated: false,
      validated_at: null,
      has_pending_events: false,
      healthy: false,
      problems: [{ kind: 'unvalidated', unhealthy: true }],
    });
    expect(doc.summary).toEqual({
      workspaces: 2,
      subscriptions: 4,
      in_sync: 3,
      pending: 1,
      unhealthy: 1,
      errors: 1,
    });
  });
});

describe('status renderers and text from the API', () => {
  const echoed = 'echoed-secret-0123456789abcdef';
  const report = {
    workspaces: [
      workspaceStatus(ws([want('ok')]), [
        have(1, 'ok'),
        have(2, `stray ${echoed}`, { validated_at: `2026 ${echoed}` }),
      ]),
      { workspace_id: 6, error: `PUT /x: 400 bad body {"secret":"${echoed}"}`, subscriptions: [] },
    ],
  };
  const secrets = SecretSet.of({ values: [echoed] });

  it('scrubs error messages, undeclared descriptions and validated_at; declared text stays as written', () => {
    for (const out of [renderStatusText(report, secrets), renderStatusJson(report, secrets)]) {
      expect(out).not.toContain(echoed);
      expect(out).toContain(`stray ${PLACEHOLDER}`);
      expect(out).toContain('"ok"');
    }
  });
});

describe('subscriptionInfo (daemon metric labels)', () => {
  it('describes each subscription of each listed workspace after the run, without URLs', () => {
    const desired = {
      workspaces: [ws([want('ok'), want('new', { enabled: false })]), ws([want('x')], { workspace_id: 6 })],
      files: [],
    };
    const result = {
      dryRun: true,
      plan: { workspaces: [] },
      outcomes: [],
      failures: [],
      live: new Map([[5, [have(1, 'ok', { validated_at: null }), have(2, 'stray')]]]),
    };
    const rows = subscriptionInfo(desired, result);
    expect(rows).toEqual([
      { workspace_id: '5', description: 'ok', enabled: 'true', validated: 'false', sync_status: 'in_sync' },
      {
        workspace_id: '5',
        description: 'new',
        enabled: 'unknown',
        validated: 'unknown',
        sync_status: 'create',
      },
      { workspace_id: '5', description: 'stray', enabled: 'true', validated: 'true', sync_status: 'delete' },
    ]);
    expect(describedWorkspaces(desired, result)).toEqual([5]);
    expect(JSON.stringify(rows)).not.toContain('hidden-token');
  });
});
