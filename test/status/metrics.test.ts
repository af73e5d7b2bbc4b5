import { describe, expect, it } from 'vitest';
import type { ReconcileResult } from '../../src/apply/types.js';
import { createMetrics, MetricsRecorder } from '../../src/metrics/index.js';
import type { Subscription } from '../../src/toggl/types.js';
import { desiredState } from '../support/desired.js';

function live(id: number, ws: number, description: string, over: Partial<Subscription> = {}): Subscription {
  return {
    subscription_id: id,
    workspace_id: ws,
    description,
    url_callback: 'https://hooks.example.com/x?token=never-a-label',
    enabled: true,
    event_filters: [{ entity: 'project', action: 'created' }],
    validated_at: '2026-01-01T00:00:00Z',
    ...over,
  };
}

function result(liveMap: Map<number, Subscription[]>): ReconcileResult {
  return { dryRun: false, plan: { workspaces: [] }, outcomes: [], failures: [], live: liveMap };
}

async function series(rec: MetricsRecorder): Promise<string[]> {
  const text = await rec.metrics.registry.metrics();
  return text.split('\n').filter((l) => l.startsWith('toggl_webhooks_subscription_info{'));
}

describe('toggl_webhooks_subscription_info', () => {
  it('has one series per subscription, keeps a workspace whose list failed, drops undeclared ones', async () => {
    const rec = new MetricsRecorder(createMetrics({ processMetrics: false }));
    const both = desiredState([
      {
        workspace_id: 1,
        subscriptions: [
          {
            description: 'Café ☕: "quoted"',
            url_callback: 'https://hooks.example.com/x?token=never-a-label',
          },
          { description: 'new' },
        ],
      },
      {
        workspace_id: 2,
        subscriptions: [
          {
            description: 'off',
            enabled: false,
            url_callback: 'https://hooks.example.com/x?token=never-a-label',
          },
        ],
      },
    ]);
    rec.subscriptionsObserved(
      both,
      result(
        new Map([
          [1, [live(10, 1, 'Café ☕: "quoted"', { validated_at: null })]],
          [2, [live(20, 2, 'off')]],
        ]),
      ),
    );
    expect(await series(rec)).toEqual([
      'toggl_webhooks_subscription_info{workspace_id="1",description="Café ☕: \\"quoted\\"",enabled="true",validated="false",sync_status="in_sync"} 1',
      'toggl_webhooks_subscription_info{workspace_id="1",description="new",enabled="unknown",validated="unknown",sync_status="create"} 1',
      'toggl_webhooks_subscription_info{workspace_id="2",description="off",enabled="true",validated="true",sync_status="patch"} 1',
    ]);
    expect(await rec.metrics.registry.metrics()).not.toContain('never-a-label');

    // Workspace 2's list failed this time: its series stay (workspace 1 was emptied by hand: two creates).
    rec.subscriptionsObserved(both, result(new Map([[1, []]])));
    expect((await series(rec)).map((l) => /sync_status="(\w+)"/.exec(l)?.[1])).toEqual([
      'create',
      'create',
      'patch',
    ]);
    // Then it is no longer declared: its series go.
    rec.subscriptionsObserved(
      desiredState([{ workspace_id: 1, subscriptions: [] }]),
      result(new Map([[1, []]])),
    );
    expect(await series(rec)).toEqual([]);
  });
});
