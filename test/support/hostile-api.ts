import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A deliberately misbehaving Webhooks API over loopback, for what the emulator will not do: answers
 * of the wrong shape, huge or truncated bodies, stalls, entries claiming another workspace. Each
 * request goes to `answer`; every request is recorded (method, path, parsed body).
 */
export interface HostileCall {
  method: string;
  path: string;
  body: unknown;
}

export interface HostileAnswer {
  status?: number;
  /** JSON-serialised unless a string or Buffer. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Sends `body` in pieces of this many bytes (to stream a huge answer without holding it). */
  chunkBytes?: number;
  /** Repeats the body this many times (with `chunkBytes`, a huge answer from a small buffer). */
  repeat?: number;
  /** Declares a Content-Length, then closes the socket after half the body. */
  truncate?: boolean;
  /** Waits this long before answering. */
  delayMs?: number;
  /** Never answers: the request stays in flight until the client gives up or the server closes. */
  stall?: boolean;
}

export interface HostileApi {
  url: string;
  calls: HostileCall[];
  answer: (call: HostileCall) => HostileAnswer;
  close(): Promise<void>;
}

export async function startHostileApi(answer: (call: HostileCall) => HostileAnswer): Promise<HostileApi> {
  const api: HostileApi = { url: '', calls: [], answer, close: async () => {} };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = raw ? JSON.parse(raw) : undefined;
      } catch {
        body = raw;
      }
      const path = (req.url ?? '/').replace(/^\/webhooks\/api\/v1/, '');
      const call: HostileCall = { method: req.method ?? 'GET', path, body };
      api.calls.push(call);
      const a = api.answer(call);
      const send = () => {
        if (res.destroyed) return;
        const payload =
          a.body === undefined
            ? Buffer.alloc(0)
            : Buffer.isBuffer(a.body)
              ? a.body
              : Buffer.from(typeof a.body === 'string' ? a.body : JSON.stringify(a.body));
        const repeat = a.repeat ?? 1;
        const headers: Record<string, string> = { 'content-type': 'application/json', ...a.headers };
        if (a.truncate) headers['content-length'] = String(payload.length * repeat);
        res.writeHead(a.status ?? 200, headers);
        if (a.truncate) {
          res.write(payload.subarray(0, Math.floor(payload.length / 2)));
          setTimeout(() => res.socket?.destroy(), 20);
          return;
        }
        if (!a.chunkBytes && repeat === 1) {
          res.end(payload);
          return;
        }
        let sent = 0;
        const pump = () => {
          while (sent < repeat) {
            sent++;
            if (!res.write(payload)) {
              res.once('drain', pump);
              return;
            }
          }
          res.end();
        };
        res.on('close', () => {
          sent = repeat;
        });
        pump();
      };
      if (a.stall) return;
      if (a.delayMs) setTimeout(send, a.delayMs);
      else send();
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

/** A well-formed live subscription, as the API documents it. */
export function liveEntry(
  workspaceId: number,
  id: number,
  description: string,
  over: Record<string, unknown> = {},
) {
  return {
    subscription_id: id,
    workspace_id: workspaceId,
    user_id: 1,
    description,
    url_callback: `https://hooks.example.com/${id}`,
    enabled: true,
    event_filters: [{ entity: 'project', action: 'created' }],
    secret: `live-secret-${id}-aaaaaaaa`,
    validated_at: null,
    has_pending_events: false,
    created_at: '2024-01-01T00:00:00Z',
    updated_at: '2024-01-01T00:00:00Z',
    ...over,
  };
}
