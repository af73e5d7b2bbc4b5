import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { callList, type E2E, mutatingCalls, startE2E } from '../support/e2e.js';

// End to end: `sync` (built CLI) refuses a plan over GET /limits before any mutating call.

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

function sub(description: string, filters: string[] = ['project:created'], enabled = true): string {
  return (
    `  - description: ${JSON.stringify(description)}\n` +
    `    url_callback: https://hooks.example.com/${encodeURIComponent(description)}\n` +
    `    enabled: ${enabled}\n` +
    '    event_filters:\n' +
    filters.map((f) => `      - { entity: ${f.split(':')[0]}, action: "${f.split(':')[1]}" }\n`).join('')
  );
}

describe('limits before applying (built CLI, emulator)', () => {
  it('refuses a plan over max_webhooks, in dry runs too, while other workspaces still sync', async () => {
    e2e = await startE2E({ workspaces: [301, 302], limits: { max_webhooks: 2, max_events_per_webhook: 5 } });
    e2e.emu.seed(301, {
      description: 'A',
      url_callback: 'https://hooks.example.com/A',
      event_filters: [{ entity: 'project', action: 'created' }],
    });
    const dir = e2e.files({
      '301.yaml': `workspace_id: 301\nsubscriptions:\n${sub('A')}${sub('B')}${sub('C')}${sub('D', undefined, false)}`,
      '302.yaml': `workspace_id: 302\nsubscriptions:\n${sub('E')}`,
    });
    const message =
      'workspace 301 allows 2 enabled subscriptions (GET /limits: max_webhooks); this plan would leave 3 enabled: "A", "B", "C"';

    e2e.emu.resetCalls();
    const dry = await e2e.cli(['sync', '--dry-run', dir]);
    expect(dry.code).toBe(1);
    expect(dry.stdout + dry.stderr).toContain(message);
    expect(mutatingCalls(e2e.emu)).toEqual([]);

    e2e.emu.resetCalls();
    const real = await e2e.cli(['sync', dir]);
    expect(real.code).toBe(1);
    expect(real.stdout + real.stderr).toContain(message);
    expect(mutatingCalls(e2e.emu)).toEqual(['POST /subscriptions/302']);
    expect(callList(e2e.emu)).toEqual([
      'GET /subscriptions/301',
      'GET /subscriptions/302',
      // Every filter is in the schema's catalogue: GET /event_filters would not change the answer.
      'GET /limits/301',
      'GET /limits/302',
      'POST /subscriptions/302',
    ]);
    expect(e2e.emu.subscriptions(301).map((s) => s.description)).toEqual(['A']);
  });

  it('refuses a subscription over max_events_per_webhook before any mutating call, naming the file', async () => {
    e2e = await startE2E({ workspaces: [301], limits: { max_webhooks: 10, max_events_per_webhook: 2 } });
    const dir = e2e.files({
      'wide.yaml': `workspace_id: 301\nsubscriptions:\n${sub('ok')}${sub('wide', ['project:created', 'tag:*', 'client:deleted'])}`,
    });
    const out = await e2e.cli(['sync', dir]);
    expect(out.code).toBe(1);
    expect(out.stdout + out.stderr).toMatch(
      /wide\.yaml:\d+:\d+: workspace 301 allows 2 event filters per subscription \(GET \/limits: max_events_per_webhook\); "wide" declares 3/,
    );
    expect(mutatingCalls(e2e.emu)).toEqual([]);
    expect(e2e.emu.subscriptions(301)).toEqual([]);
  });

  it('a run that plans nothing makes no limits call; a plan within the limits applies', async () => {
    e2e = await startE2E({ workspaces: [301], limits: { max_webhooks: 2, max_events_per_webhook: 2 } });
    const dir = e2e.files({
      'a.yaml': `workspace_id: 301\nsubscriptions:\n${sub('A')}${sub('B', ['tag:*', 'project:*'])}`,
    });
    const first = await e2e.cli(['sync', dir]);
    expect(first.code).toBe(0);
    expect(mutatingCalls(e2e.emu)).toEqual(['POST /subscriptions/301', 'POST /subscriptions/301']);
    e2e.emu.resetCalls();
    const second = await e2e.cli(['sync', dir]);
    expect(second.code).toBe(0);
    expect(callList(e2e.emu)).toEqual(['GET /subscriptions/301']);
  });
});
