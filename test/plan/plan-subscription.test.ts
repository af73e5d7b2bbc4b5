import { describe, expect, it } from 'vitest';
import { planSubscription } from '../../src/plan/plan.js';
import { fixtures } from '../support/fixtures.js';

const WS = 3;
const f = fixtures({
  workspaceId: WS,
  url: 'https://hooks.example.com/a',
  source: { file: 't.yaml', line: 1, col: 1 },
});

describe('planSubscription: the one call that brings an existing subscription in line', () => {
  it('nothing when it already matches', () => {
    expect(planSubscription(WS, f.want('a'), f.have(1, 'a'))).toBeUndefined();
  });

  it('a PATCH when only enabled differs', () => {
    const change = planSubscription(WS, f.want('a', { enabled: false }), f.have(1, 'a'));
    expect(change).toMatchObject({ action: 'patch', subscription_id: 1, enabled: false, workspace_id: WS });
  });

  it('a PUT of the whole subscription otherwise, keeping the live secret when none is declared', () => {
    const have = f.have(1, 'a', { url_callback: 'https://old.example.com/', secret: 'live-secret-1' });
    const change = planSubscription(WS, f.want('a', { enabled: false }), have);
    expect(change?.action).toBe('update');
    expect(change && 'body' in change ? change.body : undefined).toEqual({
      description: 'a',
      url_callback: 'https://hooks.example.com/a',
      event_filters: [{ entity: 'project', action: 'created' }],
      enabled: false,
      secret: 'live-secret-1',
    });
  });
});
