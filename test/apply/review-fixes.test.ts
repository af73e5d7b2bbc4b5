import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import { NotFoundError, QuotaError } from '../../src/errors.js';
import { renderJson } from '../../src/output/json.js';
import { SecretSet } from '../../src/sensitive/index.js';
import { desiredState } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';

const WS = 111;

describe('reconcile edge cases found in review', () => {
  it('treats a DELETE answered 404 (already gone, e.g. a retried DELETE whose answer was lost) as applied', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'keep' });
    api.seed(WS, { description: 'keep 2' });
    api.seed(WS, { description: 'stale' });
    api.fail = (call) =>
      call.method === 'DELETE'
        ? new NotFoundError({
            method: 'DELETE',
            path: `/subscriptions/${WS}/x`,
            status: 404,
            apiMessage: 'not found',
          })
        : undefined;
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'keep' }, { description: 'keep 2' }] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.outcomes.map((o) => [o.change.action, o.status])).toEqual([['delete', 'applied']]);
  });

  it('reports a 402 on a change with the quota reset time', async () => {
    const api = new FakeApi([WS]);
    api.fail = (call) =>
      call.method === 'POST'
        ? new QuotaError(
            { method: 'POST', path: `/subscriptions/${WS}`, status: 402, apiMessage: 'Quota exceeded' },
            1800,
          )
        : undefined;
    const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'new' }] }]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    expect(result.outcomes[0]?.status).toBe('failed');
    expect(result.outcomes[0]?.error).toContain('1800');
  });

  it('keeps --output json parseable when a secret looks like a number in the document', async () => {
    const api = new FakeApi([1234567]);
    const desired = desiredState([{ workspace_id: 1234567, subscriptions: [{ description: 'new' }] }]);
    const result = await reconcile({ desired, api, dryRun: true, allowMassDelete: false });
    const secrets = SecretSet.of({ values: ['1234567'] });
    const doc = JSON.parse(renderJson(result, secrets)) as { workspaces: Array<{ workspace_id: number }> };
    expect(doc.workspaces[0]?.workspace_id).toBe(1234567);
  });
});
