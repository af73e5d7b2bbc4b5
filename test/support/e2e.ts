import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Emulator, type EmulatorOptions, startEmulator } from '../../src/emulator/index.js';
import { type CliResult, runCli } from './cli.js';
import { writeTree } from './tmp.js';

export const TOKEN = 'e2e-token-Zq81vLm0';

export interface E2E {
  emu: Emulator;
  /** The environment the CLI runs with: emulator URL, token, no request spacing. */
  env: Record<string, string>;
  /** Runs the built CLI against the emulator; `extraEnv` adds to (or, with undefined, removes from) `env`. */
  cli(args: string[], extraEnv?: Record<string, string | undefined>): Promise<CliResult>;
  /** Writes YAML files into a fresh temp dir and returns it. */
  files(files: Record<string, string>): string;
  close(): Promise<void>;
}

/** An emulator over loopback plus the CLI pointed at it, for end-to-end tests. */
export async function startE2E(opts: EmulatorOptions = {}): Promise<E2E> {
  const emu = await startEmulator({ port: 0, token: TOKEN, callbackCheck: false, ...opts });
  const env: Record<string, string> = {
    TOGGL_API_URL: emu.url,
    TOGGL_API_TOKEN: TOKEN,
    // The real API wants 1 request/second; the emulator does not, and tests must be quick.
    TOGGL_REQUEST_SPACING_MS: '0',
  };
  return {
    emu,
    env,
    cli: (args, extraEnv = {}) => runCli(args, { env: { ...env, ...extraEnv } }),
    files: (files) => writeTree(files),
    close: () => emu.close(),
  };
}

/** The API calls the emulator saw, as `METHOD /path` strings, in order. */
export function callList(emu: Emulator): string[] {
  return emu.calls.map((c) => `${c.method} ${c.path}`);
}

/** Calls that change something (anything but GET). */
export function mutatingCalls(emu: Emulator): string[] {
  return emu.calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
}

/** `DELETE /subscriptions/1/42` -> `DELETE /subscriptions/1/ID`: subscription ids differ run to run. */
export function withoutIds(calls: string[]): string[] {
  return calls.map((c) => c.replace(/^(\S+ \/subscriptions\/\d+)\/\d+$/, '$1/ID'));
}

/** A webhook receiver that answers 200 and echoes `validation_code`, so the API's URL check passes. */
export async function startEchoReceiver(): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let code: unknown;
      try {
        code = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)[
          'validation_code'
        ];
      } catch {
        code = undefined;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(typeof code === 'string' ? { validation_code: code } : {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A loopback port with nothing listening. */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** One YAML document for one workspace. */
export function yamlDoc(doc: {
  workspace_id: number;
  prune?: boolean;
  ignore?: string[];
  subscriptions: Array<{
    description: string;
    url_callback: string;
    enabled?: boolean;
    secret?: string;
    event_filters: Array<[string, string]>;
  }>;
}): string {
  const lines = [`workspace_id: ${doc.workspace_id}`];
  if (doc.prune !== undefined) lines.push(`prune: ${doc.prune}`);
  if (doc.ignore) lines.push(`ignore: ${JSON.stringify(doc.ignore)}`);
  if (doc.subscriptions.length === 0) lines.push('subscriptions: []');
  else lines.push('subscriptions:');
  for (const s of doc.subscriptions) {
    lines.push(`  - description: ${JSON.stringify(s.description)}`);
    lines.push(`    url_callback: ${JSON.stringify(s.url_callback)}`);
    if (s.enabled !== undefined) lines.push(`    enabled: ${s.enabled}`);
    if (s.secret !== undefined) lines.push(`    secret: ${JSON.stringify(s.secret)}`);
    lines.push('    event_filters:');
    for (const [entity, action] of s.event_filters) {
      lines.push(`      - { entity: ${JSON.stringify(entity)}, action: ${JSON.stringify(action)} }`);
    }
  }
  return `${lines.join('\n')}\n`;
}
