import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { expandVariables } from '../../src/config/expand.js';
import type { DesiredWorkspace } from '../../src/config/types.js';
import { renderExport } from '../../src/export/render.js';
import { planWorkspace } from '../../src/plan/plan.js';
import type { Subscription } from '../../src/toggl/types.js';
import { literalMarks } from '../support/desired.js';

const SCHEMA = '../schemas/subscriptions.schema.json';

function live(id: number, description: string, over: Partial<Subscription> = {}): Subscription {
  return {
    subscription_id: id,
    workspace_id: 1,
    description,
    url_callback: 'https://hooks.example.com/a',
    enabled: true,
    secret: `live-secret-${id}-xyz`,
    event_filters: [{ entity: 'project', action: 'created' }],
    validated_at: null,
    ...over,
  };
}

interface ParsedDoc {
  workspace_id: number;
  prune: boolean;
  ignore?: string[];
  subscriptions: Array<{
    description: string;
    url_callback: string;
    enabled: boolean;
    secret?: string;
    event_filters: Array<{ entity: string; action: string }>;
  }>;
}

function parse(yaml: string): ParsedDoc[] {
  return parseAllDocuments(yaml).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as ParsedDoc;
  });
}

/**
 * What the loader makes of a parsed document, minus schema checks (the end-to-end tests use the real
 * loader): `${VAR}` references expanded from `env`.
 */
function asDesired(doc: ParsedDoc, env: NodeJS.ProcessEnv = {}): DesiredWorkspace {
  const expand = (raw: string) => {
    const r = expandVariables(raw, env);
    if (!r.ok) throw new Error(`cannot expand ${raw}`);
    return r.value;
  };
  return {
    workspace_id: doc.workspace_id,
    prune: doc.prune,
    ignore: doc.ignore ?? [],
    subscriptions: new Map(
      doc.subscriptions.map((s) => [
        s.description.normalize('NFC'),
        {
          ...s,
          url_callback: expand(s.url_callback),
          source: { file: 'x.yaml', line: 1, col: 1 },
          sensitive: literalMarks(s.url_callback),
        },
      ]),
    ),
    sources: [],
  };
}

describe('renderExport', () => {
  it('writes the documented format: modeline first, sorted, enabled always, filters sorted, no secret', () => {
    const subs = [
      live(3, 'b second', {
        enabled: false,
        event_filters: [
          { entity: 'tag', action: '*' },
          { entity: 'project', action: 'updated' },
          { entity: 'project', action: 'created' },
        ],
      }),
      live(2, 'a first'),
    ];
    const { yaml, variables, warnings } = renderExport([{ workspace_id: 1, subscriptions: subs }], {
      schemaRef: SCHEMA,
    });
    expect(yaml.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA}`);
    expect(warnings).toEqual([]);
    expect(variables).toEqual([
      { name: 'A_FIRST_SECRET', kind: 'secret', workspace_id: 1, description: 'a first' },
      { name: 'B_SECOND_SECRET', kind: 'secret', workspace_id: 1, description: 'b second' },
    ]);
    expect(yaml).not.toContain('live-secret');
    expect(yaml).toContain('#   A_FIRST_SECRET  "a first"');
    expect(yaml).toContain(
      `    # secret: \${B_SECOND_SECRET}  # uncomment and set B_SECOND_SECRET to manage it\n`,
    );
    const [doc] = parse(yaml);
    expect(doc).toEqual({
      workspace_id: 1,
      prune: true,
      subscriptions: [
        {
          description: 'a first',
          url_callback: 'https://hooks.example.com/a',
          enabled: true,
          event_filters: [{ entity: 'project', action: 'created' }],
        },
        {
          description: 'b second',
          url_callback: 'https://hooks.example.com/a',
          enabled: false,
          event_filters: [
            { entity: 'project', action: 'created' },
            { entity: 'project', action: 'updated' },
            { entity: 'tag', action: '*' },
          ],
        },
      ],
    });
  });

  it('writes one document per workspace with names unique across them', () => {
    const { yaml, variables } = renderExport(
      [
        { workspace_id: 1, subscriptions: [live(1, 'Same')] },
        { workspace_id: 2, subscriptions: [live(2, 'Same', { workspace_id: 2 })] },
        { workspace_id: 3, subscriptions: [] },
      ],
      { schemaRef: SCHEMA },
    );
    const docs = parse(yaml);
    expect(docs.map((d) => d.workspace_id)).toEqual([1, 2, 3]);
    expect(docs[2]?.subscriptions).toEqual([]);
    expect(variables.map((v) => v.name)).toEqual(['SAME_SECRET', 'SAME_SECRET_2']);
    expect(yaml.match(/yaml-language-server/g)).toHaveLength(1);
  });

  it('quotes hostile descriptions so they read back exactly and cannot break out of comments', () => {
    const descriptions = [
      'Café ☕: ünïcode',
      'has "quotes" and # hash',
      "it's: a colon",
      '*star',
      '&anchor',
      '!tag',
      'yes',
      '123',
      '- dash',
      'line\nbreak\u2028sep',
      `\${NOT_A_VAR}`,
    ];
    const { yaml } = renderExport(
      [{ workspace_id: 1, subscriptions: descriptions.map((d, i) => live(i + 1, d)) }],
      { schemaRef: SCHEMA },
    );
    const [doc] = parse(yaml);
    // U+2028 is invisible: a file cannot declare that description, so it is an exact ignore pattern.
    const invisible = 'line\nbreak\u2028sep';
    expect(doc?.subscriptions.map((s) => s.description).sort()).toEqual(
      descriptions.filter((d) => d !== invisible).sort(),
    );
    expect(doc?.ignore).toEqual([invisible]);
    // Every line is either a comment, blank, or YAML content: no description text leaked onto its own line.
    for (const line of yaml.split('\n')) {
      expect(line).not.toMatch(/^(break|sep)/);
    }
    expect(yaml).toContain('"line\\nbreak\\u2028sep"');
  });

  it.each([
    ['userinfo and a query', 'https://user:pa55word@hooks.example.com/t?token=s3cr3t-token&x='],
    ['a hook token in its path', 'https://hooks.slack.com/services/T0AAA/B0BBB/s3cr3tS3cr3tS3cr3t'],
    ['a hook token in its path', 'https://hooks.zapier.com/hooks/catch/123456/s3cr3t/'],
    ['a token-like path segment', 'https://example.com/in/s3cr3tK9qL2mX7vB4nR8t'],
  ])('writes a URL that carries %s as a ${VAR} reference, never verbatim', (reason, url) => {
    const { yaml, warnings, variables } = renderExport(
      [{ workspace_id: 7, subscriptions: [live(1, 'Hook', { url_callback: url })] }],
      { schemaRef: SCHEMA },
    );
    expect(yaml).not.toContain('s3cr3t');
    expect(yaml).not.toContain('pa55word');
    const written = parse(yaml)[0]?.subscriptions[0]?.url_callback;
    expect(written).toBe('${HOOK_URL}');
    expect(yaml).toContain(`# the live URL carries ${reason}: set HOOK_URL to it`);
    expect(yaml).toContain('#   HOOK_URL  "Hook"');
    expect(variables).toContainEqual({ name: 'HOOK_URL', kind: 'url', workspace_id: 7, description: 'Hook' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('workspace 7, subscription "Hook" (id 1)');
    expect(warnings[0]).not.toContain('s3cr3t');
    expect(warnings[0]).not.toContain('pa55word');
    // With the variable set to the live URL, the file reads back to exactly the live value.
    expect(expandVariables(written!, { HOOK_URL: url })).toMatchObject({ ok: true, value: url });
  });

  it.each([
    ['a session id as a path parameter', 'https://hooks.example.com/cb;jsessionid=s3cr3t'],
    ['a query percent-encoded into the path', 'https://hooks.example.com/a%3Ftoken%3Ds3cr3t'],
  ])('writes a URL with %s as a ${VAR} reference', (_what, url) => {
    const { yaml } = renderExport(
      [{ workspace_id: 7, subscriptions: [live(1, 'Hook', { url_callback: url })] }],
      {
        schemaRef: SCHEMA,
      },
    );
    expect(yaml).not.toContain('s3cr3t');
    expect(yaml).toContain('# the live URL carries parameters in its path: set HOOK_URL to it');
  });

  it('shows descriptions in warnings as the caller says, and only them', () => {
    const { warnings } = renderExport(
      [{ workspace_id: 7, subscriptions: [live(3, 'plan in', { url_callback: 'https://h.example/x?t=1' })] }],
      { schemaRef: SCHEMA, showDescription: () => '(withheld)' },
    );
    expect(warnings).toEqual([
      'workspace 7, subscription (withheld) (id 3): the live url_callback carries a query, so it is written as ' +
        "${PLAN_IN_URL}; set PLAN_IN_URL to the subscription's URL in the environment of every run",
    ]);
  });

  it('escapes a literal ${ in a live URL so the loader reads it back unchanged', () => {
    const url = 'https://hooks.example.com/x/$' + '{literal}/a$$b';
    const { yaml } = renderExport(
      [{ workspace_id: 1, subscriptions: [live(1, 'Odd', { url_callback: url })] }],
      {
        schemaRef: SCHEMA,
      },
    );
    const written = parse(yaml)[0]?.subscriptions[0]?.url_callback ?? '';
    expect(written).toBe('https://hooks.example.com/x/$$' + '{literal}/a$$b');
    expect(expandVariables(written, {})).toMatchObject({ ok: true, value: url });
  });

  it('exports duplicate live descriptions once, with prune: false so nothing gets deleted', () => {
    const { yaml, warnings } = renderExport(
      [{ workspace_id: 1, subscriptions: [live(9, 'Twice'), live(4, 'Twice'), live(5, 'Once')] }],
      { schemaRef: SCHEMA },
    );
    const [doc] = parse(yaml);
    expect(doc?.prune).toBe(false);
    expect(doc?.subscriptions.map((s) => s.description)).toEqual(['Once', 'Twice']);
    expect(warnings[0]).toMatch(/only id 4 is exported .* id 9 is not deleted/);
  });

  it('round-trips: the planner finds nothing to change for any live state', () => {
    const filter = fc.record({
      entity: fc.constantFrom('project', 'tag', 'client', '*', 'time_entry'),
      action: fc.constantFrom('created', 'updated', 'deleted', '*'),
    });
    const sub = fc.record({
      description: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
      url_callback: fc.webUrl({ withQueryParameters: true }),
      enabled: fc.boolean(),
      event_filters: fc.array(filter, { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(fc.uniqueArray(sub, { selector: (s) => s.description, maxLength: 8 }), (subs) => {
        const liveSubs = subs.map((s, i) => live(i + 1, s.description, s));
        const { yaml, variables } = renderExport([{ workspace_id: 1, subscriptions: liveSubs }], {
          schemaRef: SCHEMA,
        });
        const [doc] = parse(yaml);
        // The user sets each URL variable to its subscription's live URL, as the header asks.
        const env = Object.fromEntries(
          variables
            .filter((v) => v.kind === 'url')
            .map((v) => [v.name, liveSubs.find((l) => l.description === v.description)!.url_callback]),
        );
        const plan = planWorkspace(asDesired(doc!, env), liveSubs);
        expect(plan.changes).toEqual([]);
        for (const s of liveSubs) expect(yaml).not.toContain(s.secret);
        for (const v of variables.filter((x) => x.kind === 'url')) expect(yaml).not.toContain(env[v.name]);
      }),
      { numRuns: 60 },
    );
  });
});
