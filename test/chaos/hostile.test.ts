import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAX_DEPTH,
  MAX_EXPANDED_VALUES,
  MAX_FILE_BYTES,
  MAX_LINES,
  MAX_NODES,
} from '../../src/config/limits.js';
import { assertBuilt, CLI, runNode } from '../support/cli.js';
import {
  type HostileAnswer,
  type HostileApi,
  type HostileCall,
  liveEntry,
  startHostileApi,
} from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';
import { chaosSeed, type Random, random } from './prng.js';

/**
 * The hostile-input suite of the reliability run (docs/limits-and-budgets.md):
 * - generated YAML just under and just over every input budget, through the built `validate`;
 * - a soak of syncs against an API that answers each workspace's list at random with a malformed
 *   entry, a wrong type, a huge or truncated body, a stall past the timeout, entries of another
 *   workspace, or a good list; with ignored, unmanaged and undeclared-workspace subscriptions live.
 * Every run: exit 0 or 1, no stack trace, JSON output one parseable document, peak RSS under
 * RSS_BOUND_MB, and no call that changes anything outside a workspace whose list was well-formed,
 * nor any call touching an ignored, unmanaged or undeclared-workspace subscription.
 */
const RSS_BOUND_MB = 300;
const ROUNDS = Number(process.env['CHAOS_HOSTILE_ROUNDS'] ?? 24);
const PRELOAD = fileURLToPath(new URL('./max-rss.cjs', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  maxRssMb: number;
}

async function runMeasured(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const rssFile = join(writeTree({}), 'rss');
  const run = await runNode(['-r', PRELOAD, CLI, ...args], {
    env: { ...env, TWS_MAX_RSS_FILE: rssFile },
    timeoutMs: 60_000,
  });
  let kb = Number.NaN;
  try {
    kb = Number(readFileSync(rssFile, 'utf8'));
  } catch {
    // No file: the process died without running its exit handlers; the assertions say so.
  }
  return { code: run.code, stdout: run.stdout, stderr: run.stderr, maxRssMb: kb / 1024 };
}

let peakMb = 0;
afterAll(() =>
  console.log(
    `hostile suite: highest peak RSS of any CLI run ${peakMb.toFixed(0)} MB (bound ${RSS_BOUND_MB} MB)`,
  ),
);

function expectClean(r: Run, what: string): void {
  peakMb = Math.max(peakMb, r.maxRssMb);
  expect([0, 1], `${what}: exit code\n${r.stderr}`).toContain(r.code);
  expect(r.stderr, `${what}: a stack trace`).not.toMatch(/\n\s+at .+:\d+:\d+|TypeError|RangeError|FATAL/);
  expect(r.maxRssMb, `${what}: peak RSS`).toBeLessThan(RSS_BOUND_MB);
}

beforeAll(() => assertBuilt());

describe(`generated YAML near every budget (peak RSS < ${RSS_BOUND_MB} MB)`, () => {
  const head = 'workspace_id: 1\nsubscriptions: []\n';
  const sub = (i: number) =>
    `  - description: "s${i}"\n    url_callback: https://h.example/${i}\n    event_filters: [{ entity: project, action: created }]\n`;
  const nest = (depth: number) => `x: ${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}\n`;
  const flowNodes = (n: number) => `x: [${Array(n).fill('a').join(',')}]\n`;
  const aliases = (values: number) => {
    const list = `base: &b [${Array(1000).fill('v').join(',')}]\n`;
    return `${list}refs: [${Array(Math.floor(values / 1001))
      .fill('*b')
      .join(',')}]\n`;
  };
  const cases: Array<[string, string, 'ok' | 'refused']> = [
    [
      'a file just under 1 MiB',
      (() => {
        let t = 'workspace_id: 1\nsubscriptions:\n';
        for (let i = 0; t.length < MAX_FILE_BYTES - 400; i++) t += sub(i);
        return t;
      })(),
      'ok',
    ],
    ['a file just over 1 MiB', `${head}#${'x'.repeat(MAX_FILE_BYTES)}\n`, 'refused'],
    ['50,000 lines', `${head}${'#\n'.repeat(MAX_LINES - 3)}`, 'ok'],
    ['50,001 lines', `${head}${'#\n'.repeat(MAX_LINES)}`, 'refused'],
    [`depth ${MAX_DEPTH}`, `${head}${nest(MAX_DEPTH)}`, 'refused'], // an unknown key, but parsed
    [`depth ${MAX_DEPTH + 1}`, `${head}${nest(MAX_DEPTH + 2)}`, 'refused'],
    ['just under the node budget', `${head}${flowNodes(MAX_NODES - 50)}`, 'refused'],
    ['just over the node budget', `${head}${flowNodes(MAX_NODES + 10)}`, 'refused'],
    ['aliases just under the expansion budget', `${head}${aliases(MAX_EXPANDED_VALUES - 5000)}`, 'refused'],
    ['aliases over the expansion budget', `${head}${aliases(MAX_EXPANDED_VALUES * 3)}`, 'refused'],
    ['an empty file', '', 'refused'],
  ];
  it.each(cases)('%s', async (name, text, expected) => {
    const dir = writeTree({ 'f.yaml': text });
    const r = await runMeasured(['validate', '--output', 'json', join(dir, 'f.yaml')]);
    expectClean(r, name);
    const doc = JSON.parse(r.stdout) as { valid: boolean };
    expect(doc.valid).toBe(expected === 'ok');
  });
});

describe('a soak against an API that lies', () => {
  const WORKSPACES = [501, 502, 503];
  const UNDECLARED = 599;
  let api: HostileApi;
  let rnd: Random;
  let seed: number;
  /** Per round: what each workspace's list answers. */
  let behaviour = new Map<number, string>();
  const live = new Map<number, ReturnType<typeof liveEntry>[]>();
  let nextId = 1000;

  const BEHAVIOURS = [
    'good',
    'good',
    'wrong-type',
    'null-filter',
    'missing-field',
    'other-workspace',
    'huge',
    'truncated',
    'slow',
    'not-json',
    'object-not-list',
    'deep-json',
    'many-entries',
    // Answers JSON.parse would read as an empty or plausible list (docs/limits-and-budgets.md).
    'good',
    'good',
    'duplicate-id',
    'duplicate-key',
    'float-id',
    'missing-workspace',
    'empty-body',
    'no-content',
    'gzip-label',
  ] as const;

  function listAnswer(ws: number): HostileAnswer {
    const entries = live.get(ws) ?? [];
    const b = behaviour.get(ws) ?? 'good';
    const victim = () => entries.map((e, i) => (i === 0 ? { ...e, ...mutation(b) } : e));
    const nonEmpty = () => (entries.length > 0 ? entries : [liveEntry(ws, 1, 'x')]);
    switch (b) {
      case 'wrong-type':
      case 'null-filter':
      case 'missing-field':
      case 'other-workspace':
      case 'missing-workspace':
        return { body: entries.length > 0 ? victim() : [liveEntry(ws, 1, 'x', mutation(b))] };
      case 'duplicate-id': {
        const first = entries[0] ?? liveEntry(ws, 1, 'x');
        return { body: [...entries, { ...first, description: 'a copy' }] };
      }
      case 'duplicate-key':
        return { body: JSON.stringify(nonEmpty()).replace('"enabled":', '"enabled":false,"enabled":') };
      case 'float-id':
        return {
          body: JSON.stringify(nonEmpty()).replace(/"subscription_id":(\d+)/, '"subscription_id":$1.0'),
        };
      case 'empty-body':
        return { body: '' };
      case 'no-content':
        return { status: 204 };
      case 'gzip-label':
        return { body: entries, headers: { 'content-encoding': 'gzip' } };
      case 'huge':
        return { body: Buffer.alloc(256 * 1024, 0x20), repeat: 40, chunkBytes: 256 * 1024 };
      case 'truncated':
        return { body: entries, truncate: true };
      case 'slow':
        return { body: entries, delayMs: 1_500 };
      case 'not-json':
        return { body: '<html>gateway</html>' };
      case 'object-not-list':
        return { body: { subscriptions: entries } };
      case 'deep-json':
        // Just under the answer budget: 1.9 million nested lists (JSON.parse is iterative in V8).
        return { body: `${'['.repeat(1_900_000)}${']'.repeat(1_900_000)}` };
      case 'many-entries':
        // Well-formed but huge: 12,000 foreign-workspace entries, under 4 MiB.
        return {
          body: Array.from({ length: 12_000 }, (_, i) => liveEntry(UNDECLARED, 10_000_000 + i, `x${i}`)),
        };
      default:
        return { body: entries };
    }
  }

  function mutation(b: string): Record<string, unknown> {
    if (b === 'wrong-type') return { event_filters: 'project:created', enabled: 'yes' };
    if (b === 'null-filter') return { event_filters: [null] };
    if (b === 'missing-field') return { url_callback: undefined, description: undefined };
    if (b === 'missing-workspace') return { workspace_id: undefined };
    return { workspace_id: UNDECLARED };
  }

  function answer(call: HostileCall): HostileAnswer {
    const m = /^\/subscriptions\/(\d+)(?:\/(\d+))?$/.exec(call.path);
    if (call.path === '/event_filters') return { body: { project: ['created', 'updated', '*'], tag: ['*'] } };
    if (call.path.startsWith('/limits/')) return { body: { max_webhooks: 50, max_events_per_webhook: 20 } };
    if (!m) return { status: 404, body: '"not found"' };
    const ws = Number(m[1]);
    const id = m[2] === undefined ? undefined : Number(m[2]);
    const list = live.get(ws) ?? [];
    if (call.method === 'GET' && id === undefined) return listAnswer(ws);
    if (call.method === 'POST') {
      const body = call.body as Record<string, unknown>;
      const created = liveEntry(ws, nextId++, String(body['description']), body);
      live.set(ws, [...list, created]);
      return { body: created };
    }
    const at = list.findIndex((s) => s.subscription_id === id);
    if (at === -1) return { status: 404, body: '"not found"' };
    if (call.method === 'DELETE') {
      live.set(
        ws,
        list.filter((s) => s.subscription_id !== id),
      );
      return { status: 200 };
    }
    const updated = { ...list[at]!, ...(call.body as object) };
    list[at] = updated;
    return { body: updated };
  }

  beforeAll(async () => {
    seed = chaosSeed();
    console.log(`hostile soak: CHAOS_SEED=${seed}, ${ROUNDS} rounds`);
    rnd = random(seed);
    api = await startHostileApi(answer);
    for (const ws of WORKSPACES) {
      live.set(ws, [
        liveEntry(ws, nextId++, 'Zapier: CRM'), // ignored
        liveEntry(ws, nextId++, 'Hand-made'), // unmanaged where prune: false
      ]);
    }
    live.set(UNDECLARED, [liveEntry(UNDECLARED, nextId++, 'Not ours')]);
  });
  afterAll(() => api.close());

  it('never changes what it must not, always prints one JSON document, stays bounded', {
    timeout: 240_000,
  }, async () => {
    const dir = writeTree({});
    const protectedIds = new Set(
      [...live.entries()].flatMap(([ws, subs]) =>
        subs
          .filter(
            (s) =>
              ws === UNDECLARED ||
              s.description === 'Zapier: CRM' ||
              (s.description === 'Hand-made' && ws !== 501),
          )
          .map((s) => s.subscription_id),
      ),
    );
    let failedRounds = 0;
    let changesMade = 0;
    for (let round = 0; round < ROUNDS; round++) {
      behaviour = new Map(WORKSPACES.map((ws) => [ws, rnd.pick(BEHAVIOURS)]));
      const names = rnd.subset(['alpha', 'beta', 'gamma', 'delta'], 0.5, 1);
      for (const ws of WORKSPACES) {
        const doc = [
          `workspace_id: ${ws}`,
          // 501 prunes (its Hand-made is fair game), the others keep what they do not declare.
          `prune: ${ws === 501}`,
          'ignore: ["Zapier*"]',
          'subscriptions:',
          ...names.map(
            (n) =>
              `  - { description: "${n}", url_callback: "https://h.example/${n}/${rnd.int(3)}", event_filters: [{ entity: project, action: created }] }`,
          ),
        ].join('\n');
        writeFileSync(join(dir, `${ws}.yaml`), `${doc}\n`);
      }
      api.calls.length = 0;
      const r = await runMeasured(['sync', '--allow-mass-delete', '--output', 'json', dir], {
        TOGGL_API_URL: api.url,
        TOGGL_API_TOKEN: 'hostile-soak-token',
        TOGGL_REQUEST_SPACING_MS: '0',
        TOGGL_TIMEOUT_MS: '1000',
        TOGGL_RETRIES: '1',
        TOGGL_RETRY_MIN_MS: '1',
        TOGGL_RETRY_MAX_MS: '5',
      });
      const what = `round ${round} (${[...behaviour].map(([w, b]) => `${w}:${b}`).join(' ')}, CHAOS_SEED=${seed})`;
      expectClean(r, what);
      JSON.parse(r.stdout);
      if (r.code !== 0) failedRounds++;
      changesMade += api.calls.filter((c) => c.method !== 'GET').length;
      for (const call of api.calls.filter((c) => c.method !== 'GET')) {
        const m = /^\/subscriptions\/(\d+)(?:\/(\d+))?$/.exec(call.path);
        expect(m, `${what}: ${call.method} ${call.path}`).not.toBeNull();
        const ws = Number(m![1]);
        expect(
          behaviour.get(ws),
          `${what}: a change in workspace ${ws}, whose list was not well-formed`,
        ).toBe('good');
        if (m![2] !== undefined) {
          expect(protectedIds.has(Number(m![2])), `${what}: ${call.method} of a protected subscription`).toBe(
            false,
          );
        }
      }
    }
    for (const ws of WORKSPACES)
      expect(live.get(ws)!.some((s) => s.description === 'Zapier: CRM')).toBe(true);
    expect(live.get(UNDECLARED)).toHaveLength(1);
    expect(api.calls.some((c) => c.path.includes(String(UNDECLARED)))).toBe(false);
    // Not vacuous: the well-formed workspaces were changed along the way.
    expect(changesMade).toBeGreaterThan(0);
    console.log(
      `hostile soak: ${ROUNDS} rounds, ${failedRounds} ended in exit 1 as the API lied, ${changesMade} changes made where it did not`,
    );
  });
});
