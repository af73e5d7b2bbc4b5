import type {
  DesiredState,
  DesiredSubscription,
  DesiredWorkspace,
  EventFilter,
} from '../../src/config/types.js';

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
        const d: DesiredSubscription = {
          description: s.description,
          url_callback: s.url_callback ?? 'https://hooks.example.com/x',
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
