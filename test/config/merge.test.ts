import { describe, expect, it } from 'vitest';
import { mergeDeclarations, type WorkspaceDeclaration } from '../../src/config/merge.js';
import type { DesiredSubscription } from '../../src/config/types.js';

const at = (file: string, line: number, col = 1) => ({ file, line, col });
const sub = (description: string, file = 'f.yaml', line = 1): DesiredSubscription => ({
  description,
  url_callback: `https://h.example/${description}`,
  sensitive: { url_callback: false, substituted: [] },
  enabled: true,
  event_filters: [{ entity: 'tag', action: '*' }],
  source: at(file, line, 18),
});
const decl = (id: number, file: string, over: Partial<WorkspaceDeclaration> = {}): WorkspaceDeclaration => ({
  workspace_id: id,
  source: at(file, 1, 15),
  subscriptions: [],
  ...over,
});

describe('mergeDeclarations', () => {
  it('defaults prune to true and ignore to [] when no document sets them', () => {
    const { workspaces, issues } = mergeDeclarations([decl(5, 'a.yaml')]);
    expect(issues).toEqual([]);
    expect(workspaces).toEqual([
      { workspace_id: 5, prune: true, ignore: [], subscriptions: new Map(), sources: [at('a.yaml', 1, 15)] },
    ]);
  });

  it('merges subscriptions in declaration order and sorts workspaces by id', () => {
    const { workspaces } = mergeDeclarations([
      decl(9, 'a.yaml', { subscriptions: [sub('x')] }),
      decl(3, 'a.yaml', { subscriptions: [sub('b'), sub('a')] }),
      decl(9, 'b.yaml', { subscriptions: [sub('w')] }),
    ]);
    expect(workspaces.map((w) => [w.workspace_id, [...w.subscriptions.keys()], w.sources.length])).toEqual([
      [3, ['b', 'a'], 1],
      [9, ['x', 'w'], 2],
    ]);
  });

  it('lets one document set prune/ignore for all, whichever comes first', () => {
    const { workspaces, issues } = mergeDeclarations([
      decl(1, 'a.yaml'),
      decl(1, 'b.yaml', { prune: { value: false, source: at('b.yaml', 2) } }),
      decl(1, 'c.yaml', { ignore: { value: ['Z*'], source: at('c.yaml', 3) } }),
      decl(1, 'd.yaml', { ignore: { value: ['Z*', 'Z*'], source: at('d.yaml', 3) } }),
    ]);
    expect(issues).toEqual([]);
    expect(workspaces[0]).toMatchObject({ prune: false, ignore: ['Z*'] });
  });

  it('reports each later disagreement against the first declaration', () => {
    const { issues } = mergeDeclarations([
      decl(1, 'a.yaml', { prune: { value: true, source: at('a.yaml', 2, 8) } }),
      decl(1, 'b.yaml', { prune: { value: false, source: at('b.yaml', 2, 8) } }),
      decl(1, 'c.yaml', { prune: { value: false, source: at('c.yaml', 2, 8) } }),
      decl(2, 'd.yaml', { prune: { value: false, source: at('d.yaml', 2, 8) } }),
    ]);
    expect(issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)).toEqual([
      'b.yaml:2:8: prune: false disagrees with prune: true for workspace 1 at a.yaml:2:8 (set it once, or the same everywhere)',
      'c.yaml:2:8: prune: false disagrees with prune: true for workspace 1 at a.yaml:2:8 (set it once, or the same everywhere)',
    ]);
  });

  it('names the first declaration of a description declared again, per workspace', () => {
    const { issues, workspaces } = mergeDeclarations([
      decl(1, 'a.yaml', { subscriptions: [sub('S', 'a.yaml', 3)] }),
      decl(2, 'b.yaml', { subscriptions: [sub('S', 'b.yaml', 3)] }),
      decl(1, 'c.yaml', { subscriptions: [sub('S', 'c.yaml', 7), sub('S', 'c.yaml', 9)] }),
    ]);
    expect(issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)).toEqual([
      "c.yaml:7:18: description 'S' is declared twice for workspace 1 (first at a.yaml:3:18)",
      "c.yaml:9:18: description 'S' is declared twice for workspace 1 (first at a.yaml:3:18)",
    ]);
    expect(workspaces[0]!.subscriptions.get('S')!.source).toEqual(at('a.yaml', 3, 18));
  });

  it('refuses a declared description that an ignore pattern of the same workspace matches', () => {
    const { issues } = mergeDeclarations([
      decl(1, 'a.yaml', { subscriptions: [sub('Zapier: CRM', 'a.yaml', 4), sub('Slack', 'a.yaml', 7)] }),
      decl(1, 'b.yaml', { ignore: { value: ['Zap*', 'Zapier*'], source: at('b.yaml', 2, 9) } }),
      decl(2, 'c.yaml', { subscriptions: [sub('Zapier: other workspace', 'c.yaml', 4)] }),
    ]);
    expect(issues.map((i) => `${i.file}:${i.line}:${i.col}: ${i.message}`)).toEqual([
      "a.yaml:4:18: description 'Zapier: CRM' matches ignore pattern 'Zap*' of workspace 1 (at b.yaml:2:9); a subscription is either managed or ignored",
    ]);
  });
});
