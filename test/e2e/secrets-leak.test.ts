import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { apiMessageFrom } from '../../src/toggl/errors.js';
import { assertBuilt, type CliResult, runCli, startCli } from '../support/cli.js';
import { yamlDoc } from '../support/e2e.js';
import {
  asciiEscape,
  ECHO_MODES,
  type EchoMode,
  type EchoRequest,
  goEscape,
  htmlEscape,
  startEchoApi,
} from '../support/echo-api.js';
import { writeTree } from '../support/tmp.js';

/**
 * The promise of docs/secrets.md, end to end: generated secrets of every shape, in every position of
 * a URL and as signing secrets, through every command and output of the built CLI, against the
 * emulator behind an API that echoes what it is sent. Long secrets (>= 16 characters) never come out
 * in any form; short ones never where a sensitive value is shown, and API text holding one is
 * withheld; text that holds no secret prints intact, with no placeholder inside it.
 */

const WS = 1234567;
const MASK_MIN = 16; // docs/secrets.md: "A secret shorter than 16 characters is never masked inside text"
const PLACEHOLDER = '(sensitive)';
const WITHHELD = '(message withheld: it contained a sensitive value)';
// The suite's one seed (test/support/fast-check-seed.ts); TWS_FC_SEED=random explores, and the seed
// in the suite's name replays a failure (TWS_FC_SEED=<seed>).
const SEED = fc.readConfigureGlobal().seed ?? Math.floor(Math.random() * 2 ** 31);

const codePoints = (s: string) => [...s].length;
const distinct = (s: string) => new Set(s).size;

// --- generated secrets -------------------------------------------------------------------------

const META = [...'<>&%"\'\\.*+?^$', ...'{}()|[]/ :;=#@~!,'];
/** Environment variables cannot hold NUL; anything else goes. */
const noNul = (s: string) => !s.includes('\0');

/** 1–64 characters of every kind the issue names. */
const anySecret = (min: number, max: number) =>
  fc
    .oneof(
      fc.string({ unit: 'grapheme', minLength: min, maxLength: max }),
      fc.string({ unit: 'binary', minLength: min, maxLength: max }),
      fc.string({ unit: fc.constantFrom(...META), minLength: min, maxLength: max }),
      fc.string({ unit: fc.constantFrom(...META, ...'aZ9é漢😀'), minLength: min, maxLength: max }),
      fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`)),
      fc.string({ unit: 'grapheme-ascii', minLength: min, maxLength: max }),
    )
    .filter((s) => noNul(s) && codePoints(s) >= min && codePoints(s) <= max);

/**
 * A long secret distinctive enough that finding it in an output is a leak, not a coincidence: six
 * different characters rule out runs of spaces (a markdown table pads with them) or of zeros.
 */
const longSecret = anySecret(MASK_MIN, 64).filter((s) => distinct(s) >= 6 && s.trim().length >= MASK_MIN);

/**
 * The API token: any shape, but one word (the CLI refuses a token with white space, unsent) and no
 * `:`, which Basic authorization (`TOKEN:api_token`) cannot carry in a user name.
 */
const tokenSecret = longSecret.filter((s) => !/[\s:]/.test(s));

/** A host label: letters of any script, digits, hyphens, upper case (the URL parser folds all). */
const hostSecret = (min: number) =>
  fc
    .string({
      unit: fc.constantFrom(...'abcXYZ0189-ÄßΩжé漢'),
      minLength: min,
      maxLength: Math.max(min, 40),
    })
    .filter((s) => hostFits(s) && distinct(s) >= (min >= MASK_MIN ? 6 : 1));

function hostFits(s: string): boolean {
  try {
    const u = new URL(`https://${s}.example.com/hook`);
    return u.hostname.endsWith('.example.com') && u.hostname !== '.example.com' && u.pathname === '/hook';
  } catch {
    return false;
  }
}

const COMMON_WORDS = ['in', 'plan', 'https', 'hooks', 'sync', 'update', '1', 'e', 'json'];

function sample<T>(arb: fc.Arbitrary<T>, n: number, salt: number): T[] {
  return fc.sample(arb, { seed: SEED + salt, numRuns: n });
}

// --- scenarios -----------------------------------------------------------------------------------

type Position = 'host' | 'path' | 'query' | 'fragment' | 'userinfo' | 'whole';

interface Planned {
  description: string;
  position: Position;
  /** The variable in url_callback and its value. */
  urlVar: string;
  urlValue: string;
  url: string;
  secretVar: string;
  secretValue: string;
  /** Seeded live with an old URL, so the plan updates it (PUT) rather than creates it (POST). */
  live: boolean;
  /** How the echoing API answers its POST/PUT in each run that writes, or undefined to forward. */
  echo: EchoMode | undefined;
}

interface Scenario {
  name: string;
  token: string;
  subs: Planned[];
  env: Record<string, string>;
  /** Values that must never come out in any form (>= 16 characters), nor their first or last half. */
  long: string[];
  /** Whole sensitive URLs: never in any form either. */
  urls: string[];
  /** Values shorter than 16: shown nowhere a sensitive value is shown; API text holding one is withheld. */
  short: string[];
  /** Texts that hold no secret and must print intact (descriptions, a literal URL). */
  intact: string[];
  /** Live URLs of ignored subscriptions that carry a credential: export must not write them. */
  liveCredentialUrls: string[];
}

const FILTERS: Array<[string, string]> = [['project', 'created']];
/** A credential in a live URL that the run does not know: export must still not write it. */
const CREDENTIAL_MARK = 'opensesame-42';
/** An ignored live subscription: made of common words, with a URL that carries no credential. */
const MANUAL_DESCRIPTION = 'Manual: plan in https';
const LITERAL_URL = 'https://plan.in.example.com/https/in/hooks';
const LITERAL_DESCRIPTION = 'Plan in https: toggl-webhooks-sync hooks, json sync 1e';

function buildUrl(position: Position, name: string, value: string): string | undefined {
  const ref = `\${${name}}`;
  const candidates: Record<Position, [string, string]> = {
    host: [`https://${ref}.example.com/hook`, `https://${value}.example.com/hook`],
    path: [`https://hooks.example.com/p/${ref}/in`, `https://hooks.example.com/p/${value}/in`],
    query: [
      `https://hooks.example.com/q?token=${ref}&plan=in`,
      `https://hooks.example.com/q?token=${value}&plan=in`,
    ],
    fragment: [`https://hooks.example.com/f#${ref}`, `https://hooks.example.com/f#${value}`],
    userinfo: [`https://hook:${ref}@hooks.example.com/u`, `https://hook:${value}@hooks.example.com/u`],
    whole: [ref, value],
  };
  const [yaml, expanded] = candidates[position];
  try {
    const u = new URL(expanded);
    if ((u.protocol !== 'https:' && u.protocol !== 'http:') || u.hostname === '') return undefined;
  } catch {
    return undefined;
  }
  return yaml;
}

function makeScenario(
  name: string,
  token: string,
  urlSecrets: string[],
  signing: string[],
  hosts: string[],
): Scenario {
  const positions: Position[] = ['path', 'query', 'fragment', 'userinfo', 'host', 'whole'];
  const env: Record<string, string> = {};
  const subs: Planned[] = [];
  const n = Math.max(urlSecrets.length, ECHO_MODES.length + 2);
  for (let i = 0; i < n; i++) {
    const position = positions[i % positions.length]!;
    let value = position === 'host' ? hosts[i % hosts.length]! : urlSecrets[i % urlSecrets.length]!;
    if (position === 'whole')
      value = `https://hooks.example.com/w/${encodeURIComponent(value)}?k=${encodeURIComponent(value)}`;
    const urlVar = `URL_${i}`;
    let yaml = buildUrl(position, urlVar, value);
    let pos = position;
    if (yaml === undefined) {
      // Not valid in that position (the loader would refuse the file): a path takes any text.
      pos = 'query';
      value = urlSecrets[i % urlSecrets.length]!;
      yaml = buildUrl('query', urlVar, value) ?? `https://hooks.example.com/x?t=\${${urlVar}}`;
    }
    const secretVar = `SECRET_${i}`;
    const secretValue = signing[i % signing.length]!;
    env[urlVar] = value;
    env[secretVar] = secretValue;
    subs.push({
      description: `Hook ${i}: plan in https for toggl-webhooks-sync (${pos})`,
      position: pos,
      urlVar,
      urlValue: value,
      url: yaml,
      secretVar,
      secretValue,
      live: i % 2 === 1,
      echo: i < ECHO_MODES.length ? ECHO_MODES[i] : undefined,
    });
  }
  const all = [...new Set([...urlSecrets, ...signing, ...hosts, token])];
  const expandedUrls = subs.map((s) => s.url.replace(`\${${s.urlVar}}`, () => s.urlValue));
  return {
    name,
    token,
    subs,
    env,
    long: all.filter((s) => codePoints(s) >= MASK_MIN),
    urls: expandedUrls,
    short: all.filter((s) => codePoints(s) < MASK_MIN),
    intact: [LITERAL_DESCRIPTION, LITERAL_URL, ...subs.map((s) => s.description)],
    liveCredentialUrls: [
      // Credentials that hide from a URL parser: a query percent-encoded into the path, a session id
      // as a path parameter.
      `https://hooks.example.com/a%3Ftoken%3D${CREDENTIAL_MARK}`,
      `https://hooks.example.com/cb;jsessionid=${CREDENTIAL_MARK}`,
    ],
  };
}

// --- forms a value can come out in (our own list: the test must not trust src/sensitive's) ------

const jsonBody = (v: string) => JSON.stringify(v).slice(1, -1);

function urlPositionForms(v: string): string[] {
  const out: string[] = [];
  const tries = [
    () => new URL(`https://h.example/p/${v}/in`).pathname.slice(3, -3),
    () => new URL(`https://h.example/q?token=${v}&plan=in`).search.slice(7, -8),
    () => new URL(`https://h.example/f#${v}`).hash.slice(1),
    () => new URL(`https://${v}.example.com/hook`).hostname.slice(0, -'.example.com'.length),
    () => new URL(`https://hook:${v}@h.example/u`).password,
  ];
  for (const t of tries) {
    try {
      out.push(t());
    } catch {
      // Not valid there.
    }
  }
  return out;
}

/** Every form in which `v` could come out of the program or the echoing API. */
function formsOf(v: string, kind: 'value' | 'token' | 'url'): string[] {
  const json = jsonBody(v);
  const forms = [
    v,
    json,
    jsonBody(json),
    goEscape(json),
    goEscape(jsonBody(json)),
    asciiEscape(json),
    asciiEscape(jsonBody(json)),
    encodeURIComponent(v),
    encodeURIComponent(json),
    htmlEscape(v),
    htmlEscape(json),
    new URLSearchParams({ v }).toString().slice(2),
  ];
  if (kind === 'url') {
    try {
      const href = new URL(v).href;
      forms.push(href, jsonBody(href), htmlEscape(href), encodeURIComponent(href));
    } catch {
      // Only declared URLs, which parse.
    }
  } else forms.push(...urlPositionForms(v));
  if (kind === 'token') {
    for (const plain of [v, `${v}:api_token`]) {
      const b64 = Buffer.from(plain, 'utf8').toString('base64');
      forms.push(b64, b64.replace(/=+$/, ''));
    }
  }
  // The API client collapses runs of white space in a message.
  const collapsed = forms.map((f) => f.replace(/\s+/g, ' '));
  return [...new Set([...forms, ...collapsed])].filter((f) => codePoints(f) >= MASK_MIN);
}

/** Pieces of a long secret that, found alone, still give it away: its first and last halves. */
function piecesOf(v: string): string[] {
  const cps = [...v];
  const half = Math.max(12, Math.ceil(cps.length / 2));
  if (cps.length <= half) return [];
  return [cps.slice(0, half).join(''), cps.slice(-half).join('')].filter((p) => distinct(p) >= 6);
}

// --- running everything --------------------------------------------------------------------------

interface Output {
  name: string;
  text: string;
}

interface Ran {
  outputs: Output[];
  /** The echoes the first `sync` (JSON output) got. */
  syncJsonEchoes: Array<EchoRequest & { mode: EchoMode; body: string; status: number }>;
  planJson: unknown;
  syncJson: unknown;
  syncText: string;
  planText: string;
  planMarkdown: string;
  statusText: string;
  exportYaml: string;
  metrics: string;
  daemonLogs: string;
}

/**
 * A YAML double-quoted string of any text: JSON's escapes, plus `\uXXXX` for what a YAML stream may
 * not hold raw (C1 controls, U+FEFF, U+FFFE/U+FFFF), so the file is refused for the line we mean.
 */
const yamlString = (v: string) =>
  JSON.stringify(v).replace(
    /[\u007f-\u009f\ufeff\ufffe\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );

/** TWS_LEAK_DUMP=<dir> writes a scenario's secrets and outputs there, to look at a failure. */
function dump(name: string, outputs: readonly Output[], sc?: Scenario): void {
  const dir = process.env['TWS_LEAK_DUMP'];
  if (!dir) return;
  if (sc) writeFileSync(join(dir, `${name}-env.json`), asciiEscape(JSON.stringify(sc, null, 1)));
  for (const [i, o] of outputs.entries()) {
    writeFileSync(join(dir, `${name}-${i}-${o.name.replace(/\W+/g, '_')}.txt`), o.text);
  }
}

function parseJson(r: CliResult): unknown {
  try {
    return JSON.parse(r.stdout) as unknown;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

async function runScenario(sc: Scenario, withDaemon: boolean): Promise<Ran> {
  const emu = await startEmulator({
    port: 0,
    token: sc.token,
    workspaces: [WS],
    callbackCheck: false,
    limits: { max_webhooks: 100, max_events_per_webhook: 20 },
  });
  let phase: 'read' | 'write-1' | 'write-2' | 'daemon' = 'read';
  const byDescription = new Map(sc.subs.map((s, i) => [s.description, i] as const));
  const echo = await startEchoApi(emu.url, (req) => {
    if (phase === 'read' || (req.method !== 'POST' && req.method !== 'PUT')) return undefined;
    let description: unknown;
    try {
      description = (JSON.parse(req.raw) as Record<string, unknown>)['description'];
    } catch {
      return undefined;
    }
    const i = byDescription.get(String(description));
    if (i === undefined || sc.subs[i]!.echo === undefined) return undefined;
    // Each writing run sees every mode, on other subscriptions.
    const shift = phase === 'write-1' ? 0 : phase === 'write-2' ? 1 : 2;
    return ECHO_MODES[(i + shift) % ECHO_MODES.length];
  });
  try {
    for (const s of sc.subs) {
      if (!s.live) continue;
      emu.seed(WS, {
        description: s.description,
        url_callback: `https://hooks.example.com/old/${s.urlVar}`,
        event_filters: [{ entity: 'project', action: 'created' }],
      });
    }
    emu.seed(WS, { description: MANUAL_DESCRIPTION, url_callback: LITERAL_URL });
    for (const [i, url] of sc.liveCredentialUrls.entries()) {
      emu.seed(WS, { description: `Manual: credential ${i}`, url_callback: url });
    }
    const dir = writeTree({
      'subscriptions/main.yaml': yamlDoc({
        workspace_id: WS,
        ignore: ['Manual: *'],
        subscriptions: [
          ...sc.subs.map((s) => ({
            description: s.description,
            url_callback: s.url,
            secret: `\${${s.secretVar}}`,
            event_filters: FILTERS,
          })),
          { description: LITERAL_DESCRIPTION, url_callback: LITERAL_URL, event_filters: FILTERS },
        ],
      }),
    });
    const subsDir = join(dir, 'subscriptions');
    const env = {
      ...sc.env,
      TOGGL_API_URL: echo.url,
      TOGGL_API_TOKEN: sc.token,
      TOGGL_REQUEST_SPACING_MS: '0',
      TOGGL_RETRIES: '1',
      TOGGL_RETRY_MIN_MS: '1',
      TOGGL_RETRY_MAX_MS: '2',
    };
    const outputs: Output[] = [];
    const cli = async (name: string, args: string[]): Promise<CliResult> => {
      const r = await runCli(args, { env, cwd: dir, timeoutMs: 30_000 });
      outputs.push({ name: `${name} stdout`, text: r.stdout }, { name: `${name} stderr`, text: r.stderr });
      return r;
    };
    const file = (name: string, path: string) => {
      const text = readFileSync(path, 'utf8');
      outputs.push({ name, text });
      return text;
    };

    const planText = (await cli('plan text', ['plan', subsDir, '--log-level', 'debug'])).stdout;
    const planJson = parseJson(await cli('plan json', ['plan', subsDir, '-o', 'json']));
    const planMarkdown = (await cli('plan markdown', ['plan', subsDir, '-o', 'markdown'])).stdout;
    const saved = await cli('plan --out', ['plan', subsDir, '--out', join(dir, 'saved.plan')]);
    if (saved.code !== 0) throw new Error(`plan --out failed:\n${saved.stdout}\n${saved.stderr}`);
    file('saved plan', join(dir, 'saved.plan'));

    phase = 'write-1';
    const syncJsonRun = await cli('sync json', ['sync', subsDir, '-o', 'json', '--log-level', 'trace']);
    const syncJson = parseJson(syncJsonRun);
    const syncJsonEchoes = [...echo.echoes];
    phase = 'write-2';
    const syncText = (await cli('sync text', ['sync', subsDir, '--log-level', 'debug'])).stdout;
    // What the Action posts on a pull request after an apply.
    await cli('sync markdown', ['sync', subsDir, '-o', 'markdown']);
    phase = 'read';

    const statusText = (await cli('status text', ['status', subsDir])).stdout;
    await cli('status json', ['status', subsDir, '-o', 'json']);
    await cli('export', ['export', '-w', String(WS), '--out', join(dir, 'export.yaml')]);
    const exportYaml = file('export file', join(dir, 'export.yaml'));

    let metrics = '';
    let daemonLogs = '';
    if (withDaemon) {
      phase = 'daemon';
      const daemon = startCli(
        ['daemon', subsDir, '--listen', '127.0.0.1:0', '--interval', '1h', '--no-watch'],
        {
          env,
          cwd: dir,
          timeoutMs: 30_000,
        },
      );
      try {
        await daemon.waitFor(/"msg":"reconcile finished"/, 20_000);
        const port = /"listen":"127\.0\.0\.1:(\d+)"/.exec(daemon.stderr())?.[1];
        if (!port) throw new Error(`no listen address in the daemon's log:\n${daemon.stderr()}`);
        metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      } finally {
        daemon.child.kill('SIGTERM');
        await daemon.exit;
      }
      daemonLogs = daemon.stderr();
      outputs.push(
        { name: 'daemon stdout', text: daemon.stdout() },
        { name: 'daemon stderr', text: daemonLogs },
        { name: 'metrics', text: metrics },
      );
    }
    dump(sc.name, outputs, sc);

    return {
      outputs,
      syncJsonEchoes,
      planJson,
      syncJson,
      syncText,
      planText,
      planMarkdown,
      statusText,
      exportYaml,
      metrics,
      daemonLogs,
    };
  } finally {
    await echo.close();
    await emu.close();
  }
}

// --- assertions ----------------------------------------------------------------------------------

/** Case-insensitive: URL parsers and servers fold case (a host, percent-encoding's hex). */
const fold = (s: string) => s.toLowerCase();

/**
 * What `export` may write as it is (docs/secrets.md, Exporting): it reads no files, so it cannot know
 * which live URL was built from a `${NAME}`; a URL with a value in its host or path that does not
 * look like a credential (no query, fragment, userinfo, parameters or token-like segment) is written
 * verbatim, and with it the value. Signing secrets, the token and every other URL never are.
 */
function exportedAsIs(sc: Scenario): Set<string> {
  const signing = new Set(sc.subs.map((s) => s.secretValue));
  const elsewhere = new Set(
    sc.subs.filter((s) => s.position !== 'path' && s.position !== 'host').map((s) => s.urlValue),
  );
  const out = new Set<string>();
  for (const s of sc.subs) {
    if (s.position !== 'path' && s.position !== 'host') continue;
    const url = s.url.replace(`\${${s.urlVar}}`, () => s.urlValue);
    out.add(url);
    if (!signing.has(s.urlValue) && !elsewhere.has(s.urlValue) && s.urlValue !== sc.token)
      out.add(s.urlValue);
  }
  return out;
}

function expectNoLongSecret(sc: Scenario, ran: Ran): void {
  const leaks: string[] = [];
  const outputs = ran.outputs.map((o) => ({ name: o.name, text: fold(o.text) }));
  const values = [...sc.long.map((v) => [v, true] as const), ...sc.urls.map((v) => [v, false] as const)];
  const exported = exportedAsIs(sc);
  for (const [secret, alone] of values) {
    const kind = !alone ? 'url' : secret === sc.token ? 'token' : 'value';
    const needles = [...formsOf(secret, kind), ...(alone ? piecesOf(secret) : [])];
    for (const needle of needles) {
      const folded = fold(needle);
      for (const o of outputs) {
        if (o.name === 'export file' && exported.has(secret)) continue;
        if (o.text.includes(folded))
          leaks.push(`${o.name}: ${JSON.stringify(secret)} as ${JSON.stringify(needle)}`);
      }
    }
  }
  expect(leaks).toEqual([]);
}

/** Forms of a short secret as the echoing API writes it (the test's own list). */
function shortForms(v: string): string[] {
  const json = jsonBody(v);
  const href = urlPositionForms(v);
  return [
    ...new Set([
      v,
      json,
      jsonBody(json),
      goEscape(json),
      asciiEscape(json),
      encodeURIComponent(json),
      htmlEscape(json),
      ...href,
    ]),
  ].filter((f) => f !== '');
}

interface JsonChange {
  action: string;
  description: string;
  diff?: Record<string, { before?: unknown; after?: unknown; sensitive?: boolean; changed?: boolean }>;
  status: string;
  error?: string;
}

function changesOf(doc: unknown): JsonChange[] {
  return (doc as { workspaces: Array<{ changes: JsonChange[] }> }).workspaces.flatMap((w) => w.changes);
}

/** The plan text's block for one subscription: its header line and the indented lines below it. */
function blockOf(text: string, description: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^[+~±-] \w+ /.test(l) && l.includes(JSON.stringify(description)));
  if (start === -1) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('    '));
  return lines.slice(start, end === -1 ? undefined : end);
}

function run(sc: Scenario, withDaemon: boolean) {
  let ran: Ran;
  beforeAll(async () => {
    ran = await runScenario(sc, withDaemon);
  }, 60_000);

  it('prints no long secret in any output, file, log line or metric, in any form', () => {
    expectNoLongSecret(sc, ran);
  });

  it('shows every sensitive field as a placeholder, and a placeholder nowhere else in a plan', () => {
    for (const sub of sc.subs) {
      const block = blockOf(ran.planText, sub.description);
      expect(block.length, sub.description).toBeGreaterThan(0);
      const url = block.find((l) => l.startsWith('    url_callback: '));
      expect([
        '    url_callback: (sensitive)',
        '    url_callback: (sensitive) -> (sensitive, changed)',
      ]).toContain(url);
      const secret = block.find((l) => l.startsWith('    secret: '));
      expect(['    secret: (declared)', '    secret: (changed)']).toContain(secret);
      const change = changesOf(ran.planJson).find((c) => c.description === sub.description);
      expect(change?.diff?.['url_callback']).toMatchObject({ after: PLACEHOLDER, sensitive: true });
    }
    // Nothing else in a plan is sensitive: a placeholder on any other line garbles innocent text.
    for (const line of ran.planText.split('\n').filter((l) => l.includes(PLACEHOLDER))) {
      expect(line).toMatch(/^ {4}url_callback: \(sensitive\)( -> \(sensitive, changed\))?$/);
    }
    for (const line of ran.planMarkdown.split('\n').filter((l) => l.includes(PLACEHOLDER))) {
      expect(
        line
          .replaceAll('url\\_callback: `(sensitive) -> (sensitive, changed)`', '')
          .replaceAll('url\\_callback: `(sensitive)`', ''),
      ).not.toContain(PLACEHOLDER);
    }
  });

  it('prints text that holds no secret intact, wherever it is shown', () => {
    for (const text of sc.intact.filter((t) => t !== LITERAL_URL)) {
      expect(ran.planText).toContain(`"${text}"`);
      expect(ran.planMarkdown).toContain(text);
      expect(changesOf(ran.planJson).map((c) => c.description)).toContain(text);
      expect(ran.statusText).toContain(`"${text}"`);
      if (withDaemon) expect(ran.metrics).toContain(`description="${text}"`);
    }
    expect(ran.planText).toContain(`    url_callback: ${LITERAL_URL}\n`);
    expect(ran.planMarkdown).toContain('toggl-webhooks-sync plan');
    // Not a credential: exported as it is, unless its live description holds a short live secret
    // (export knows only live secrets): then the subscription is an ignore pattern (docs/secrets.md).
    const liveShort = sc.subs.map((s) => s.secretValue).filter((v) => codePoints(v) < MASK_MIN);
    const holdsLive = liveShort.some((v) =>
      shortForms(v).some((f) => fold(MANUAL_DESCRIPTION).includes(fold(f))),
    );
    if (holdsLive) expect(ran.exportYaml).not.toContain(`description: ${JSON.stringify(MANUAL_DESCRIPTION)}`);
    else expect(ran.exportYaml).toContain(LITERAL_URL);
    // Withheld: only API text (errors of a write, descriptions of undeclared subscriptions in
    // status, export warnings and metric labels).
    for (const o of ran.outputs.filter((o) => !/^sync|^daemon stderr/.test(o.name))) {
      const lines = o.text.split('\n').filter((l) => l.includes(WITHHELD));
      for (const line of lines)
        expect(line, o.name).toMatch(
          /^ {2}· "\(message withheld|"description": "\(message withheld|subscription \(message withheld: it contained a sensitive value\) \(id \d+\)|^toggl_webhooks_subscription_info\{[^}]*description="\(message withheld[^}]*sync_status="ignored"/,
        );
    }
    if (withDaemon) {
      expect(ran.daemonLogs).toContain('"msg":"reconcile finished"');
      expect(ran.daemonLogs).not.toContain(`"msg":"${WITHHELD}"`);
      // A declared description is the program's own word: logged intact beside a withheld error.
      for (const sub of sc.subs.filter((s) => s.echo !== undefined)) {
        expect(ran.daemonLogs).toContain(`"description":${JSON.stringify(sub.description)}`);
      }
    }
  });

  it('masks or withholds every echo of the API as documented', () => {
    const changes = changesOf(ran.syncJson);
    expect(ran.syncJsonEchoes.length).toBeGreaterThan(0);
    const seen = new Set<EchoMode>();
    for (const e of ran.syncJsonEchoes) {
      seen.add(e.mode);
      const description = String((JSON.parse(e.raw) as Record<string, unknown>)['description']);
      const change = changes.find((c) => c.description === description);
      expect(change?.status, description).toBe('failed');
      const message = apiMessageFrom(e.body) ?? '';
      const holdsShort = sc.short.some((s) => shortForms(s).some((f) => message.includes(f)));
      if (holdsShort)
        expect(change?.error, `${e.mode}: ${message}`).toMatch(
          /^\(message withheld: it contained a sensitive value\)/,
        );
      else expect(change?.error, `${e.mode}: ${message}`).not.toContain(WITHHELD);
    }
    expect([...seen].sort()).toEqual([...ECHO_MODES].sort());
  });

  it('exports no secret and no URL that carries a credential', () => {
    for (const line of ran.exportYaml.split('\n').filter((l) => /^\s*#?\s*secret:/.test(l))) {
      expect(line).toMatch(/secret: \$\{[A-Z0-9_]+\}(\s|$)/);
    }
    for (const url of sc.liveCredentialUrls) {
      expect(ran.exportYaml).not.toContain(url);
      expect(ran.exportYaml).not.toContain(CREDENTIAL_MARK);
    }
  });
}

// --- the scenarios -------------------------------------------------------------------------------

describe(`secrets never leave the process (generated secrets, echoing API, seed ${SEED})`, () => {
  beforeAll(() => assertBuilt());

  describe('long secrets of every shape', () => {
    const longs = sample(longSecret, 14, 1);
    // Prefixes of each other, both long.
    const base = sample(
      anySecret(40, 64).filter((s) => distinct(s) >= 12),
      1,
      2,
    )[0]!;
    const prefixed = [base, [...base].slice(0, 20).join(''), [...base].slice(0, 30).join('')];
    const hosts = sample(hostSecret(MASK_MIN), 3, 3);
    const token = sample(tokenSecret, 1, 4)[0]!;
    const sc = makeScenario('long', token, [...longs.slice(0, 8), ...prefixed], longs.slice(8), hosts);
    run(sc, true);
  });

  describe('short secrets, common words, prefixes of each other', () => {
    const long = sample(longSecret, 4, 11);
    const shorts = [
      ...COMMON_WORDS.slice(0, 5),
      ...sample(anySecret(1, 15), 6, 12),
      // A short prefix of a long secret, and the long one.
      [...long[0]!].slice(0, 5).join(''),
    ];
    const hosts = [
      ...sample(
        hostSecret(1).filter((h) => codePoints(h) < MASK_MIN),
        2,
        13,
      ),
      'plan',
      'https',
    ];
    const token = sample(tokenSecret, 1, 14)[0]!;
    const signing = [...COMMON_WORDS.slice(5), ...sample(anySecret(1, 15), 3, 15), long[1]!];
    const sc = makeScenario('short', token, [...shorts, long[0]!, long[2]!], signing, hosts);
    run(sc, true);
  });

  describe('configuration errors that quote a file holding a secret in clear', () => {
    const values = sample(longSecret, 6, 21);
    const outputs: Output[] = [];
    beforeAll(async () => {
      const env: Record<string, string> = {
        TOGGL_API_TOKEN: 'config-errors-make-no-call',
        TOGGL_API_URL: 'http://127.0.0.1:9/webhooks/api/v1',
      };
      const subs = values.map((v, i) => {
        env[`V_${i}`] = v;
        return {
          description: `Declared ${i}`,
          url_callback: `https://hooks.example.com/q?t=\${V_${i}}`,
          secret: `\${V_${i}}`,
          event_filters: FILTERS,
        };
      });
      // A secret pasted into the wrong line, in clear: the messages quote these lines' text.
      const pasted = values.flatMap((v, i) => [
        `  - description: "Pasted ${i}"`,
        '    url_callback: https://hooks.example.com/pasted',
        `    enabled: ${yamlString(v)}`,
        `    ${yamlString(v)}: 1`,
        `    event_filters: [{ entity: ${yamlString(v)}, action: created }]`,
      ]);
      const dir = writeTree({
        'subscriptions/a.yaml': yamlDoc({ workspace_id: WS, subscriptions: subs }),
        'subscriptions/b.yaml': ['workspace_id: 7654321', 'subscriptions:', ...pasted, ''].join('\n'),
        'subscriptions/c.yaml': `workspace_id: 7654322\nsubscriptions:\n  - description: ${yamlString(values[0]!)} ]\n`,
      });
      const subsDir = join(dir, 'subscriptions');
      for (const [name, args] of [
        ['validate text', ['validate', subsDir]],
        ['validate json', ['validate', subsDir, '-o', 'json']],
        ['plan text', ['plan', subsDir]],
        ['plan json', ['plan', subsDir, '-o', 'json']],
        ['plan markdown', ['plan', subsDir, '-o', 'markdown']],
      ] as const) {
        const r = await runCli([...args], { env, cwd: dir });
        outputs.push({ name: `${name} stdout`, text: r.stdout }, { name: `${name} stderr`, text: r.stderr });
      }
      dump('config', outputs);
    }, 60_000);

    it('names every problem and prints no long secret in any form', () => {
      const sc: Scenario = {
        ...makeScenario('config', 'unused-token-value', values, values, []),
        long: values,
        urls: [],
      };
      expectNoLongSecret(sc, { outputs } as Ran);
      for (const o of outputs.filter((o) => o.text.includes('b.yaml'))) {
        expect(o.text, o.name).toContain("enabled must be true or false, got '(sensitive)'");
        expect(o.text, o.name).toContain("unknown key '(sensitive)'");
        expect(o.text, o.name).toContain('c.yaml');
      }
      // Every command reported them (plan text on stdout and stderr).
      for (const name of ['validate text', 'validate json', 'plan text', 'plan json', 'plan markdown'])
        expect(
          outputs.some((o) => o.name.startsWith(name) && o.text.includes('b.yaml')),
          name,
        ).toBe(true);
    });
  });
});
