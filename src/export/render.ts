import { Document, Scalar, type YAMLMap, type YAMLSeq } from 'yaml';
import { escapeVariables } from '../config/expand.js';
import { urlCredentialReasons } from '../sensitive/url.js';
import type { ApiEventFilter, Subscription } from '../toggl/types.js';
import { compareText, quote } from '../util/text.js';
import { descriptionKey, escapeInvisible, firstInvisible } from '../util/unicode.js';
import { VERSION } from '../version.js';
import { SecretNames } from './varnames.js';

/**
 * Renders live subscriptions as YAML in the documented file format, built so that `sync --dry-run` on
 * the unmodified export plans nothing:
 * - every field the planner compares is written exactly as live (`enabled` always, filters as a set);
 * - `prune: true`, because the export lists everything the workspace has;
 * - secrets are never written: the live secret is not even read here (see `ExportedSubscription`). Each
 *   subscription gets a commented-out `# secret: ${NAME}` line instead. Uncommented it would be an unset
 *   variable (an error) or a compared value, so it stays a comment until the user chooses to manage it.
 * - a live URL that carries a credential (userinfo, a query, a fragment, a hook token in its path or
 *   host, see src/sensitive/url.ts) is written as a `${NAME_URL}` reference with a comment, never
 *   verbatim: the file is meant for git. With the variable set to the live URL the round trip holds.
 */

export interface ExportedWorkspace {
  workspace_id: number;
  subscriptions: readonly Subscription[];
}

export interface SecretVariable {
  name: string;
  /** `secret`: the commented `secret:` line; `url`: the `url_callback` reference that must be set. */
  kind: 'secret' | 'url';
  workspace_id: number;
  description: string;
}

export interface RenderOptions {
  /** What the `# yaml-language-server: $schema=` modeline points at. */
  schemaRef: string;
  /**
   * How a warning shows a live description (text from the API; the export command scrubs it). Only
   * the description, so a description withheld for holding a short secret leaves the warning readable.
   */
  showDescription?: (description: string) => string;
  /**
   * For a live description that holds a sensitive value (a token or secret echoed in it: text from
   * the API), a glob that matches it without spelling that value; undefined for any other. Such a
   * subscription is exported as that ignore pattern, never written out (docs/secrets.md).
   */
  sensitivePattern?: (description: string) => string | undefined;
}

export interface RenderResult {
  yaml: string;
  /** The variables the file names: commented `secret:` lines and `url_callback` references, in file order. */
  variables: SecretVariable[];
  /** Things the user must look at before committing (already free of credentials). */
  warnings: string[];
}

/** Everything the export reads from a live subscription; the secret is deliberately absent. */
interface ExportedSubscription {
  subscription_id: number;
  description: string;
  url_callback: string;
  enabled: boolean;
  event_filters: ApiEventFilter[];
}

function pick(s: Subscription): ExportedSubscription {
  return {
    subscription_id: s.subscription_id,
    description: s.description,
    url_callback: s.url_callback,
    enabled: s.enabled,
    event_filters: s.event_filters ?? [],
  };
}

export function renderExport(workspaces: readonly ExportedWorkspace[], opts: RenderOptions): RenderResult {
  const names = new SecretNames();
  const variables: SecretVariable[] = [];
  const warnings: string[] = [];
  const docs: string[] = [];
  const shown = (description: string) => (opts.showDescription ?? quote)(description);

  workspaces.forEach((ws, index) => {
    const { kept, duplicates } = dedupe(ws.subscriptions.map(pick));
    const prune = duplicates.length === 0;
    for (const d of duplicates) {
      warnings.push(
        `workspace ${ws.workspace_id}: description ${shown(d.description)} is used by more than one live ` +
          `subscription; only id ${kept.find((k) => descriptionKey(k.description) === descriptionKey(d.description))?.subscription_id} is ` +
          `exported and the workspace is exported with prune: false so id ${d.subscription_id} is not deleted`,
      );
    }

    // What a file cannot declare is exported as an exact `ignore` pattern, so that the file validates
    // and a sync leaves it alone: a subscription without event filters (the format needs at least
    // one) and a description with an invisible character (docs/plan-rules.md#descriptions).
    const reasonOf = (sub: ExportedSubscription) =>
      opts.sensitivePattern?.(sub.description) !== undefined
        ? 'holds a sensitive value in its description'
        : undeclarableReason(sub);
    const declarable = kept.filter((sub) => reasonOf(sub) === undefined);
    const ignored = kept.filter((sub) => reasonOf(sub) !== undefined);
    for (const sub of ignored) {
      warnings.push(
        `workspace ${ws.workspace_id}, subscription ${shown(sub.description)} (id ${sub.subscription_id}) ` +
          `${reasonOf(sub)}, which a file cannot declare; it is exported as an ignore pattern, ` +
          'so sync leaves it alone',
      );
    }

    const wsVars: SecretVariable[] = [];
    const items = declarable.map((sub) => {
      const variable: SecretVariable = {
        name: names.next(sub.description),
        kind: 'secret',
        workspace_id: ws.workspace_id,
        description: sub.description,
      };
      wsVars.push(variable);
      const reasons = urlCredentialReasons(sub.url_callback);
      let urlVariable: SecretVariable | undefined;
      if (reasons.length > 0) {
        urlVariable = { ...variable, name: names.next(sub.description, 'URL'), kind: 'url' };
        wsVars.push(urlVariable);
        warnings.push(
          `workspace ${ws.workspace_id}, subscription ${shown(sub.description)} (id ${sub.subscription_id}): the live url_callback ` +
            `carries ${reasons.join(' and ')}, so it is written as \${${urlVariable.name}}; set ` +
            `${urlVariable.name} to the subscription's URL in the environment of every run`,
        );
      }
      return { sub, variable, urlVariable, urlReasons: reasons };
    });
    variables.push(...wsVars);

    const doc = new Document({
      workspace_id: ws.workspace_id,
      prune,
      ...(ignored.length > 0
        ? {
            ignore: ignored.map(
              (sub) => opts.sensitivePattern?.(sub.description) ?? literalPattern(sub.description),
            ),
          }
        : {}),
      subscriptions: items.map(({ sub, urlVariable }) => ({
        description: sub.description,
        // A literal `${` in a live URL would read back as a variable reference; `$${` keeps it literal.
        url_callback: urlVariable ? `\${${urlVariable.name}}` : escapeVariables(sub.url_callback),
        enabled: sub.enabled,
        event_filters: sortFilters(sub.event_filters),
      })),
    });
    const seq = doc.get('subscriptions', true) as YAMLSeq<YAMLMap>;
    seq.items.forEach((map, i) => {
      decorate(map, items[i]!);
    });
    if (!prune) {
      const pair = doc.contents as YAMLMap;
      const key = pair.items.find((p) => (p.key as Scalar).value === 'prune')?.key as Scalar | undefined;
      if (key) key.comment = ' several live subscriptions share a description; see the export warnings';
    }
    doc.commentBefore = header(ws, declarable.length, wsVars, index === 0 ? opts.schemaRef : undefined);
    const ignoreSeq = doc.get('ignore', true) as YAMLSeq<Scalar> | undefined;
    for (const pattern of ignoreSeq?.items ?? []) pattern.type = Scalar.QUOTE_DOUBLE;
    // Invisible characters appear only in double-quoted scalars (descriptions, ignore patterns, a URL
    // holding one) and in comments (already escaped): as `\u200b` they read back the same and show.
    docs.push(escapeInvisible(doc.toString({ lineWidth: 0 })));
  });

  return { yaml: docs.join('---\n'), variables, warnings };
}

function decorate(
  map: YAMLMap,
  item: {
    sub: ExportedSubscription;
    variable: SecretVariable;
    urlVariable: SecretVariable | undefined;
    urlReasons: string[];
  },
): void {
  for (const pair of map.items) {
    const key = (pair.key as Scalar).value;
    const value = pair.value as Scalar | YAMLSeq<YAMLMap>;
    // Double quotes for every description: YAML 1.1 readers take `yes`, `on` or `1e3` for non-strings,
    // and quotes, colons, `#`, leading `*`/`&`/`!` and control characters are all escaped the same way.
    if (key === 'description') (value as Scalar).type = Scalar.QUOTE_DOUBLE;
    if (key === 'url_callback' && firstInvisible(String((value as Scalar).value))) {
      (value as Scalar).type = Scalar.QUOTE_DOUBLE;
    }
    if (key === 'url_callback' && item.urlVariable) {
      (value as Scalar).comment =
        ` the live URL carries ${item.urlReasons.join(' and ')}: set ${item.urlVariable.name} to it`;
    }
    if (key === 'event_filters') {
      (pair.key as Scalar).commentBefore =
        ` secret: \${${item.variable.name}}  # uncomment and set ${item.variable.name} to manage it`;
      for (const filter of (value as YAMLSeq<YAMLMap>).items) filter.flow = true;
    }
  }
}

function header(
  ws: ExportedWorkspace,
  count: number,
  vars: readonly SecretVariable[],
  schemaRef: string | undefined,
): string {
  const lines: string[] = [];
  if (schemaRef !== undefined) lines.push(` yaml-language-server: $schema=${schemaRef}`, '');
  lines.push(
    ` Exported by toggl-webhooks-sync ${VERSION} from workspace ${ws.workspace_id}: ${count} subscription${count === 1 ? '' : 's'}.`,
    ' Review it, commit it, and `toggl-webhooks-sync sync --dry-run` plans no change.',
  );
  const secrets = vars.filter((v) => v.kind === 'secret');
  const urls = vars.filter((v) => v.kind === 'url');
  if (urls.length > 0) {
    lines.push(
      ' URLs that carry a credential are never exported. Set each of these variables to the live URL of',
      ' its subscription (Toggl Track > Integrations > Webhooks) in the environment of every run:',
      ...urls.map((v) => `   ${v.name}  ${quote(v.description)}`),
    );
  }
  if (secrets.length > 0) {
    lines.push(
      ' Secrets are never exported. Without a `secret:` line the live secret is kept and never compared.',
      ' To manage one, uncomment its line and set the variable in the environment of every run:',
      ...secrets.map((v) => `   ${v.name}  ${quote(v.description)}`),
    );
  }
  return lines.join('\n');
}

function undeclarableReason(sub: ExportedSubscription): string | undefined {
  if (sub.event_filters.length === 0) return 'has no event filters';
  if (firstInvisible(sub.description)) return 'has an invisible character in its description';
  return undefined;
}

/**
 * An ignore pattern that matches exactly `text`: each glob character as a one-character set. In the
 * form descriptions are compared in (a lone surrogate as U+FFFD), which a file can hold.
 */
export function literalPattern(text: string): string {
  return descriptionKey(text).replace(/[*?[{]/g, (c) => `[${c}]`);
}

/** The API keeps descriptions unique; if it ever returns two, keep the oldest (lowest id) of each. */
function dedupe(subs: ExportedSubscription[]): {
  kept: ExportedSubscription[];
  duplicates: ExportedSubscription[];
} {
  // Descriptions are compared in NFC (docs/plan-rules.md#descriptions): `Café` in NFC and NFD is one.
  const sorted = [...subs].sort(
    (a, b) =>
      compareText(descriptionKey(a.description), descriptionKey(b.description)) ||
      a.subscription_id - b.subscription_id,
  );
  const kept: ExportedSubscription[] = [];
  const duplicates: ExportedSubscription[] = [];
  for (const s of sorted) {
    const last = kept.at(-1);
    if (last && descriptionKey(last.description) === descriptionKey(s.description)) duplicates.push(s);
    else kept.push(s);
  }
  return { kept, duplicates };
}

function sortFilters(filters: readonly ApiEventFilter[]): ApiEventFilter[] {
  const seen = new Set<string>();
  return [...filters]
    .sort((a, b) => compareText(a.entity, b.entity) || compareText(a.action, b.action))
    .filter((f) => {
      const key = `${f.entity}\u0000${f.action}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((f) => ({ entity: f.entity, action: f.action }));
}
