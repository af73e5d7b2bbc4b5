import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import { renderJson, renderMarkdown, renderText } from '../../src/output/index.js';
import { planIdentity, planKeyFromToken } from '../../src/plan/identity.js';
import { SecretSet } from '../../src/sensitive/index.js';
import { desiredState } from '../support/desired.js';
import { FakeApi } from '../support/fake-api.js';

const WS = 123;
const KEY = planKeyFromToken('render-test-token-0123456789');

async function run(withChanges: boolean) {
  const api = new FakeApi([WS]);
  api.seed(WS, { description: 'Keep' });
  const desired = desiredState([
    {
      workspace_id: WS,
      subscriptions: withChanges
        ? [{ description: 'Keep' }, { description: 'New' }]
        : [{ description: 'Keep' }],
    },
  ]);
  const result = await reconcile({
    desired,
    api,
    dryRun: true,
    allowMassDelete: false,
    identify: (observed) => planIdentity({ ...observed, keyFor: () => KEY }),
  });
  return result;
}

describe('plan hash in every output format', () => {
  for (const withChanges of [true, false]) {
    it(`is shown in text, JSON and markdown (${withChanges ? 'with changes' : 'no changes'})`, async () => {
      const result = await run(withChanges);
      const hash = result.planHash!;
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      expect(renderText(result, { color: false, secrets: SecretSet.empty })).toContain(
        `\nPlan hash: ${hash}\n`,
      );
      expect(JSON.parse(renderJson(result, SecretSet.empty)).plan_hash).toBe(hash);
      const md = renderMarkdown(result, SecretSet.empty);
      expect(md).toContain(`Plan hash: \`${hash}\``);
      expect(md).toContain(`<!-- toggl-webhooks-sync:plan-hash=${hash} -->`);
    });
  }

  it('differs between two plans, and JSON says null when no hash was computed', async () => {
    expect((await run(true)).planHash).not.toBe((await run(false)).planHash);
    const api = new FakeApi([WS]);
    const bare = await reconcile({
      desired: desiredState([{ workspace_id: WS, subscriptions: [] }]),
      api,
      dryRun: true,
      allowMassDelete: false,
    });
    expect(JSON.parse(renderJson(bare, SecretSet.empty)).plan_hash).toBeNull();
    expect(renderText(bare, { color: false, secrets: SecretSet.empty })).not.toContain('Plan hash');
    expect(renderMarkdown(bare, SecretSet.empty)).not.toContain('plan-hash');
  });
});
