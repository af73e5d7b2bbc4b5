import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Emulator } from '../../src/emulator/index.js';

export const WS = 1234567;

export interface ApiResponse {
  status: number;
  body: unknown;
  headers: Headers;
}

/** Calls the emulator over real HTTP; `token: null` sends no Authorization header. */
export async function api(
  emu: Emulator,
  method: string,
  path: string,
  opts: { body?: unknown; token?: string | null; rawBody?: string } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  const token = opts.token === undefined ? 'emulator-token' : opts.token;
  if (token !== null)
    headers['Authorization'] = `Basic ${Buffer.from(`${token}:api_token`).toString('base64')}`;
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers,
    ...(opts.rawBody !== undefined
      ? { body: opts.rawBody }
      : opts.body !== undefined
        ? { body: JSON.stringify(opts.body) }
        : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? undefined : JSON.parse(text), headers: res.headers };
}

export interface ReceivedEvent {
  headers: http.IncomingHttpHeaders;
  method: string;
  raw: string;
  json: Record<string, unknown>;
}

export interface Receiver {
  url: string;
  events: ReceivedEvent[];
  /** What the next deliveries are answered with (null: never answer); the default is 200 `{}`. */
  respond: (ev: ReceivedEvent) => { status: number; body?: string } | null;
  close(): Promise<void>;
}

/** A real HTTP endpoint standing in for a user's `url_callback`. */
export async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = {
    url: '',
    events: [],
    respond: () => ({ status: 200, body: '{}' }),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const ev: ReceivedEvent = {
        headers: req.headers,
        method: req.method ?? '',
        raw,
        json: JSON.parse(raw),
      };
      receiver.events.push(ev);
      const answer = receiver.respond(ev);
      if (answer === null) return;
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  receiver.close = () =>
    new Promise<void>((r) => {
      server.close(() => r());
      server.closeAllConnections();
    });
  return receiver;
}

export { closedPort } from '../support/e2e.js';

export const sub = (over: Record<string, unknown> = {}) => ({
  description: 'Slack: new projects',
  url_callback: 'https://hooks.example.com/toggl',
  event_filters: [{ entity: 'project', action: 'created' }],
  enabled: true,
  ...over,
});
