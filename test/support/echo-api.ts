import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An API that echoes what it was sent, the way careless servers and proxies do: a loopback server in
 * front of a real upstream (the emulator) that forwards every request, except those `decide` picks,
 * which it answers itself with an error whose body echoes the request body (and the Authorization
 * header) in one of the encodings of `ECHO_MODES`. For testing that nothing we send comes back out
 * of the program in clear (docs/secrets.md).
 */
export const ECHO_MODES = [
  'raw-json',
  'json-in-json',
  'go-escaped',
  'ascii-escaped',
  'percent-encoded',
  'html',
  'toggl-url-message',
  'authorization',
  'redirect',
] as const;
export type EchoMode = (typeof ECHO_MODES)[number];

export interface EchoRequest {
  method: string;
  /** Path below the base URL, e.g. `/subscriptions/1234567`. */
  path: string;
  /** The request body as it arrived. */
  raw: string;
  authorization: string;
}

export interface EchoAnswer {
  mode: EchoMode;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface EchoApi {
  /** The base URL to give the CLI (`…/webhooks/api/v1` like the emulator's). */
  url: string;
  /** Every echo sent, in order. */
  echoes: Array<EchoRequest & EchoAnswer>;
  close(): Promise<void>;
}

const u4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Go's encoding/json escapes `<`, `>`, `&` (and U+2028/9) in what it writes. */
export const goEscape = (json: string) => json.replace(/[<>&\u2028\u2029]/g, u4);
/** `\uXXXX` for every non-ASCII code unit (Python's ensure_ascii). */
export const asciiEscape = (json: string) => json.replace(/[^\x20-\x7e]/g, u4);
export const htmlEscape = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');

/** The `url_callback` of a JSON request body, when there is one. */
function urlOf(raw: string): string | undefined {
  try {
    const v = (JSON.parse(raw) as Record<string, unknown>)['url_callback'];
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** The error answer of one mode, echoing `req`. */
export function echoAnswer(mode: EchoMode, req: EchoRequest): EchoAnswer {
  const json = (status: number, body: unknown): EchoAnswer => ({
    mode,
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = (status: number, body: string, type = 'text/plain'): EchoAnswer => ({
    mode,
    status,
    headers: { 'content-type': type },
    body,
  });
  switch (mode) {
    case 'raw-json':
      // A validation error that returns the offending body as it came.
      return text(400, `invalid request body: ${req.raw}`);
    case 'json-in-json':
      return json(500, { message: `decode failed for ${JSON.stringify(req.raw)}` });
    case 'go-escaped':
      return text(400, `bad request: ${goEscape(req.raw)}`);
    case 'ascii-escaped':
      return json(500, `internal error handling ${asciiEscape(req.raw)}`);
    case 'percent-encoded':
      return text(400, `rejected body=${encodeURIComponent(req.raw)}`);
    case 'html':
      return text(
        502,
        `<html><head><title>502 Bad Gateway</title></head><body><pre>${htmlEscape(req.raw)}</pre></body></html>`,
        'text/html',
      );
    case 'toggl-url-message': {
      // The documented shape, with the URL as the service parses and prints it.
      const raw = urlOf(req.raw) ?? '';
      let url = raw;
      try {
        url = new URL(raw).href;
      } catch {
        // Printed as it came.
      }
      return json(400, `URL endpoint ${url} responded with status 404 instead of 200`);
    }
    case 'authorization': {
      const basic = req.authorization.replace(/^Basic\s+/i, '');
      const decoded = Buffer.from(basic, 'base64').toString('utf8');
      return json(500, {
        error: `upstream refused credentials ${basic} (${decoded}) ${JSON.stringify(decoded)} ${encodeURIComponent(decoded)} ${goEscape(JSON.stringify(decoded))}`,
      });
    }
    case 'redirect': {
      const url = urlOf(req.raw) ?? '';
      return {
        mode,
        status: 302,
        headers: {
          location: `https://login.example.com/?next=${encodeURIComponent(url)}`,
          'content-type': 'text/html',
        },
        body: `<a href="${htmlEscape(url)}">Found</a>. Redirecting to ${url} for ${req.raw}`,
      };
    }
  }
}

/**
 * Starts the echoing API in front of `upstream` (a base URL ending in `/webhooks/api/v1`). `decide`
 * returns the mode to answer a request with, or undefined to forward it.
 */
export async function startEchoApi(
  upstream: string,
  decide: (req: EchoRequest) => EchoMode | undefined,
): Promise<EchoApi> {
  const base = new URL(upstream);
  const api: EchoApi = { url: '', echoes: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const path = (req.url ?? '/').replace(/^\/webhooks\/api\/v1/, '').replace(/\?.*$/, '');
      const echo: EchoRequest = {
        method: req.method ?? 'GET',
        path,
        raw,
        authorization: String(req.headers.authorization ?? ''),
      };
      const mode = decide(echo);
      if (mode !== undefined) {
        const answer = echoAnswer(mode, echo);
        api.echoes.push({ ...echo, ...answer });
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
        return;
      }
      const headers = { ...req.headers, host: base.host };
      const forward = http.request(
        { host: base.hostname, port: base.port, method: req.method, path: req.url, headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      forward.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      forward.end(raw.length > 0 ? Buffer.concat(chunks) : undefined);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/api/v1`;
  api.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return api;
}
