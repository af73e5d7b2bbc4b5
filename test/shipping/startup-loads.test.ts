import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, CLI, runNode } from '../support/cli.js';
import { type E2E, startE2E, yamlDoc } from '../support/e2e.js';
import { ROOT } from './helpers.js';

// Start-up time is module loading (docs/limits-and-budgets.md, "Start-up"), so what each command loads
// is pinned here instead of timed: the built CLI runs with a preload that records every script of the
// build it compiles (dist/app.cjs, dist/vendor-*.cjs) and every Node built-in, and the build's
// metafile says which libraries each script holds. An eager import of got, pino or prom-client from a shared module fails here, as does
// a build that imports Node built-ins as ES modules again. The times themselves are in BENCHMARKS.md.

const RECORDER = fileURLToPath(new URL('../support/record-loads.mjs', import.meta.url));
const WS = 4242;

interface Metafile {
  outputs: Record<string, { inputs: Record<string, unknown> }>;
}

interface Loads {
  /** The bundle's files the run loaded, e.g. `dist/cli.js`. */
  chunks: string[];
  /** npm packages whose code is in a loaded chunk. */
  packages: Set<string>;
  /** Files of the ajv package in a loaded chunk (the precompiled validator needs its runtime only). */
  ajvFiles: string[];
  /** Node built-in modules the process loaded. */
  builtins: Set<string>;
  /** Intl.ListFormat objects constructed (each loads ICU data). */
  listFormats: number;
}

let meta: Metafile;
let e2e: E2E;
let inSync: string;
const scratch = mkdtempSync(join(tmpdir(), 'tws-loads-'));

async function loadsOf(args: string[], env: Record<string, string>): Promise<Loads> {
  const record = join(scratch, `loads-${args[0]}.txt`);
  rmSync(record, { force: true });
  const run = await runNode(['--import', RECORDER, CLI, ...args], {
    env: { ...env, TWS_RECORD_LOADS: record },
  });
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  const lines = readFileSync(record, 'utf8').split('\n');
  const loads: Loads = {
    chunks: [],
    packages: new Set(),
    ajvFiles: [],
    builtins: new Set(),
    listFormats: -1,
  };
  for (const line of lines) {
    if (line.startsWith('builtin:')) loads.builtins.add(line.slice('builtin:'.length));
    if (line.startsWith('intl-list-formats:'))
      loads.listFormats = Number(line.slice('intl-list-formats:'.length));
    const url = line.startsWith('script:') ? line.slice('script:'.length) : line;
    if (!url.startsWith('file:')) continue;
    const chunk = `dist/${fileURLToPath(url).split('/dist/').pop()}`;
    loads.chunks.push(chunk);
    const output = meta.outputs[chunk];
    if (!output) throw new Error(`${chunk} is not in .tmp/dist-meta.json: the metafile is older than dist/`);
    for (const input of Object.keys(output.inputs)) {
      const pkg = /(?:^|\/)node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input)?.[1];
      if (pkg) loads.packages.add(pkg);
      if (pkg === 'ajv') loads.ajvFiles.push(input);
    }
  }
  // The recorder saw the run at all: node:fs is always loaded.
  expect(loads.builtins.has('fs')).toBe(true);
  expect(loads.listFormats).toBeGreaterThanOrEqual(0);
  return loads;
}

beforeAll(async () => {
  assertBuilt();
  meta = JSON.parse(readFileSync(join(ROOT, '.tmp/dist-meta.json'), 'utf8')) as Metafile;
  e2e = await startE2E({ workspaces: [WS] });
  inSync = e2e.files({
    'team.yaml': yamlDoc({
      workspace_id: WS,
      subscriptions: [
        {
          description: 'Slack',
          url_callback: 'https://hooks.example.com/s',
          event_filters: [['project', 'created']],
        },
      ],
    }),
  });
  const sync = await e2e.cli(['sync', inSync]);
  expect(sync.code).toBe(0);
});

afterAll(async () => {
  await e2e?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('what a command loads at start-up', () => {
  it('--version loads no library at all, not even the program', async () => {
    const loads = await loadsOf(['--version'], {});
    expect(loads.chunks.filter((c) => c.endsWith('.cjs'))).toEqual([]);
    expect([...loads.packages]).toEqual([]);
  });

  it('validate loads the YAML parser, the argument parser and the validator runtime; nothing for the network', async () => {
    const loads = await loadsOf(['validate', join(ROOT, 'examples/subscriptions')], {
      SLACK_HOOK_SECRET: 'startup-loads-secret',
    });
    expect(loads.chunks.filter((c) => c.endsWith('.cjs'))).toEqual(['dist/app.cjs']);
    expect([...loads.packages].sort()).toEqual(['ajv', 'commander', 'yaml']);
    // The schema is compiled at build time: only ajv's small runtime helpers ship with the validator.
    expect(loads.ajvFiles.every((f) => f.includes('/ajv/dist/runtime/'))).toBe(true);
    for (const builtin of ['http', 'https', 'tls', 'zlib', 'http2', 'child_process', 'fs/promises']) {
      expect(loads.builtins.has(builtin), `validate loaded node:${builtin}`).toBe(false);
    }
  });

  it("plan of an in-sync workspace loads got, but not got's HTTP/2 wrapper, Node's fetch, the metrics, the watcher or the schema compiler", async () => {
    const loads = await loadsOf(['plan', '--detailed-exitcode', inSync], e2e.env);
    expect(loads.packages.has('got')).toBe(true);
    // pino loads with the first log line (src/log/logger.ts, createLazyLogger): a quiet plan has none.
    for (const pkg of ['prom-client', 'chokidar', 'readdirp', 'pino', 'hpagent']) {
      expect(loads.packages.has(pkg), `plan loaded ${pkg}`).toBe(false);
    }
    expect(loads.ajvFiles.every((f) => f.includes('/ajv/dist/runtime/'))).toBe(true);
    // got's HTTP/2 wrapper and DNS cache are bundled beside it but load on first use (scripts/build.mjs),
    // which never comes: they would bring node:http2 and node:dns.
    expect(loads.builtins.has('http2')).toBe(false);
    expect(loads.builtins.has('dns')).toBe(false);
    // TLS loads with the first https request (test/toggl/proxy.test.ts runs those); the API here is
    // http on loopback. child_process is commander's, for executable subcommands we do not have.
    // zlib is got's, for decompressing answers, which the client never asks for; fs/promises is for
    // plan files, which this plan does not write.
    for (const builtin of ['https', 'tls', 'child_process', 'zlib', 'fs/promises']) {
      expect(loads.builtins.has(builtin), `plan loaded node:${builtin}`).toBe(false);
    }
    // Node 22 and 24 load their internal fetch (undici) when node:http is imported as an ES module.
    expect([...loads.builtins].filter((b) => b.includes('undici'))).toEqual([]);
    // got's type checker words its messages with Intl.ListFormat: built when a message is, not before.
    expect(loads.listFormats).toBe(0);
  });
});
