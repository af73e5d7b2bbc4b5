import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import type { Subscription } from '../../src/toggl/types.js';
import { desiredState, type SubSpec } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';

/**
 * Adopt-after-lost-create (src/apply/converge.ts): a create that met "already in use" adopts the
 * listed subscription only when it is what the create sent; anyone else's is reported and untouched.
 */
const WS = 111;

/** `declared` are created in description order; the POST of "raced" first finds `theirs` made. */
async function race(declared: SubSpec[], theirs: Partial<Subscription>) {
  const api = new FakeApi([WS]);
  let seeded = false;
  api.onCall = (c) => {
    if (c.method === 'POST' && (c.body as { description: string }).description === 'raced' && !seeded) {
      seeded = true;
      api.seed(WS, { description: 'raced', ...theirs });
    }
  };
  const desired = desiredState([{ workspace_id: WS, subscriptions: declared }]);
  const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
  const raced = result.outcomes.find((o) => o.change.description === 'raced');
  const after = api.state.get(WS)?.find((s) => s.description === 'raced');
  const changedRaced = api
    .mutations()
    .filter((c) => c.subscriptionId !== undefined && c.subscriptionId === after?.subscription_id);
  return { api, raced, after, changedRaced };
}

describe('adopting after a lost create', () => {
  it('refuses a subscription with other event filters (before: rewritten with a PUT)', async () => {
    const { raced, after, changedRaced } = await race([{ description: 'raced' }], {
      event_filters: [{ entity: 'tag', action: 'deleted' }],
    });
    expect(raced).toMatchObject({ status: 'failed', error: expect.stringContaining('other event filters') });
    expect(changedRaced).toEqual([]);
    expect(after?.event_filters).toEqual([{ entity: 'tag', action: 'deleted' }]);
  });

  it('refuses one whose secret is not the one the create sent (before: its secret was overwritten)', async () => {
    const { raced, after, changedRaced } = await race(
      [{ description: 'raced', secret: 'declared-secret-1' }],
      {
        secret: 'their-secret-2',
      },
    );
    expect(raced).toMatchObject({ status: 'failed', error: expect.stringContaining('another secret') });
    expect(raced?.error).not.toContain('their-secret-2');
    expect(changedRaced).toEqual([]);
    expect(after?.secret).toBe('their-secret-2');
  });

  it("refuses one of another user once an answer told the token's user (before: adopted and patched)", async () => {
    // "a" is created first; its answer says the token's user is 1. The raced one is user 2's.
    const { raced, changedRaced } = await race(
      [{ description: 'a' }, { description: 'raced', enabled: false }],
      { user_id: 2, enabled: true },
    );
    expect(raced).toMatchObject({
      status: 'failed',
      error: expect.stringContaining("belongs to user 2, not to this token's user 1"),
    });
    expect(changedRaced).toEqual([]);
  });

  it('adopts the same url, filters and secret, correcting only enabled with a PATCH', async () => {
    const { raced, changedRaced } = await race(
      [{ description: 'a' }, { description: 'raced', enabled: false, secret: 'declared-secret-1' }],
      { user_id: 1, enabled: true, secret: 'declared-secret-1' },
    );
    expect(raced).toMatchObject({ status: 'applied' });
    expect(changedRaced.map((c) => c.method)).toEqual(['PATCH']);
  });
});
