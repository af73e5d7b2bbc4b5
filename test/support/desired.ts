import type {
  DesiredState,
  DesiredSubscription,
  DesiredWorkspace,
  EventFilter,
  SubscriptionMarks,
} from '../../src/config/types.js';
import { urlCarriesCredential } from '../../src/sensitive/url.js';

/** The marks the loader gives a URL written literally (no `${VAR}`): sensitive only if it carries a credential. */
export function literalMarks(url: string): SubscriptionMarks {
  return { url_callback: urlCarriesCredential(url), substituted: [] };
}

export interface SubSpec {
  description: string;
  url_callback?: string;
  enabled?: boolean;
  secret?: string;
  event_filters?: EventFilter[];
}

export interface WorkspaceSpec {
  workspace_id: number;
  prune?: boolean;
  ignore?: string[];
  subscriptions: SubSpec[];
}

/** A DesiredState as the loader would produce it, for unit tests that do not read files. */
export function desiredState(workspaces: WorkspaceSpec[]): DesiredState {
  const out: DesiredWorkspace[] = workspaces
    .map((w) => {
      const subs = new Map<string, DesiredSubscription>();
      w.subscriptions.forEach((s, i) => {
        const url = s.url_callback ?? 'https://hooks.example.com/x';
        const d: DesiredSubscription = {
          description: s.description,
          url_callback: url,
          sensitive: literalMarks(url),
          enabled: s.enabled ?? true,
          event_filters: s.event_filters ?? [{ entity: 'project', action: 'created' }],
          source: { file: 'test.yaml', line: 3 + i * 5, col: 18 },
        };
        if (s.secret !== undefined) d.secret = s.secret;
        subs.set(s.description, d);
      });
      return {
        workspace_id: w.workspace_id,
        prune: w.prune ?? true,
        ignore: w.ignore ?? [],
        subscriptions: subs,
        sources: [{ file: 'test.yaml', line: 1, col: 1 }],
      };
    })
    .sort((a, b) => a.workspace_id - b.workspace_id);
  return { workspaces: out, files: ['test.yaml'] };
}
