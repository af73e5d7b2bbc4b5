import { Document } from 'yaml';
import { escapeVariables } from '../../src/config/expand.js';
import type { DesiredState } from '../../src/config/types.js';

/**
 * Writes a desired state back in the file format, one document per workspace. Values are loaded
 * already expanded, so they are written escaped (`$${`) and read back without any environment.
 */
export function serializeDesiredState(state: DesiredState): string {
  return state.workspaces
    .map((ws) =>
      new Document({
        workspace_id: ws.workspace_id,
        prune: ws.prune,
        ignore: ws.ignore,
        subscriptions: [...ws.subscriptions.values()].map((s) => ({
          description: s.description,
          url_callback: escapeVariables(s.url_callback),
          enabled: s.enabled,
          ...(s.secret === undefined ? {} : { secret: escapeVariables(s.secret) }),
          event_filters: s.event_filters.map((f) => ({ entity: f.entity, action: f.action })),
        })),
      }).toString({ lineWidth: 0 }),
    )
    .join('---\n');
}

/** The desired state without positions, for comparing what was declared wherever it was declared. */
export function withoutSources(state: DesiredState): unknown {
  return state.workspaces.map((ws) => ({
    workspace_id: ws.workspace_id,
    prune: ws.prune,
    ignore: ws.ignore,
    subscriptions: [...ws.subscriptions.entries()].map(([key, s]) => ({
      key,
      description: s.description,
      url_callback: s.url_callback,
      enabled: s.enabled,
      secret: s.secret,
      event_filters: s.event_filters,
    })),
  }));
}
