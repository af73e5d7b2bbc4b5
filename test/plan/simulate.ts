import type { Plan } from '../../src/plan/types.js';
import type { Subscription } from '../../src/toggl/types.js';

/**
 * Applies a plan to a copy of live state the way the API would, without HTTP. Property tests use it to
 * check that a plan really leads to the desired state; it is deliberately written from the API's
 * documented semantics, not from the planner's code.
 */
export function applyPlanToLive(plan: Plan, live: Map<number, Subscription[]>): Map<number, Subscription[]> {
  const out = new Map([...live].map(([ws, subs]) => [ws, subs.map((s) => structuredClone(s))]));
  let nextId = Math.max(0, ...[...live.values()].flat().map((s) => s.subscription_id)) + 1;
  for (const wp of plan.workspaces) {
    let subs = out.get(wp.workspace_id) ?? [];
    for (const change of wp.changes) {
      switch (change.action) {
        case 'create':
          subs.push({
            ...change.body,
            secret: change.body.secret ?? `generated-${nextId}`,
            subscription_id: nextId++,
            workspace_id: wp.workspace_id,
          });
          break;
        case 'update':
          subs = subs.map((s) =>
            s.subscription_id === change.subscription_id
              ? { ...s, ...change.body, secret: change.body.secret ?? s.secret }
              : s,
          );
          break;
        case 'patch':
          subs = subs.map((s) =>
            s.subscription_id === change.subscription_id ? { ...s, enabled: change.enabled } : s,
          );
          break;
        case 'delete':
          subs = subs.filter((s) => s.subscription_id !== change.subscription_id);
          break;
      }
    }
    out.set(wp.workspace_id, subs);
  }
  return out;
}
