import { describe, expect, it } from 'vitest';
import { reconcile } from '../../src/apply/reconcile.js';
import { ValidationError } from '../../src/errors.js';
import { desiredState } from '../support/desired.js';
import { FakeApi, type FakeCall } from '../support/fake-api.js';

/**
 * A rename (create + delete paired, src/plan/plan.ts pairRenames) whose create the enabled-subscription
 * limit refuses: the order is forced to delete-then-create only when deleting the old one frees a slot
 * for the token's user, i.e. the old one is enabled and (when the list names users) that user's.
 */
const WS = 111;
const TOKEN_USER = 1;

function limitRefusal(userId: number | undefined): ValidationError {
  const who = userId === undefined ? 'User' : `User ${userId}`;
  return new ValidationError({
    method: 'POST',
    path: `/subscriptions/${WS}`,
    status: 400,
    apiMessage: `${who} already reached the limit of 1 enabled subscriptions for workspace ${WS}`,
    workspaceId: WS,
  });
}

/** The first POST is refused by the limit; later ones (after a forced delete) are accepted. */
async function renameUnderLimit(
  old: { enabled: boolean; user_id?: number },
  refusedFor: number | undefined = TOKEN_USER,
) {
  const api = new FakeApi([WS]);
  const seeded = api.seed(WS, { description: 'Old name', ...old });
  if (old.user_id === undefined) delete api.state.get(WS)?.[0]?.user_id;
  let posts = 0;
  api.fail = (call: FakeCall) =>
    call.method === 'POST' && posts++ === 0 ? limitRefusal(refusedFor) : undefined;
  const desired = desiredState([{ workspace_id: WS, subscriptions: [{ description: 'New name' }] }]);
  const result = await reconcile({ desired, api, dryRun: false, allowMassDelete: true });
  const outcome = (action: string) => result.outcomes.find((o) => o.change.action === action);
  return { api, seeded, result, create: outcome('create'), del: outcome('delete') };
}

const methods = (api: FakeApi) => api.mutations().map((c) => c.method);

describe('a rename refused by the enabled-subscription limit', () => {
  it('keeps a disabled old subscription: deleting it frees no enabled slot (before: deleted, then lost)', async () => {
    const { api, create, del } = await renameUnderLimit({ enabled: false, user_id: TOKEN_USER });
    expect(methods(api)).toEqual(['POST']);
    expect(api.state.get(WS)?.map((s) => s.description)).toEqual(['Old name']);
    expect(create).toMatchObject({ status: 'failed', error: expect.stringContaining('reached the limit') });
    expect(del).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('deleting this disabled subscription would free no enabled slot'),
    });
  });

  it("keeps an old subscription another user owns: the limit counts the token's user only", async () => {
    const { api, create, del } = await renameUnderLimit({ enabled: true, user_id: 2 });
    expect(methods(api)).toEqual(['POST']);
    expect(api.state.get(WS)?.map((s) => s.description)).toEqual(['Old name']);
    expect(create?.status).toBe('failed');
    expect(del).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('refused it for user 1, and this subscription belongs to user 2'),
    });
  });

  it('keeps it when the refusal names no user but the list does (the owner cannot be compared)', async () => {
    const { api } = await renameUnderLimit({ enabled: true, user_id: 2 }, undefined);
    expect(methods(api)).toEqual(['POST']);
  });

  it("forces delete-then-create for an enabled old subscription of the token's user", async () => {
    const { api, create, del } = await renameUnderLimit({ enabled: true, user_id: TOKEN_USER });
    expect(methods(api)).toEqual(['POST', 'DELETE', 'POST']);
    expect(api.state.get(WS)?.map((s) => s.description)).toEqual(['New name']);
    expect(create?.status).toBe('applied');
    expect(del?.status).toBe('applied');
  });

  it('forces it too when the list carries no user ids (nothing to compare)', async () => {
    const { api } = await renameUnderLimit({ enabled: true });
    expect(methods(api)).toEqual(['POST', 'DELETE', 'POST']);
  });
});
