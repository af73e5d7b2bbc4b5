import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import type { ReconcileResult } from '../../src/apply/types.js';
import { renderConfigErrorsJson, renderConfigErrorsMarkdown } from '../../src/output/config-errors.js';
import { renderJson, renderMarkdown, renderText } from '../../src/output/index.js';
import { PLACEHOLDER, SecretSet } from '../../src/sensitive/index.js';
import { desiredState } from '../support/desired.js';
import { apiFailure, FakeApi } from '../support/fake-api.js';

const WS = 123;
// Distinctive strings that must never appear in any output.
const DECLARED_SECRET = 'DECLARED-SECRET-q8Zr2';
const LIVE_SECRET = 'LIVE-SECRET-k3Jw9';
const QUERY_TOKEN = 'QUERY-TOKEN-v7Xp1';
const PASSWORD = 'URL-PASSWORD-m2Nc5';
const SECRETS = [DECLARED_SECRET, LIVE_SECRET, QUERY_TOKEN, PASSWORD];

function scenario() {
  const api = new FakeApi([WS, 404]);
  api.seed(WS, {
    description: 'Slack: new projects',
    url_callback: `https://hooks.example.com/old?token=${QUERY_TOKEN}`,
    secret: LIVE_SECRET,
    event_filters: [
      { entity: 'tag', action: '*' },
      { entity: 'client', action: 'created' },
    ],
  });
  api.seed(WS, { description: 'Paused', enabled: true, secret: LIVE_SECRET });
  api.seed(WS, { description: 'Old | hook', secret: LIVE_SECRET });
  api.seed(WS, { description: 'Keep', secret: LIVE_SECRET });
  const desired = desiredState([
    {
      workspace_id: WS,
      subscriptions: [
        {
          description: 'Slack: new projects',
          url_callback: `https://bot:${PASSWORD}@hooks.example.com/new?token=${QUERY_TOKEN}&x=1`,
          secret: DECLARED_SECRET,
          event_filters: [
            { entity: 'project', action: 'created' },
            { entity: 'client', action: 'created' },
          ],
        },
        { description: 'Paused', enabled: false },
        { description: 'Keep' },
        {
          description: 'New\nline | pipe <b>',
          url_callback: `https://hooks.example.com/n?token=${QUERY_TOKEN}`,
          secret: DECLARED_SECRET,
        },
      ],
    },
  ]);
  return { api, desired };
}

async function planned(): Promise<ReconcileResult> {
  const { api, desired } = scenario();
  return reconcile({ desired, api, dryRun: true, allowMassDelete: false });
}

async function appliedWithFailure(): Promise<ReconcileResult> {
  const { api, desired } = scenario();
  api.fail = (c) =>
    c.method === 'PUT'
      ? apiFailure(
          'PUT',
          `/subscriptions/${WS}/100`,
          400,
          `URL endpoint https://bot:${PASSWORD}@hooks.example.com/new?token=${QUERY_TOKEN}&x=1 responded with status 404 instead of 2xx`,
        )
      : undefined;
  return reconcile({ desired, api, dryRun: false, allowMassDelete: false });
}

// Plans render with an empty set: their sensitive values are marked, so no text search is needed.
const NONE = SecretSet.empty;
// Failures carry API messages, which are scrubbed with what the run knows.
const KNOWN = SecretSet.of({ values: SECRETS });

function expectNoSecrets(out: string): void {
  for (const s of SECRETS) expect(out).not.toContain(s);
}

describe('renderText', () => {
  it('reads like terraform plan', async () => {
    const result = await planned();
    const out = renderText(result, { color: false, secrets: NONE });
    const lines = out.split('\n');
    expect(lines).toContain('- delete "Old | hook" (workspace 123, id 102)');
    expect(lines).toContain('± disable "Paused" (workspace 123, id 101)');
    expect(lines).toContain('~ update "Slack: new projects" (workspace 123, id 100)');
    expect(lines).toContain('    url_callback: (sensitive) -> (sensitive, changed)');
    expect(lines).toContain('    event_filters: +project:created -tag:*');
    expect(lines).toContain('    secret: (changed)');
    expect(lines).toContain('+ create "New\\nline | pipe <b>" (workspace 123)');
    expect(lines).toContain('    enabled: true');
    expect(lines).toContain('Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.');
    expect(out).not.toContain('\u001b[');
    expect(out).not.toContain('Apply');
    expectNoSecrets(out);
    // Execution order: deletes, disables, updates, creates.
    const order = ['- delete', '± disable', '~ update', '+ create'].map((p) => out.indexOf(p));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  it('colours only when asked', async () => {
    const out = renderText(await planned(), { color: true, secrets: NONE });
    expect(out).toContain('\u001b[32m+ create\u001b[0m');
    expect(out).toContain('\u001b[31m- delete\u001b[0m');
    expectNoSecrets(out);
  });

  it('says so when nothing changes', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'x' });
    const result = await reconcile({
      desired: desiredState([{ workspace_id: WS, subscriptions: [{ description: 'x' }] }]),
      api,
      dryRun: false,
      allowMassDelete: false,
    });
    expect(renderText(result, { color: false, secrets: NONE })).toBe(
      'No changes. Live subscriptions match the configuration.\n',
    );
  });

  it('shows what was applied, what failed with the API message, and a summary', async () => {
    const result = await appliedWithFailure();
    const out = renderText(result, { color: false, secrets: KNOWN });
    const lines = out.split('\n');
    expect(lines).toContain('~ update "Slack: new projects" (workspace 123, id 100): FAILED');
    expect(out).toMatch(
      /^ {4}error: URL endpoint \S+ responded with status 404 instead of 2xx \(HTTP 400\)$/m,
    );
    expect(lines).toContain('- delete "Old | hook" (workspace 123, id 102): applied');
    expect(out).toMatch(/^\+ create "New\\nline \| pipe <b>" \(workspace 123, id \d+\): applied$/m);
    expect(lines).toContain('Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.');
    expect(lines).toContain('Apply finished with 1 failed: 3 applied, 1 failed.');
    expectNoSecrets(out);
  });

  it('reports workspace errors and guard refusals', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'a', secret: LIVE_SECRET });
    const result = await reconcile({
      desired: desiredState([
        { workspace_id: WS, subscriptions: [] },
        { workspace_id: 404, subscriptions: [{ description: 'b' }] },
      ]),
      api,
      dryRun: false,
      allowMassDelete: false,
    });
    const out = renderText(result, { color: false, secrets: KNOWN });
    expect(out).toContain(
      'Error: workspace 404: GET /subscriptions/404: 403 User not found/accessible for workspace',
    );
    expect(out).toContain(
      'Error: workspace 123: refusing to delete all 1 live subscriptions of workspace 123',
    );
    expect(out).toContain('- delete "a" (workspace 123, id 100): not applied');
    expect(out).toContain('Apply refused by the mass-delete guard: nothing was changed.');
    expectNoSecrets(out);
  });

  it('escapes control characters that an API message or a live description could carry', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'evil\u001b[2J\u009b31m' });
    api.seed(WS, { description: 'keep' });
    api.fail = (c) =>
      c.method === 'DELETE'
        ? apiFailure('DELETE', `/subscriptions/${WS}/100`, 400, 'bad\u001b[31m\nnews')
        : undefined;
    const result = await reconcile({
      desired: desiredState([{ workspace_id: WS, subscriptions: [{ description: 'keep' }] }]),
      api,
      dryRun: false,
      allowMassDelete: false,
    });
    const out = renderText(result, { color: false, secrets: KNOWN });
    expect(out.includes('\u001b') || out.includes('\u009b')).toBe(false);
    expect(out).toContain('- delete "evil\\u001b[2J\\u009b31m" (workspace 123, id 100): FAILED');
    expect(out).toContain('    error: bad\\u001b[31m\\nnews (HTTP 400)');
  });

  it('makes a change of only hidden URL parts visible, and shows no part of a sensitive URL', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'x', url_callback: 'https://h.example/p?token=one-value' });
    const result = await reconcile({
      desired: desiredState([
        {
          workspace_id: WS,
          subscriptions: [{ description: 'x', url_callback: 'https://h.example/p?token=two-value' }],
        },
      ]),
      api,
      dryRun: true,
      allowMassDelete: false,
    });
    const out = renderText(result, { color: false, secrets: NONE });
    expect(out).toContain(`    url_callback: ${PLACEHOLDER} -> (sensitive, changed)`);
    expect(out).not.toContain('h.example');
    expect(out).not.toContain('one-value');
    expect(out).not.toContain('two-value');
  });
});

describe('renderJson', () => {
  it('follows the documented JSON shape (docs/outputs.md)', async () => {
    const result = await planned();
    const text = renderJson(result, NONE);
    expectNoSecrets(text);
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual([
      'format_version',
      'dry_run',
      'plan_hash',
      'workspaces',
      'summary',
      'errors',
    ]);
    expect(doc.format_version).toBe(1);
    expect(doc.dry_run).toBe(true);
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
    expect(doc.errors).toEqual([]);
    expect(doc.workspaces).toHaveLength(1);
    expect(doc.workspaces[0].workspace_id).toBe(WS);
    const update = doc.workspaces[0].changes.find((c: { action: string }) => c.action === 'update');
    expect(update).toEqual({
      action: 'update',
      description: 'Slack: new projects',
      subscription_id: 100,
      diff: {
        url_callback: { before: PLACEHOLDER, after: PLACEHOLDER, sensitive: true },
        event_filters: {
          added: [{ entity: 'project', action: 'created' }],
          removed: [{ entity: 'tag', action: '*' }],
        },
        secret: { changed: true },
      },
      status: 'planned',
    });
    const create = doc.workspaces[0].changes.find((c: { action: string }) => c.action === 'create');
    expect(create.subscription_id).toBeNull();
    expect(create.description).toBe('New\nline | pipe <b>');
    expect(create.diff.secret).toEqual({ changed: true });
    const patch = doc.workspaces[0].changes.find((c: { action: string }) => c.action === 'patch');
    expect(patch.diff).toEqual({ enabled: { before: true, after: false } });
    expect(doc.workspaces[0].changes.map((c: { action: string }) => c.action)).toEqual([
      'delete',
      'patch',
      'update',
      'create',
    ]);
  });

  it('records applied and failed changes with the API message, and workspace errors', async () => {
    const result = await appliedWithFailure();
    const text = renderJson(result, KNOWN);
    expectNoSecrets(text);
    const doc = JSON.parse(text);
    expect(doc.dry_run).toBe(false);
    expect(doc.summary.failed).toBe(1);
    const changes = doc.workspaces[0].changes;
    const update = changes.find((c: { action: string }) => c.action === 'update');
    expect(update.status).toBe('failed');
    expect(update.error).toContain('responded with status 404 instead of 2xx');
    const create = changes.find((c: { action: string }) => c.action === 'create');
    expect(create.status).toBe('applied');
    expect(typeof create.subscription_id).toBe('number');
    expect(create.error).toBeUndefined();

    const api = new FakeApi([]);
    const failedList = await reconcile({
      desired: desiredState([{ workspace_id: 404, subscriptions: [{ description: 'b' }] }]),
      api,
      dryRun: true,
      allowMassDelete: false,
    });
    const errDoc = JSON.parse(renderJson(failedList, KNOWN));
    expect(errDoc.workspaces).toEqual([]);
    expect(errDoc.errors).toEqual([
      {
        workspace_id: 404,
        stage: 'list',
        code: 'E_API_AUTH',
        message: 'GET /subscriptions/404: 403 User not found/accessible for workspace',
      },
    ]);
  });
});

describe('renderMarkdown', () => {
  it('is a table fit for a pull-request comment, with user text escaped', async () => {
    const result = await planned();
    const md = renderMarkdown(result, NONE);
    expectNoSecrets(md);
    const lines = md.split('\n');
    expect(lines[0]).toBe('### toggl-webhooks-sync plan');
    expect(lines).toContain('| | action | workspace | subscription | changes | status |');
    const rows = lines.filter((l) => l.startsWith('| `'));
    expect(rows).toHaveLength(4);
    // Every row has exactly the header's 7 unescaped pipes: descriptions cannot break the table.
    for (const row of rows) expect(row.replace(/\\\|/g, '').split('|')).toHaveLength(8);
    const create = rows.find((r) => r.includes('| create |'));
    expect(create).toContain('New<br>line \\| pipe &lt;b&gt;');
    expect(create).not.toContain('<b>');
    expect(md).toContain('**Plan: 1 to create, 1 to update, 1 to patch, 1 to delete.**');
    expect(rows.find((r) => r.includes('| update |'))).toContain('secret: `(changed)`');
    expect(rows.find((r) => r.includes('| update |'))).toContain(
      'url\\_callback: `(sensitive) -> (sensitive, changed)`',
    );
  });

  it('shows failures and no-change runs', async () => {
    const result = await appliedWithFailure();
    const md = renderMarkdown(result, KNOWN);
    expectNoSecrets(md);
    expect(md).toMatch(/❌ failed: URL endpoint \S+ responded with status 404/);
    expect(md).toContain('Applied: 3, failed: 1, not attempted: 0.');

    const api = new FakeApi([WS]);
    const none = await reconcile({
      desired: desiredState([{ workspace_id: WS, subscriptions: [] }]),
      api,
      dryRun: true,
      allowMassDelete: false,
    });
    expect(renderMarkdown(none, NONE)).toBe(
      '### toggl-webhooks-sync plan\n\nNo changes. Live subscriptions match the configuration.\n',
    );
  });
});

describe('config errors in json and markdown', () => {
  const issues = [
    { file: 'subs/a.yaml', line: 3, col: 5, message: 'unknown key "urll"' },
    { file: 'subs/b|c.yaml', line: 0, col: 0, message: 'file is too large' },
  ];

  it('json: an empty plan with the problems under errors', () => {
    const doc = JSON.parse(renderConfigErrorsJson(issues, true));
    expect(doc).toEqual({
      format_version: 1,
      dry_run: true,
      workspaces: [],
      summary: {
        create: 0,
        update: 0,
        patch: 0,
        delete: 0,
        unchanged: 0,
        failed: 0,
        not_attempted: 0,
        ignored: 0,
        kept: 0,
      },
      errors: [
        {
          stage: 'config',
          code: 'E_CONFIG',
          file: 'subs/a.yaml',
          line: 3,
          col: 5,
          message: 'unknown key "urll"',
        },
        {
          stage: 'config',
          code: 'E_CONFIG',
          file: 'subs/b|c.yaml',
          line: 0,
          col: 0,
          message: 'file is too large',
        },
      ],
    });
  });

  it('markdown: one escaped line per problem', () => {
    expect(renderConfigErrorsMarkdown(issues, false)).toBe(
      '### toggl-webhooks-sync apply\n\n' +
        '**The configuration has 2 problems; nothing was planned and no API call was made.**\n\n' +
        '- subs/a.yaml:3:5: unknown key "urll"\n' +
        '- subs/b\\|c.yaml: file is too large\n',
    );
  });
});
