import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, startE2E, withoutIds } from '../support/e2e.js';

// Quota-frugal runs (docs/limits-and-budgets.md, "API quota"), counted from the emulator's request log
// while the built CLI runs: one GET per workspace, one call per change, and a pre-check only when its
// answer can change the outcome.

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

const WORKSPACES = [501, 502, 503];

function sub(
  description: string,
  opts: { url?: string; filters?: string[]; enabled?: boolean } = {},
): string {
  const filters = opts.filters ?? ['project:created'];
  return (
    `  - description: ${JSON.stringify(description)}\n` +
    `    url_callback: ${opts.url ?? `https://hooks.example.com/${encodeURIComponent(description)}`}\n` +
    `    enabled: ${opts.enabled ?? true}\n` +
    '    event_filters:\n' +
    filters.map((f) => `      - { entity: ${f.split(':')[0]}, action: "${f.split(':')[1]}" }\n`).join('')
  );
}

const file = (ws: number, subs: string[]) => `workspace_id: ${ws}\nsubscriptions:\n${subs.join('')}`;

describe('requests per run (built CLI, emulator)', () => {
  it('a plan that grows no limit makes exactly one request per workspace, converged or not', async () => {
    e2e = await startE2E({ workspaces: WORKSPACES, limits: { max_webhooks: 5, max_events_per_webhook: 3 } });
    const e = e2e;
    const v1 = Object.fromEntries(
      WORKSPACES.map((ws) => [
        `${ws}.yaml`,
        file(ws, [sub('A'), sub('B', { filters: ['tag:*', 'client:*'] })]),
      ]),
    );
    expect((await e.cli(['sync', e.files(v1)])).code).toBe(0);

    // Converged: one list per workspace.
    e.emu.resetCalls();
    expect((await e.cli(['plan', e.files(v1)])).code).toBe(0);
    expect(callList(e.emu)).toEqual(WORKSPACES.map((ws) => `GET /subscriptions/${ws}`));

    // Every workspace drifts in ways that grow no limited quantity: a new URL, one create for one
    // delete, fewer filters. The plan still costs one list per workspace and nothing else.
    const v2 = Object.fromEntries(
      WORKSPACES.map((ws) => [
        `${ws}.yaml`,
        file(ws, [sub('A', { url: 'https://hooks.example.com/moved' }), sub('C', { filters: ['tag:*'] })]),
      ]),
    );
    e.emu.resetCalls();
    const plan = await e.cli(['plan', '--detailed-exitcode', e.files(v2)]);
    expect(plan.code).toBe(2);
    expect(callList(e.emu)).toEqual(WORKSPACES.map((ws) => `GET /subscriptions/${ws}`));

    // Applying it: one list per workspace + one call per change (PUT A, POST C, DELETE B).
    e.emu.resetCalls();
    expect((await e.cli(['sync', e.files(v2)])).code).toBe(0);
    const calls = withoutIds(callList(e.emu));
    expect(calls.filter((c) => c.startsWith('GET '))).toEqual(
      WORKSPACES.map((ws) => `GET /subscriptions/${ws}`),
    );
    expect(calls.filter((c) => !c.startsWith('GET ')).sort()).toEqual(
      WORKSPACES.flatMap((ws) => [
        `DELETE /subscriptions/${ws}/ID`,
        `POST /subscriptions/${ws}`,
        `PUT /subscriptions/${ws}/ID`,
      ]).sort(),
    );
    expect(calls).toHaveLength(WORKSPACES.length + 3 * WORKSPACES.length);
  });

  it('reads /limits only for the workspaces whose plan grows a limited quantity, and never /event_filters', async () => {
    e2e = await startE2E({ workspaces: WORKSPACES, limits: { max_webhooks: 5, max_events_per_webhook: 3 } });
    const e = e2e;
    const base = Object.fromEntries(WORKSPACES.map((ws) => [`${ws}.yaml`, file(ws, [sub('A')])]));
    expect((await e.cli(['sync', e.files(base)])).code).toBe(0);

    const grown = {
      ...base,
      // 501: one more enabled subscription. 502: more filters on one subscription. 503: only a new URL.
      '501.yaml': file(501, [sub('A'), sub('B')]),
      '502.yaml': file(502, [sub('A', { filters: ['project:created', 'tag:*'] })]),
      '503.yaml': file(503, [sub('A', { url: 'https://hooks.example.com/moved' })]),
    };
    e.emu.resetCalls();
    expect((await e.cli(['sync', e.files(grown)])).code).toBe(0);
    const calls = withoutIds(callList(e.emu));
    expect(calls.filter((c) => !c.startsWith('GET /subscriptions/')).sort()).toEqual(
      [
        'GET /limits/501',
        'GET /limits/502',
        'POST /subscriptions/501',
        'PUT /subscriptions/502/ID',
        'PUT /subscriptions/503/ID',
      ].sort(),
    );
    // N changes: one list per workspace + N + one /limits per growing workspace.
    expect(calls).toHaveLength(WORKSPACES.length + 3 + 2);
  });
});
