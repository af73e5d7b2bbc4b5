import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';
import { callList, type E2E, mutatingCalls, startE2E } from '../support/e2e.js';
import { liveEntry, startHostileApi } from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';

// End to end: the built CLI as a subprocess against the emulator over loopback.

const HOSTILE = [
  'Slack: new projects',
  'has "double" and \'single\' quotes',
  'colon: in the middle',
  'hash # not a comment',
  '*leading star',
  '&leading ampersand',
  '!leading bang',
  'Café ☕: ünïcode',
  'yes',
  '  padded  ',
];

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});
beforeAll(() => assertBuilt());

interface JsonPlan {
  workspaces: Array<{ workspace_id: number; changes: Array<{ action: string; description: string }> }>;
  summary: Record<string, number>;
}

describe('export (built CLI, emulator)', () => {
  it('exports hostile descriptions so that sync --dry-run on the file plans no change', async () => {
    e2e = await startE2E({ workspaces: [101, 102, 103] });
    const { emu } = e2e;
    HOSTILE.forEach((description, i) => {
      emu.seed(101, {
        description,
        url_callback: `https://hooks.example.com/${i}`,
        enabled: i % 3 !== 0,
        event_filters: [
          { entity: 'tag', action: '*' },
          { entity: 'project', action: i % 2 === 0 ? 'created' : 'updated' },
        ],
      });
    });
    emu.seed(102, { description: 'Café ☕: ünïcode', url_callback: 'https://hooks.example.com/other' });
    const secrets = [101, 102].flatMap((ws) => emu.subscriptions(ws).map((s) => s.secret ?? ''));
    expect(secrets.every((s) => s.length >= 8)).toBe(true);

    const dir = writeTree({});
    const file = join(dir, 'live.yaml');
    const exported = await e2e.cli([
      'export',
      '--workspace',
      '101',
      '-w',
      '102',
      '--workspace',
      '103',
      '--out',
      file,
    ]);
    expect(exported.stderr).toContain('exported 11 subscriptions of 3 workspaces');
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe('');
    const yaml = readFileSync(file, 'utf8');
    expect(yaml.split('\n')[0]).toMatch(
      /^# yaml-language-server: \$schema=https:\/\/\S+subscriptions\.schema\.json$/,
    );
    for (const secret of secrets) expect(yaml).not.toContain(secret);
    expect(yaml).toContain(`# secret: \${CAFE_UNICODE_SECRET}`);
    expect(yaml).toContain(`# secret: \${CAFE_UNICODE_SECRET_2}`);

    emu.resetCalls();
    const plan = await e2e.cli(['sync', '--dry-run', '--output', 'json', file]);
    expect(plan.stderr).toBe('');
    expect(plan.code).toBe(0);
    const doc = JSON.parse(plan.stdout) as JsonPlan;
    expect(doc.workspaces.flatMap((w) => w.changes)).toEqual([]);
    expect(doc.summary).toMatchObject({ create: 0, update: 0, patch: 0, delete: 0, unchanged: 11 });
    // One GET per workspace and nothing else, as for any converged run.
    expect(callList(emu)).toEqual([
      'GET /subscriptions/101',
      'GET /subscriptions/102',
      'GET /subscriptions/103',
    ]);

    // The file is valid by itself (no token, no network).
    const validated = await e2e.cli(['validate', file], { TOGGL_API_TOKEN: undefined });
    expect(validated.code).toBe(0);
  });

  it('exports what a file cannot declare (event_filters null or [], an invisible character) as exact ignore patterns, so the file validates and plans nothing', async () => {
    const list = [
      liveEntry(101, 1, 'No filters [legacy*]', { event_filters: null }),
      liveEntry(101, 2, 'Empty filters', { event_filters: [] }),
      liveEntry(101, 3, 'Zero\u200bwidth'),
      liveEntry(101, 4, 'Normal'),
      // A lone surrogate (from a JSON "\ud800" escape): the pattern holds U+FFFD, which a file can.
      liveEntry(101, 5, 'Half\ud800pair'),
    ];
    const api = await startHostileApi((call) =>
      call.method === 'GET' && call.path === '/subscriptions/101' ? { body: list } : { status: 500 },
    );
    try {
      const env = {
        TOGGL_API_URL: api.url,
        TOGGL_API_TOKEN: 'hostile-token-1234',
        TOGGL_REQUEST_SPACING_MS: '0',
      };
      const file = join(writeTree({}), 'ws.yaml');
      const exported = await runCli(['export', '--workspace', '101', '--out', file], { env });
      expect(exported.code).toBe(0);
      expect(exported.stderr).toContain(
        '"No filters [legacy*]" (id 1) has no event filters, which a file cannot declare',
      );
      expect(exported.stderr).toContain('"Zero\\u200bwidth" (id 3) has an invisible character');
      const yaml = readFileSync(file, 'utf8');
      expect(yaml).toContain('"No filters [[]legacy[*]]"');
      expect(yaml).toContain('"Zero\\u200bwidth"');
      expect(yaml).toContain('"Half\ufffdpair"');
      // Before, a null list exported as `event_filters: []`, which validate refuses.
      const validated = await runCli(['validate', file]);
      expect(validated.stderr).toBe('');
      expect(validated.code).toBe(0);
      api.calls.length = 0;
      const plan = await runCli(['sync', '--dry-run', '--detailed-exitcode', file], { env });
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
      expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /subscriptions/101']);
    } finally {
      await api.close();
    }
  });

  it('never writes a live description that holds the token or a live secret: an ignore pattern that does not spell it', async () => {
    const token = 'hostile-token-EXPORT-0123456789';
    const liveSecret = 'live-secret-of-another-0123456789';
    const list = [
      liveEntry(101, 1, `hook ${token} x`),
      liveEntry(101, 2, 'Plain', { secret: liveSecret }),
      liveEntry(101, 3, `copy of ${liveSecret}`),
      // A short secret (the token-shaped one is long): withheld descriptions match by length only.
      liveEntry(101, 4, 'in'),
      liveEntry(101, 5, 'Normal', { secret: 'in' }),
    ];
    const api = await startHostileApi((call) =>
      call.method === 'GET' && call.path === '/subscriptions/101' ? { body: list } : { status: 500 },
    );
    try {
      const env = { TOGGL_API_URL: api.url, TOGGL_API_TOKEN: token, TOGGL_REQUEST_SPACING_MS: '0' };
      const file = join(writeTree({}), 'ws.yaml');
      const exported = await runCli(['export', '--workspace', '101', '--out', file], { env });
      expect(exported.code, exported.stderr).toBe(0);
      const yaml = readFileSync(file, 'utf8');
      for (const text of [yaml, exported.stdout, exported.stderr]) {
        expect(text).not.toContain(token);
        expect(text).not.toContain(token.toUpperCase().replace(/-/g, '_'));
        expect(text).not.toContain(liveSecret);
        expect(text).not.toContain(liveSecret.toUpperCase().replace(/-/g, '_'));
      }
      expect(yaml).toContain('"hook * x"');
      expect(yaml).toContain('"copy of *"');
      expect(exported.stderr).toContain('(id 1) holds a sensitive value in its description');
      // The file validates and, against the same live state, plans nothing.
      const validated = await runCli(['validate', file]);
      expect(validated.stderr).toBe('');
      api.calls.length = 0;
      const plan = await runCli(['sync', '--dry-run', '--detailed-exitcode', file], { env });
      expect(plan.stderr).toBe('');
      expect(plan.code).toBe(0);
    } finally {
      await api.close();
    }
  });

  it('plans only the secrets the user chooses to manage', async () => {
    e2e = await startE2E({ workspaces: [101] });
    const { emu } = e2e;
    const kept = emu.seed(101, { description: 'Keep me', url_callback: 'https://hooks.example.com/k' });
    emu.seed(101, { description: 'Rotate me', url_callback: 'https://hooks.example.com/r' });
    const exported = await e2e.cli(['export', '--workspace', '101']);
    expect(exported.code).toBe(0);
    // Uncomment both secret lines: one variable holds the live secret, the other a new one.
    const edited = exported.stdout.replace(/# (secret: \$\{\w+\}) {2}# uncomment.*$/gm, '$1');
    const file = join(writeTree({}), 'ws.yaml');
    writeFileSync(file, edited);
    const plan = await e2e.cli(['sync', '--dry-run', '--output', 'json', file], {
      KEEP_ME_SECRET: kept.secret,
      ROTATE_ME_SECRET: 'a-brand-new-secret-value',
    });
    expect(plan.code).toBe(0);
    const doc = JSON.parse(plan.stdout) as JsonPlan & {
      workspaces: Array<{ changes: Array<{ diff: Record<string, unknown> }> }>;
    };
    const changes = doc.workspaces[0]?.changes ?? [];
    expect(changes.map((c) => [c.action, c.description])).toEqual([['update', 'Rotate me']]);
    expect(changes[0]?.diff).toEqual({ secret: { changed: true } });
    expect(plan.stdout).not.toContain('a-brand-new-secret-value');
    expect(plan.stdout).not.toContain(kept.secret);

    // Without the variables, the uncommented lines are errors naming the variable: nothing is called.
    emu.resetCalls();
    const unset = await e2e.cli(['sync', '--dry-run', file]);
    expect(unset.code).toBe(1);
    expect(unset.stderr).toMatch(/ws\.yaml:\d+:\d+: .*KEEP_ME_SECRET/);
    expect(emu.calls).toEqual([]);
  });

  it('writes a URL that carries a credential as a ${VAR} reference, never verbatim, and round-trips', async () => {
    e2e = await startE2E({ workspaces: [101] });
    const url = 'https://hooks.example.com/t?token=tok-9f8e7d6c';
    e2e.emu.seed(101, { description: 'Tokened', url_callback: url });
    e2e.emu.seed(101, { description: 'Literal', url_callback: `https://hooks.example.com/\${not-a-var}` });
    const out = await e2e.cli(['export', '--workspace', '101']);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      'url_callback: ${TOKENED_URL} # the live URL carries a query: set TOKENED_URL to it',
    );
    expect(out.stdout).toContain('url_callback: https://hooks.example.com/$${not-a-var}');
    expect(out.stderr).toContain(
      'warning: workspace 101, subscription "Tokened" (id 1): the live url_callback carries a query, so it is written as ${TOKENED_URL}; set TOKENED_URL to the subscription\'s URL in the environment of every run',
    );
    expect(out.stdout + out.stderr).not.toContain('tok-9f8e7d6c');
    // With the variable set to the live URL, the file plans nothing and prints nothing of it.
    const file = join(writeTree({}), 'ws.yaml');
    writeFileSync(file, out.stdout);
    const plan = await e2e.cli(['sync', '--dry-run', file], { TOKENED_URL: url });
    expect(plan.code).toBe(0);
    expect(mutatingCalls(e2e.emu)).toEqual([]);
    expect(plan.stdout + plan.stderr).not.toContain('tok-9f8e7d6c');
  });

  it('writes nothing and exits 1 when any workspace cannot be read', async () => {
    e2e = await startE2E({ workspaces: [101] });
    e2e.emu.seed(101, { description: 'A' });
    const dir = writeTree({ 'old.yaml': 'keep me\n' });
    const out = await e2e.cli([
      'export',
      '--workspace',
      '101',
      '--workspace',
      '999',
      '--out',
      join(dir, 'old.yaml'),
    ]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(
      'error: workspace 999: GET /subscriptions/999: 403 User not found/accessible for workspace',
    );
    expect(out.stderr).toContain('error: nothing was exported');
    expect(readFileSync(join(dir, 'old.yaml'), 'utf8')).toBe('keep me\n');
    const missingDir = await e2e.cli([
      'export',
      '--workspace',
      '101',
      '--out',
      join(dir, 'no', 'such', 'x.yaml'),
    ]);
    expect(missingDir.code).toBe(1);
    expect(missingDir.stderr).toMatch(/error: cannot write .*x\.yaml/);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });

  it('refuses a missing or malformed --workspace before any call', async () => {
    e2e = await startE2E({ workspaces: [101] });
    const none = await e2e.cli(['export']);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("required option '-w, --workspace <id>' not specified");
    const bad = await e2e.cli(['export', '--workspace', '12abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('expected a workspace id');
    expect(e2e.emu.calls).toEqual([]);
  });
});
