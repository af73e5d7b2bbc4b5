import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import { exitCodeFor } from '../../src/apply/summary.js';
import { renderText } from '../../src/output/text.js';
import { SecretSet } from '../../src/sensitive/index.js';
import { desiredState } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';

/**
 * Two live subscriptions with one declared description (docs/plan-rules.md#matching-by-description):
 * the tool refuses to choose. Nothing is planned for that description, neither is touched, the error
 * names both ids, the run fails, and everything else is still applied.
 */
const WS = 111;

describe('a declared description that two live subscriptions carry', () => {
  it('is reported with both ids and left alone; the rest of the workspace is applied', async () => {
    const api = new FakeApi([WS]);
    const first = api.seed(WS, { description: 'Slack', url_callback: 'https://old.example/' });
    const second = api.seed(WS, { description: 'Slack' });
    const desired = desiredState([
      { workspace_id: WS, subscriptions: [{ description: 'Slack' }, { description: 'new' }] },
    ]);
    const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: false });
    // Before: DELETE of the copy that differed (the first), silently, then the create.
    expect(api.mutations().map((c) => c.method)).toEqual(['POST']);
    expect(api.state.get(WS)?.filter((s) => s.description === 'Slack')).toHaveLength(2);
    expect(result.failures).toEqual([
      expect.objectContaining({
        workspace_id: WS,
        stage: 'ambiguous',
        error: expect.objectContaining({ code: 'E_AMBIGUOUS' }),
      }),
    ]);
    const message = result.failures[0]?.error.message ?? '';
    expect(message).toContain(
      `live subscriptions ${first.subscription_id} and ${second.subscription_id} both have`,
    );
    expect(message).toContain('"Slack"');
    expect(exitCodeFor(result, false)).toBe(1);
    const text = renderText(result, { color: false, secrets: SecretSet.of({}) });
    expect(text).toContain(
      `Error: workspace ${WS}: live subscriptions ${first.subscription_id} and ${second.subscription_id}`,
    );
  });

  it('is reported on a dry run too, so a pull request sees it', async () => {
    const api = new FakeApi([WS]);
    api.seed(WS, { description: 'Slack' });
    api.seed(WS, { description: 'Slack', url_callback: 'https://old.example/' });
    const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'Slack' }] }]);
    const result = await reconcile({ desired, api, dryRun: true, allowMassDelete: false });
    // Before: a planned DELETE of the second copy and no error.
    expect(result.outcomes).toEqual([]);
    expect(result.failures.map((f) => f.error.code)).toEqual(['E_AMBIGUOUS']);
    expect(api.mutations()).toEqual([]);
  });
});
