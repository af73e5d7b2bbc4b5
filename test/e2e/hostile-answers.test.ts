import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDaemon } from '../daemon/process.js';
import { assertBuilt, runCli } from '../support/cli.js';
import { yamlDoc } from '../support/e2e.js';
import {
  type HostileAnswer,
  type HostileApi,
  type HostileCall,
  liveEntry,
  startHostileApi,
} from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';

/**
 * A misbehaving API through the built CLI: a malformed live entry fails its workspace only (nothing
 * in it is changed), the other workspaces are applied, JSON output stays one document, the daemon
 * still becomes ready; a huge answer is refused without a second download.
 */
const BAD = 111;
const GOOD = 222;
const TOKEN = 'hostile-token-5678';

let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
beforeAll(() => assertBuilt());

const env = (a: HostileApi) => ({
  TOGGL_API_URL: a.url,
  TOGGL_API_TOKEN: TOKEN,
  TOGGL_REQUEST_SPACING_MS: '0',
  TOGGL_RETRY_MIN_MS: '1',
  TOGGL_RETRY_MAX_MS: '5',
});

const declared = (description: string) => ({
  description,
  url_callback: 'https://hooks.example.com/new',
  event_filters: [['project', 'created']] as Array<[string, string]>,
});

function files(): string {
  return writeTree({
    'bad.yaml': yamlDoc({ workspace_id: BAD, subscriptions: [declared('wanted-bad')] }),
    'good.yaml': yamlDoc({ workspace_id: GOOD, subscriptions: [declared('wanted-good')] }),
  });
}

/** GOOD answers properly (empty, then accepts a create); BAD answers `badList`. */
function server(badList: (call: HostileCall) => HostileAnswer) {
  return (call: HostileCall): HostileAnswer => {
    if (call.path === `/subscriptions/${BAD}` && call.method === 'GET') return badList(call);
    if (call.path === `/subscriptions/${GOOD}` && call.method === 'GET') return { body: [] };
    if (call.path === `/subscriptions/${GOOD}` && call.method === 'POST') {
      return { body: liveEntry(GOOD, 900, (call.body as { description: string }).description) };
    }
    if (call.path === '/event_filters') return { body: { project: ['created', '*'] } };
    if (call.path.startsWith('/limits/')) return { body: { max_webhooks: 10, max_events_per_webhook: 10 } };
    return { status: 500, body: 'unexpected call' };
  };
}

const calls = (a: HostileApi) => a.calls.map((c) => `${c.method} ${c.path}`);
const mutating = (a: HostileApi) => calls(a).filter((c) => !c.startsWith('GET '));

describe('a malformed live entry fails its workspace only', () => {
  it.each([
    ['event_filters not a list', { event_filters: 'project:created' }],
    ['a null inside event_filters', { event_filters: [null] }],
    ['a missing url_callback', { url_callback: undefined }],
    ['another workspace id', { workspace_id: GOOD }],
  ])('%s: BAD is reported and untouched, GOOD is applied, JSON parses', async (_what, over) => {
    api = await startHostileApi(
      server(() => ({ body: [liveEntry(BAD, 5, 'hand-made', over), liveEntry(BAD, 6, 'other')] })),
    );
    const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/TypeError|\n\s+at /);
    const doc = JSON.parse(r.stdout) as {
      errors: Array<{ workspace_id: number; code: string; message: string }>;
      workspaces: Array<{ workspace_id: number; changes: Array<{ action: string; status: string }> }>;
    };
    expect(doc.errors).toEqual([
      expect.objectContaining({
        workspace_id: BAD,
        code: 'E_API_ANSWER',
        message: expect.stringContaining('unexpected answer from the API'),
      }),
    ]);
    expect(doc.workspaces.find((w) => w.workspace_id === GOOD)?.changes).toEqual([
      expect.objectContaining({ action: 'create', status: 'applied' }),
    ]);
    // Before, a TypeError stopped everything: no JSON, GOOD not synced. Now only GOOD changes.
    expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
    expect(r.stdout + r.stderr).not.toContain('live-secret-');
  });

  it('the daemon becomes ready and reconciles the other workspace', async () => {
    api = await startHostileApi(server(() => ({ body: [liveEntry(BAD, 5, 'x', { enabled: 'yes' })] })));
    const d = await startDaemon(['--interval', '1h', files()], env(api));
    try {
      await d.waitForLog((l) => l['msg'] === 'reconcile finished', 'first reconcile');
      const res = await fetch(`${d.url}/readyz`);
      expect(res.status).toBe(200);
      expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
    } finally {
      await d.stop();
    }
  });

  it('a daemon the API refuses (403) is not ready and says why', async () => {
    api = await startHostileApi((call) =>
      call.method === 'GET' && call.path.startsWith('/subscriptions/')
        ? { status: 403, body: '"User not found/accessible for workspace"' }
        : { status: 500 },
    );
    const d = await startDaemon(['--interval', '1h', files()], env(api));
    try {
      await d.waitForLog((l) => l['msg'] === 'reconcile finished', 'first reconcile');
      const res = await fetch(`${d.url}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain(
        'not ready: the API refused the token (401/403) for workspace 111, 222',
      );
    } finally {
      await d.stop();
    }
  });
});

describe('a create answered with something else than the subscription it made', () => {
  it.each([
    ['a string id that echoes a secret', (secret: string) => ({ subscription_id: secret })],
    ['another subscription', () => liveEntry(GOOD, 7, 'Keep1')],
  ])('%s: reported applied without an id; nothing of the answer printed', async (_what, answerOf) => {
    const secret = 'ECHOED-SECRET-0123456789';
    api = await startHostileApi(server(() => ({ body: [] })));
    const origin = api.answer;
    api.answer = (call) =>
      call.method === 'POST'
        ? { body: answerOf((call.body as { secret?: string }).secret ?? secret) }
        : origin(call);
    const dir = writeTree({
      'good.yaml': yamlDoc({
        workspace_id: GOOD,
        subscriptions: [{ ...declared('wanted-good'), secret: secret }],
      }),
    });
    for (const format of ['text', 'json', 'markdown']) {
      const r = await runCli(['sync', '--output', format, dir], { env: env(api) });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const out = r.stdout + r.stderr;
      expect(out).not.toContain(secret);
      expect(out).not.toContain('Keep1');
      expect(out).not.toMatch(/id 7\b|"subscription_id": 7/);
    }
  });
});

describe('a null list answer (how Go writes an empty slice)', () => {
  it('is an empty workspace: its first sync creates what is declared and deletes nothing', async () => {
    api = await startHostileApi(server(() => ({ body: 'null' })));
    // BAD accepts a create too (server() only does so for GOOD).
    const origin = api.answer;
    api.answer = (call) =>
      call.path === `/subscriptions/${BAD}` && call.method === 'POST'
        ? { body: liveEntry(BAD, 901, (call.body as { description: string }).description) }
        : origin(call);
    const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(mutating(api).sort()).toEqual([`POST /subscriptions/${BAD}`, `POST /subscriptions/${GOOD}`]);
  });
});

describe('a list answer that is not a list', () => {
  it.each([
    ['an empty 200', { body: '' }],
    ['a 204', { status: 204 }],
    ['{"data": []}', { body: { data: [] } }],
    ['an empty body labelled gzip', { body: '', headers: { 'content-encoding': 'gzip' } }],
  ])(
    '%s fails its workspace with E_API_ANSWER (before: read as empty, a create was planned)',
    async (_what, a) => {
      api = await startHostileApi(server(() => a as HostileAnswer));
      const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as { errors: Array<{ workspace_id: number; code: string }> };
      expect(doc.errors).toEqual([expect.objectContaining({ workspace_id: BAD, code: 'E_API_ANSWER' })]);
      expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
    },
  );
});

describe('a list that repeats a subscription id', () => {
  it('fails its workspace with E_API_ANSWER and deletes nothing (before: the declared one was deleted)', async () => {
    // wanted-bad matches id 5; the second entry with id 5 looked undeclared, so prune sent DELETE 5.
    api = await startHostileApi(
      server(() => ({
        body: [
          liveEntry(BAD, 5, 'wanted-bad', { url_callback: 'https://hooks.example.com/new' }),
          liveEntry(BAD, 5, 'hand-made'),
        ],
      })),
    );
    const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      errors: Array<{ workspace_id: number; code: string; message: string }>;
    };
    expect(doc.errors).toEqual([
      expect.objectContaining({
        workspace_id: BAD,
        code: 'E_API_ANSWER',
        message: expect.stringContaining('subscription 5 is listed more than once'),
      }),
    ]);
    expect(calls(api).filter((c) => c.startsWith('DELETE '))).toEqual([]);
    expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
  });
});

describe('two live subscriptions with one declared description', () => {
  it('are both kept and named in an E_AMBIGUOUS error (before: the one that differed was deleted)', async () => {
    api = await startHostileApi(
      server(() => ({
        body: [
          liveEntry(BAD, 5, 'wanted-bad', { url_callback: 'https://hooks.example.com/new' }),
          liveEntry(BAD, 6, 'wanted-bad'),
        ],
      })),
    );
    const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as {
      errors: Array<{ workspace_id: number; stage: string; code: string; message: string }>;
    };
    expect(doc.errors).toEqual([
      expect.objectContaining({
        workspace_id: BAD,
        stage: 'ambiguous',
        code: 'E_AMBIGUOUS',
        message: expect.stringContaining('live subscriptions 5 and 6 both have the declared description'),
      }),
    ]);
    expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
  });
});

describe('answer budget', () => {
  it('a 64 MiB list is refused after 4 MiB, once (no re-download per retry), with a clear error', async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    api = await startHostileApi(server(() => ({ body: chunk, repeat: 1024, chunkBytes: chunk.length })));
    const r = await runCli(['sync', '--output', 'json', files()], { env: env(api) });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { errors: Array<{ workspace_id: number; message: string }> };
    expect(doc.errors).toEqual([
      expect.objectContaining({
        workspace_id: BAD,
        message: expect.stringContaining('answer larger than 4 MiB; refusing to read it'),
      }),
    ]);
    expect(calls(api).filter((c) => c === `GET /subscriptions/${BAD}`)).toHaveLength(1);
    expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
  });

  it('a truncated answer is a network failure (retried), never an empty list', async () => {
    api = await startHostileApi(server(() => ({ body: [liveEntry(BAD, 5, 'keep')], truncate: true })));
    const r = await runCli(['sync', '--output', 'json', files()], {
      env: { ...env(api), TOGGL_RETRIES: '1' },
    });
    expect(r.code).toBe(1);
    JSON.parse(r.stdout);
    expect(mutating(api)).toEqual([`POST /subscriptions/${GOOD}`]);
  });
});
