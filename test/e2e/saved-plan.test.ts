import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type E2E, mutatingCalls, startE2E, TOKEN, withoutIds, yamlDoc } from '../support/e2e.js';
import { updateTree } from '../support/tmp.js';

const WS = 7654321;
const DECLARED_SECRET = 'e2e-saved-SECRET-Qx93';
const QUERY_TOKEN = 'e2e-saved-QTOKEN-71b';

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());

/** Live: one to update, one to delete, one already right. */
function seed(): void {
  for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
  e.emu.seed(WS, {
    description: 'Slack',
    url_callback: 'https://hooks.example.com/old',
    event_filters: [{ entity: 'project', action: 'created' }],
  });
  e.emu.seed(WS, {
    description: 'Stale',
    url_callback: 'https://hooks.example.com/stale',
    event_filters: [{ entity: 'task', action: '*' }],
  });
  e.emu.seed(WS, {
    description: 'Same',
    url_callback: 'https://hooks.example.com/same',
    event_filters: [{ entity: 'tag', action: '*' }],
  });
  e.emu.resetCalls();
}

const YAML = yamlDoc({
  workspace_id: WS,
  subscriptions: [
    {
      description: 'Slack',
      url_callback: `https://hooks.example.com/new?token=\${QUERY_TOKEN}`,
      secret: `\${DECLARED_SECRET}`,
      event_filters: [['project', 'created']],
    },
    { description: 'Same', url_callback: 'https://hooks.example.com/same', event_filters: [['tag', '*']] },
    { description: 'New', url_callback: 'https://hooks.example.com/fresh', event_filters: [['client', '*']] },
  ],
});
const ENV = { DECLARED_SECRET, QUERY_TOKEN };

let dir: string;
let planFile: string;
beforeEach(() => {
  seed();
  dir = e.files({ 'subs/ws.yaml': YAML });
  planFile = join(dir, 'plan.json');
});

const subs = () => join(dir, 'subs');
const planCli = (...args: string[]) => e.cli(['plan', subs(), '--out', planFile, ...args], ENV);

/** A direct call to the emulator's API, as a person using the Toggl UI or another tool would make. */
async function handEdit(method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${e.emu.url}${path}`, {
    method,
    headers: {
      Authorization: `Basic ${Buffer.from(`${TOKEN}:api_token`).toString('base64')}`,
      'Content-Type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}

const idOf = (description: string) =>
  e.emu.subscriptions(WS).find((s) => s.description === description)!.subscription_id;

describe('saved plans (plan --out, sync --plan)', () => {
  it('writes a readable plan file with the hash and no secret, and applies exactly it', async () => {
    const planned = await planCli('-o', 'json');
    expect(planned.code, planned.stderr).toBe(0);
    const hash = JSON.parse(planned.stdout).plan_hash as string;
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(planned.stderr).toContain(`Saved the plan to ${planFile}`);
    const text = readFileSync(planFile, 'utf8');
    for (const secret of [DECLARED_SECRET, QUERY_TOKEN, TOKEN]) expect(text).not.toContain(secret);
    const saved = JSON.parse(text);
    expect(saved.plan_hash).toBe(hash);
    expect(saved.paths).toEqual([subs()]);
    expect(saved.review.summary).toMatchObject({ create: 1, update: 1, delete: 1, unchanged: 1 });
    expect(mutatingCalls(e.emu)).toEqual([]);

    e.emu.resetCalls();
    // No paths: the plan's own paths are read.
    const applied = await e.cli(['sync', '--plan', planFile], ENV);
    expect(applied.code, applied.stderr + applied.stdout).toBe(0);
    expect(applied.stdout).toContain(`Plan hash: ${hash}`);
    // Exactly the plan's calls: one GET to re-read live state, then delete, update, create.
    expect(withoutIds(mutatingCalls(e.emu))).toEqual([
      `DELETE /subscriptions/${WS}/ID`,
      `PUT /subscriptions/${WS}/ID`,
      `POST /subscriptions/${WS}`,
    ]);
    expect(e.emu.calls.filter((c) => c.method === 'GET' && c.path.startsWith('/subscriptions'))).toHaveLength(
      1,
    );
  });

  it('refuses after a hand edit of a live subscription, naming it and the field, and changes nothing', async () => {
    expect((await planCli()).code).toBe(0);
    const sameId = idOf('Same');
    await handEdit('PATCH', `/subscriptions/${WS}/${sameId}`, { enabled: false });
    e.emu.resetCalls();

    const refused = await e.cli(['sync', '--plan', planFile], ENV);
    expect(refused.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
    const out = refused.stdout + refused.stderr;
    expect(out).toContain(
      `live subscription ${sameId} "Same" changed since the plan: enabled (true -> false)`,
    );
    expect(out).toContain('Apply refused: this is not the reviewed plan; nothing was changed.');
    for (const secret of [DECLARED_SECRET, QUERY_TOKEN, TOKEN]) expect(out).not.toContain(secret);
  });

  it('refuses after a subscription was created or deleted by hand, naming it', async () => {
    expect((await planCli()).code).toBe(0);
    const staleId = idOf('Stale');
    e.emu.remove(WS, staleId);
    const made = e.emu.seed(WS, {
      description: 'Hand made',
      url_callback: 'https://hooks.example.com/hand',
      event_filters: [{ entity: 'tag', action: '*' }],
    });
    e.emu.resetCalls();
    const refused = await e.cli(['sync', '--plan', planFile, '-o', 'json'], ENV);
    expect(refused.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
    const doc = JSON.parse(refused.stdout);
    const messages = doc.errors.map((x: { message: string }) => x.message).join('\n');
    expect(messages).toContain(`live subscription ${staleId} "Stale" was deleted since the plan`);
    expect(messages).toContain(
      `live subscription ${made.subscription_id} "Hand made" appeared since the plan`,
    );
    expect(
      doc.errors.every((x: { stage: string; code: string }) => x.stage === 'plan' && x.code === 'E_PLAN'),
    ).toBe(true);
  });

  it('refuses after a file edit, naming the file, the subscription and the field', async () => {
    expect((await planCli()).code).toBe(0);
    updateTree(dir, {
      'subs/ws.yaml': YAML.replace('https://hooks.example.com/fresh', 'https://hooks.example.com/other'),
    });
    e.emu.resetCalls();
    const refused = await e.cli(['sync', '--plan', planFile], ENV);
    expect(refused.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
    expect(refused.stdout).toMatch(
      new RegExp(`"New" in ${escapeRegExp(join(subs(), 'ws.yaml'))}:\\d+:\\d+ changed: url_callback`),
    );

    // A changed secret value (environment) is a file change too, named without the value.
    updateTree(dir, { 'subs/ws.yaml': YAML });
    const secretChanged = await e.cli(['sync', '--plan', planFile], {
      ...ENV,
      DECLARED_SECRET: 'another-secret-value',
    });
    expect(secretChanged.code).toBe(1);
    expect(secretChanged.stdout).toMatch(/"Slack" in \S+ws\.yaml:\d+:\d+ changed: secret/);
    expect(secretChanged.stdout).not.toContain('another-secret-value');
    expect(mutatingCalls(e.emu)).toEqual([]);
  });

  it('refuses an expired plan, a plan from the future and an edited plan file before any API call', async () => {
    expect((await planCli()).code).toBe(0);
    const saved = JSON.parse(readFileSync(planFile, 'utf8'));
    e.emu.resetCalls();

    const old = join(dir, 'old.json');
    writeFileSync(
      old,
      JSON.stringify({ ...saved, created_at: new Date(Date.now() - 25 * 3_600_000).toISOString() }),
    );
    const expired = await e.cli(['sync', '--plan', old], ENV);
    expect(expired.code).toBe(1);
    expect(expired.stderr).toContain('older than --max-plan-age 24h');
    expect((await e.cli(['sync', '--plan', old, '--max-plan-age', '2d'], ENV)).code).toBe(0);
    seed();

    const tight = await e.cli(['sync', '--plan', planFile, '--max-plan-age', '1ms'], ENV);
    expect(tight.code).toBe(1);
    expect(tight.stderr).toContain('older than --max-plan-age');

    const future = join(dir, 'future.json');
    writeFileSync(
      future,
      JSON.stringify({ ...saved, created_at: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    expect((await e.cli(['sync', '--plan', future], ENV)).stderr).toContain('is in the future');

    const forged = join(dir, 'forged.json');
    const identity = structuredClone(saved.identity);
    identity.workspaces[0].changes = [];
    writeFileSync(forged, JSON.stringify({ ...saved, identity }));
    const edited = await e.cli(['sync', '--plan', forged], ENV);
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain('the file was changed after it was written');

    const junk = join(dir, 'junk.json');
    writeFileSync(junk, '{"format": "something else"}');
    expect((await e.cli(['sync', '--plan', junk], ENV)).stderr).toContain('not a plan file of this tool');
    expect((await e.cli(['sync', '--plan', join(dir, 'missing.json')], ENV)).stderr).toContain('ENOENT');

    expect(e.emu.calls).toEqual([]);
  });

  it('never writes a live description that holds a secret into the plan file, nor into a refusal', async () => {
    const SHORT = 'q7Z';
    // A hand-made subscription whose description echoes the declared secret (text from outside).
    e.emu.seed(WS, {
      description: `undeclared ${DECLARED_SECRET} desc`,
      url_callback: 'https://hooks.example.com/other',
      event_filters: [{ entity: 'tag', action: 'created' }],
    });
    const env = { ...ENV, SHORT };
    const withShort = YAML.replace(
      'https://hooks.example.com/same',
      'https://hooks.example.com/same?k=${SHORT}',
    );
    updateTree(dir, { 'subs/ws.yaml': withShort });
    const planned = await e.cli(['plan', subs(), '--out', planFile], env);
    expect(planned.code, planned.stderr).toBe(0);
    const text = readFileSync(planFile, 'utf8');
    expect(text).not.toContain(DECLARED_SECRET);
    expect(text).toContain('(sensitive description ');

    // The description changes to one holding the short secret: the refusal names the change, not the text.
    const id = idOf(`undeclared ${DECLARED_SECRET} desc`);
    e.emu.mutate(WS, id, { description: `undeclared short ${SHORT}` });
    const refused = await e.cli(['sync', '--plan', planFile], env);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain(`live subscription ${id} `);
    expect(refused.stdout + refused.stderr).not.toContain(SHORT);
    expect(refused.stdout + refused.stderr).not.toContain(DECLARED_SECRET);
  });
});

describe('plan --out with errors', () => {
  it('does not save a plan that has errors (an unreadable workspace)', async () => {
    const withForbidden = e.files({
      'a.yaml': YAML,
      'b.yaml': yamlDoc({ workspace_id: 999, subscriptions: [] }),
    });
    const out = join(withForbidden, 'plan.json');
    const planned = await e.cli(['plan', withForbidden, '--out', out], ENV);
    expect(planned.code).toBe(1);
    expect(planned.stderr).toContain('the plan has errors; it was not saved');
    expect(() => readFileSync(out)).toThrow(/ENOENT/);
  });
});

describe('sync --expect-plan-hash', () => {
  it('refuses a wrong hash with no mutating call, and applies the reviewed one', async () => {
    const planned = await e.cli(['plan', subs(), '-o', 'markdown'], ENV);
    const marker = /<!-- toggl-webhooks-sync:plan-hash=([0-9a-f]{64}) -->/.exec(planned.stdout);
    expect(marker, planned.stdout).not.toBeNull();
    const hash = marker![1]!;
    e.emu.resetCalls();

    const wrong = await e.cli(['sync', subs(), '--expect-plan-hash', 'f'.repeat(64)], ENV);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain(`is not the reviewed plan (hash ${'f'.repeat(64)})`);
    expect(mutatingCalls(e.emu)).toEqual([]);

    const malformed = await e.cli(['sync', subs(), '--expect-plan-hash', 'abc'], ENV);
    expect(malformed.code).toBe(1);
    expect(malformed.stderr).toContain('64-hex-digit plan hash');

    const right = await e.cli(['sync', subs(), '--expect-plan-hash', hash.toUpperCase()], ENV);
    expect(right.code, right.stdout + right.stderr).toBe(0);
    expect(mutatingCalls(e.emu)).toHaveLength(3);

    // Applied: the same hash now describes a stale review and is refused.
    e.emu.resetCalls();
    const again = await e.cli(['sync', subs(), '--expect-plan-hash', hash], ENV);
    expect(again.code).toBe(1);
    expect(mutatingCalls(e.emu)).toEqual([]);
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
