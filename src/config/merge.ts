import type { ConfigIssue, SourcePosition } from '../errors.js';
import { compileIgnore } from './ignore.js';
import { quote } from './messages.js';
import type { DesiredSubscription, DesiredWorkspace } from './types.js';

/** What one YAML document declares, after validation and expansion. */
export interface WorkspaceDeclaration {
  workspace_id: number;
  /** The document's `workspace_id` node. */
  source: SourcePosition;
  /** Only when the document sets it; an omitted `prune` or `ignore` defers to the other documents. */
  prune?: { value: boolean; source: SourcePosition };
  ignore?: { value: string[]; source: SourcePosition };
  token?: { value: string; source: SourcePosition };
  subscriptions: DesiredSubscription[];
}

export interface MergeResult {
  workspaces: DesiredWorkspace[];
  issues: ConfigIssue[];
}

/**
 * Merges the documents of all files, in file and document order, into one desired state per
 * workspace. A description may be declared once per workspace; `prune` and `ignore` may be set by any
 * number of documents as long as they agree (an omitted one takes the others' value, then the default:
 * `prune: true`, `ignore: []`). Disagreements are errors at the later place, naming the earlier one,
 * and so is a declared description that an `ignore` pattern of its workspace matches.
 */
export function mergeDeclarations(declarations: readonly WorkspaceDeclaration[]): MergeResult {
  const issues: ConfigIssue[] = [];
  const merged = new Map<
    number,
    {
      workspace: DesiredWorkspace;
      prune?: WorkspaceDeclaration['prune'];
      ignore?: WorkspaceDeclaration['ignore'];
      token?: WorkspaceDeclaration['token'];
    }
  >();

  for (const decl of declarations) {
    let entry = merged.get(decl.workspace_id);
    if (!entry) {
      entry = {
        workspace: {
          workspace_id: decl.workspace_id,
          prune: true,
          ignore: [],
          subscriptions: new Map(),
          sources: [],
        },
      };
      merged.set(decl.workspace_id, entry);
    }
    const ws = entry.workspace;
    ws.sources.push(decl.source);

    if (decl.prune) {
      if (!entry.prune) {
        entry.prune = decl.prune;
        ws.prune = decl.prune.value;
      } else if (entry.prune.value !== decl.prune.value) {
        issues.push({
          ...decl.prune.source,
          message:
            `prune: ${decl.prune.value} disagrees with prune: ${entry.prune.value} for workspace ` +
            `${decl.workspace_id} at ${where(entry.prune.source)} (set it once, or the same everywhere)`,
        });
      }
    }

    if (decl.token) {
      if (!entry.token) {
        entry.token = decl.token;
        ws.token = decl.token.value;
      } else if (entry.token.value !== decl.token.value) {
        issues.push({
          ...decl.token.source,
          message:
            `token_env: ${decl.token.value} disagrees with token_env: ${entry.token.value} for workspace ` +
            `${decl.workspace_id} at ${where(entry.token.source)} (set it once, or the same everywhere)`,
        });
      }
    }

    if (decl.ignore) {
      if (!entry.ignore) {
        entry.ignore = decl.ignore;
        ws.ignore = [...decl.ignore.value];
      } else if (!samePatterns(entry.ignore.value, decl.ignore.value)) {
        issues.push({
          ...decl.ignore.source,
          message:
            `ignore for workspace ${decl.workspace_id} differs from the ignore at ` +
            `${where(entry.ignore.source)} (set it once, or the same everywhere)`,
        });
      }
    }

    for (const sub of decl.subscriptions) {
      const first = ws.subscriptions.get(sub.description);
      if (first) {
        issues.push({
          ...sub.source,
          message:
            `description ${quote(sub.description)} is declared twice for workspace ${decl.workspace_id} ` +
            `(first at ${where(first.source)})`,
        });
      } else {
        ws.subscriptions.set(sub.description, sub);
      }
    }
  }

  // "Ignored" means never touched, so a declared subscription cannot also be ignored: say so here
  // rather than let one of the two silently win (the planner relies on this).
  for (const { workspace, ignore } of merged.values()) {
    if (!ignore || ignore.value.length === 0) continue;
    const patterns = [...new Set(ignore.value)].map((p) => ({ pattern: p, matches: compileIgnore([p]) }));
    for (const sub of workspace.subscriptions.values()) {
      const hit = patterns.find((p) => p.matches(sub.description));
      if (hit) {
        issues.push({
          ...sub.source,
          message:
            `description ${quote(sub.description)} matches ignore pattern ${quote(hit.pattern)} of workspace ` +
            `${workspace.workspace_id} (at ${where(ignore.source)}); a subscription is either managed or ignored`,
        });
      }
    }
  }

  const workspaces = [...merged.values()]
    .map((e) => e.workspace)
    .sort((a, b) => a.workspace_id - b.workspace_id);
  return { workspaces, issues };
}

export function where(p: SourcePosition): string {
  return p.line > 0 ? `${p.file}:${p.line}:${p.col}` : p.file;
}

/** `ignore` lists are sets of patterns: order and repetition do not change what they match. */
function samePatterns(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((p) => sb.has(p));
}
