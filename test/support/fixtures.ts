import type { DesiredSubscription, DesiredWorkspace } from '../../src/config/types.js';
import type { SourcePosition } from '../../src/errors.js';
import type { Subscription } from '../../src/toggl/types.js';
import { literalMarks } from './desired.js';

export interface FixtureDefaults {
  workspaceId: number;
  url: string;
  source: SourcePosition;
  /** Extra defaults for every live subscription (secret, validated_at, ...). */
  live?: Partial<Subscription>;
}

/**
 * Builders for desired and live subscriptions in pure unit tests (planner, limits, status): `want` a
 * declared one, `have` a live one, `ws` a declared workspace; each takes per-test overrides.
 */
export function fixtures(d: FixtureDefaults) {
  const filters = () => [{ entity: 'project', action: 'created' }];
  return {
    want(description: string, over: Partial<DesiredSubscription> = {}): DesiredSubscription {
      return {
        description,
        url_callback: d.url,
        enabled: true,
        event_filters: filters(),
        source: d.source,
        sensitive: literalMarks(over.url_callback ?? d.url),
        ...over,
      };
    },
    have(id: number, description: string, over: Partial<Subscription> = {}): Subscription {
      return {
        subscription_id: id,
        workspace_id: d.workspaceId,
        description,
        url_callback: d.url,
        enabled: true,
        event_filters: filters(),
        validated_at: null,
        ...d.live,
        ...over,
      };
    },
    ws(subs: DesiredSubscription[], over: Partial<DesiredWorkspace> = {}): DesiredWorkspace {
      return {
        workspace_id: d.workspaceId,
        prune: true,
        ignore: [],
        subscriptions: new Map(subs.map((s) => [s.description, s])),
        sources: [d.source],
        ...over,
      };
    },
  };
}
