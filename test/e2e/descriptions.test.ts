import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { assertBuilt } from '../support/cli.js';
import { type E2E, mutatingCalls, startE2E, yamlDoc } from '../support/e2e.js';

/**
 * The description rule (docs/plan-rules.md#descriptions) through the built CLI: NFC on both sides,
 * invisible characters refused in declared descriptions and escaped in every output, ignore globs
 * matched under the same rule, an invalid glob reported at its place.
 */
const WS = 1234567;
const NFC = 'Caf\u00e9 hooks';
const NFD = 'Cafe\u0301 hooks';
const ZWSP = 'Slack\u200b: projects';

let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());
beforeEach(() => {
  for (const s of e.emu.subscriptions(WS)) e.emu.remove(WS, s.subscription_id);
  e.emu.resetCalls();
});

const hook = (description: string) => ({
  description,
  url_callback: 'https://hooks.example.com/a',
  event_filters: [{ entity: 'project', action: 'created' }],
});
const declared = (description: string) => ({
  description,
  url_callback: 'https://hooks.example.com/a',
  event_filters: [['project', 'created']] as Array<[string, string]>,
});

describe('descriptions compare in NFC', () => {
  it('a live NFD description is the declared NFC one: no delete, no look-alike create', async () => {
    e.emu.seed(WS, hook(NFD));
    e.emu.resetCalls();
    const dir = e.files({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared(NFC)] }) });
    const r = await e.cli(['sync', dir]);
    expect(r.code).toBe(0);
    expect(mutatingCalls(e.emu)).toEqual([]);
    expect(e.emu.subscriptions(WS).map((s) => s.description)).toEqual([NFD]);
  });

  it('a hand-made NFD subscription is protected by an NFC ignore glob (it was deleted before)', async () => {
    e.emu.seed(WS, hook(NFD));
    e.emu.seed(WS, hook('Zap\u200bier: CRM'));
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({
        workspace_id: WS,
        ignore: ['Caf\u00e9*', 'Zapier*'],
        subscriptions: [declared('managed')],
      }),
    });
    const r = await e.cli(['sync', dir]);
    expect(r.code).toBe(0);
    expect(mutatingCalls(e.emu)).toEqual([`POST /subscriptions/${WS}`]);
    expect(
      e.emu
        .subscriptions(WS)
        .map((s) => s.description)
        .sort(),
    ).toEqual(['Zap\u200bier: CRM', NFD, 'managed'].sort());
  });

  it('a description declared twice, once NFC and once NFD, is a duplicate', async () => {
    const dir = e.files({
      'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared(NFC), declared(NFD)] }),
    });
    const r = await e.cli(['validate', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /a\.yaml:7:18: description 'Café hooks' is declared twice for workspace 1234567/,
    );
  });
});

describe('invisible characters', () => {
  it('are refused in a declared description, at FILE:LINE:COL', async () => {
    const dir = e.files({ 'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared(ZWSP)] }) });
    const r = await e.cli(['sync', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'a.yaml:3:18: subscriptions[0].description contains the invisible character U+200B at position 6',
    );
    expect(e.emu.calls).toEqual([]);
  });

  it('are shown escaped in text, markdown and JSON output, so a look-alike is visible', async () => {
    e.emu.seed(WS, hook(ZWSP));
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('Slack: projects')] }),
    });
    const text = await e.cli(['plan', dir]);
    expect(text.stdout).toContain('- delete "Slack\\u200b: projects"');
    expect(text.stdout).toContain('+ create "Slack: projects"');
    const md = await e.cli(['plan', '--output', 'markdown', dir]);
    expect(md.stdout).toContain('Slack\\\\u200b: projects');
    expect(md.stdout).not.toContain('\u200b');
    const json = await e.cli(['plan', '--output', 'json', dir]);
    expect(json.stdout).toContain('"Slack\\u200b: projects"');
    expect(json.stdout).not.toContain('\u200b');
    const doc = JSON.parse(json.stdout) as { workspaces: Array<{ changes: Array<{ description: string }> }> };
    expect(doc.workspaces[0]!.changes.map((c) => c.description)).toContain(ZWSP);
    expect(mutatingCalls(e.emu)).toEqual([]);
  });
});

describe('ignore patterns', () => {
  it('an invalid pattern is reported at its place; JSON output stays one parseable document', async () => {
    const dir = e.files({
      'a.yaml': yamlDoc({ workspace_id: WS, ignore: ['ok*', '[z-a]'], subscriptions: [declared('x')] }),
    });
    const text = await e.cli(['validate', dir]);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(
      /a\.yaml:2:16: ignore\[1\] is not a valid pattern: a character range is reversed/,
    );
    expect(text.stderr).not.toMatch(/\n\s+at /);
    for (const cmd of [['validate'], ['sync', '--dry-run']]) {
      const json = await e.cli([...cmd, '--output', 'json', dir]);
      expect(json.code).toBe(1);
      expect(JSON.stringify(JSON.parse(json.stdout))).toContain('ignore[1] is not a valid pattern');
    }
    expect(mutatingCalls(e.emu)).toEqual([]);
  });
});

describe('lone surrogates (half a UTF-16 pair: not a character)', () => {
  it('a declared one is an error at FILE:LINE:COL, and no API call is made', async () => {
    const dir = e.files({
      'a.yaml': yamlDoc({ workspace_id: WS, subscriptions: [declared('Slack\ud800 projects')] }),
    });
    const r = await e.cli(['sync', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('a.yaml:3:18: this string holds a lone surrogate U+D800 at position 6');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(e.emu.calls).toEqual([]);
  });

  it('a live one is the description with U+FFFD in its place: updated in place, then two plans find nothing', async () => {
    const live = e.emu.seed(WS, {
      ...hook('Slack\udc00 projects'),
      url_callback: 'https://hooks.example.com/old',
    });
    e.emu.resetCalls();
    const dir = e.files({
      'ws.yaml': yamlDoc({
        workspace_id: WS,
        prune: true,
        subscriptions: [declared('Slack\ufffd projects')],
      }),
    });
    const shown = await e.cli(['plan', dir]);
    expect(shown.stdout).toContain('~ update "Slack\ufffd projects"');
    const applied = await e.cli(['sync', dir]);
    expect(applied.code).toBe(0);
    expect(mutatingCalls(e.emu)).toEqual([`PUT /subscriptions/${WS}/${live.subscription_id}`]);
    for (let run = 0; run < 2; run++) {
      e.emu.resetCalls();
      const again = await e.cli(['plan', '--detailed-exitcode', dir]);
      expect(again.code, again.stdout).toBe(0);
      expect(again.stdout).toContain('No changes.');
      expect(mutatingCalls(e.emu)).toEqual([]);
    }
    expect(e.emu.subscriptions(WS).map((s) => s.subscription_id)).toEqual([live.subscription_id]);
  });
});
