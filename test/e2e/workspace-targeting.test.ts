import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';
import { yamlDoc } from '../support/e2e.js';
import { type HostileApi, type HostileCall, liveEntry, startHostileApi } from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';

/**
 * Every call targets the workspace being reconciled, whatever an answer claims: a create whose answer
 * was lost is adopted from a re-list of that workspace only, and the follow-up PUT (which carries the
 * secret) goes to that workspace.
 */
const WS = 333;
const OTHER = 444;
let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
beforeAll(() => assertBuilt());

const dir = () =>
  writeTree({
    'a.yaml': yamlDoc({
      workspace_id: WS,
      subscriptions: [
        {
          description: 'Lost create',
          url_callback: 'https://hooks.example.com/wanted',
          secret: 'declared-secret-7777',
          event_filters: [['project', 'created']],
        },
      ],
    }),
  });

/** A create answered 502 (the create landed), then "already in use"; the re-list says `relisted`. */
function lostCreate(relisted: unknown[]) {
  let posts = 0;
  let lists = 0;
  return (call: HostileCall) => {
    if (call.method === 'GET' && call.path === `/subscriptions/${WS}`) {
      lists++;
      return { body: lists === 1 ? [] : relisted };
    }
    if (call.method === 'POST' && call.path === `/subscriptions/${WS}`) {
      posts++;
      return posts === 1
        ? { status: 502, body: '"Bad Gateway"' }
        : { status: 400, body: '"description \'Lost create\' is already in use"' };
    }
    if (call.method === 'PUT' || call.method === 'PATCH') return { body: liveEntry(WS, 77, 'Lost create') };
    if (call.path === '/event_filters') return { body: { project: ['created'] } };
    if (call.path.startsWith('/limits/')) return { body: { max_webhooks: 10, max_events_per_webhook: 10 } };
    return { status: 500 };
  };
}

const env = (a: HostileApi) => ({
  TOGGL_API_URL: a.url,
  TOGGL_API_TOKEN: 'targeting-token-1',
  TOGGL_REQUEST_SPACING_MS: '0',
  TOGGL_RETRY_MIN_MS: '1',
  TOGGL_RETRY_MAX_MS: '5',
});

describe('adopting after a lost create', () => {
  /** What the lost create made: what it sent, but (say) left disabled, so one follow-up call is due. */
  const ours = {
    url_callback: 'https://hooks.example.com/wanted',
    secret: 'declared-secret-7777',
    enabled: false,
  };

  it('sends the follow-up call to the reconciled workspace', async () => {
    api = await startHostileApi(lostCreate([liveEntry(WS, 77, 'Lost create', ours)]));
    const r = await runCli(['sync', dir()], { env: env(api) });
    expect(r.code).toBe(0);
    const followUps = api.calls.filter((c) => c.method === 'PUT' || c.method === 'PATCH');
    expect(followUps.map((c) => `${c.method} ${c.path}`)).toEqual([`PATCH /subscriptions/${WS}/77`]);
    expect(api.calls.every((c) => !c.path.includes(String(OTHER)))).toBe(true);
  });

  it.each([
    ['another url_callback', { url_callback: 'https://hooks.example.com/old' }],
    ['other event filters', { event_filters: [{ entity: 'tag', action: 'created' }] }],
    ['another secret', { secret: 'their-secret-8888' }],
  ])('a re-listed namesake with %s is not ours: reported, not adopted, not changed', async (_what, over) => {
    api = await startHostileApi(lostCreate([liveEntry(WS, 77, 'Lost create', { ...ours, ...over })]));
    const r = await runCli(['sync', '--output', 'json', dir()], { env: env(api) });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      workspaces: Array<{ changes: Array<{ status: string; error?: string }> }>;
    };
    expect(doc.workspaces[0]?.changes).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.stringContaining('subscription 77 has this description but'),
      }),
    ]);
    expect(api.calls.filter((c) => !['GET', 'POST'].includes(c.method))).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('their-secret-8888');
  });

  it.each([
    ['another workspace', { workspace_id: OTHER }],
    ['no workspace at all (undefined is not WS)', { workspace_id: 'undefined' }],
  ])(
    'a re-listed entry claiming %s is refused: no PUT anywhere, the secret goes nowhere',
    async (_what, over) => {
      api = await startHostileApi(lostCreate([liveEntry(WS, 77, 'Lost create', over)]));
      const r = await runCli(['sync', '--output', 'json', dir()], { env: env(api) });
      expect(r.code).toBe(1);
      JSON.parse(r.stdout);
      expect(
        api.calls.filter((c) => c.method === 'PUT' || c.method === 'PATCH' || c.method === 'DELETE'),
      ).toEqual([]);
      expect(api.calls.every((c) => !c.path.includes(String(OTHER)) && !c.path.includes('undefined'))).toBe(
        true,
      );
      expect(r.stdout + r.stderr).not.toContain('declared-secret-7777');
    },
  );
});
