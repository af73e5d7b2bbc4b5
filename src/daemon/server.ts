import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface ProbeServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** `/readyz` answers 200 while this returns true, else 503. */
  isReady: () => boolean;
  /** The reason `/readyz` gives with a 503. */
  notReadyReason?: () => string;
  /** A connection silent this long is closed. Default 15 s. */
  idleTimeoutMs?: number;
}

/** Open connections the probe server keeps at most: probes and scrapes need a handful. */
export const MAX_PROBE_CONNECTIONS = 32;

export interface ProbeServer {
  /** e.g. `http://127.0.0.1:9464` (the bound port when 0 was asked for). */
  url: string;
  host: string;
  port: number;
  /** Stops accepting, ends idle keep-alive connections, resolves when every socket is closed. */
  close(): Promise<void>;
}

/**
 * `GET /metrics`, `/healthz` (the process is alive and its event loop answers) and `/readyz` (a
 * reconcile has completed with a valid configuration). Anything else is 404; HEAD works too.
 */
export async function startProbeServer(opts: ProbeServerOptions): Promise<ProbeServer> {
  const server = http.createServer((req, res) => {
    void handle(req, res, opts).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('internal error\n');
    });
  });
  // Probes and scrapes are tiny; a stuck client must not hold a socket (or shutdown) for long.
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;
  // A connection that sends nothing, or stops halfway, is closed after 15 s of silence; beyond the cap
  // new connections are refused, so idle sockets cannot pile up (docs/limits-and-budgets.md).
  server.timeout = opts.idleTimeoutMs ?? 15_000;
  server.maxConnections = MAX_PROBE_CONNECTIONS;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  return {
    url: `http://${host}:${addr.port}`,
    host: addr.address,
    port: addr.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}

const ROUTES = new Set(['/metrics', '/healthz', '/readyz']);

async function handle(req: http.IncomingMessage, res: http.ServerResponse, opts: ProbeServerOptions) {
  const method = req.method ?? 'GET';
  const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
  const send = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'Content-Type': type, 'Cache-Control': 'no-store' });
    res.end(method === 'HEAD' ? undefined : body);
  };
  if (!ROUTES.has(pathname)) {
    send(404, 'not found\n');
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    send(405, 'method not allowed\n');
    return;
  }
  switch (pathname) {
    case '/metrics':
      send(200, await opts.registry.metrics(), opts.registry.contentType);
      return;
    case '/healthz':
      send(200, 'ok\n');
      return;
    case '/readyz':
      if (opts.isReady()) send(200, 'ready\n');
      else {
        const reason = opts.notReadyReason?.() ?? 'no reconcile has completed with a valid configuration yet';
        send(503, `not ready: ${reason.replace(/[\r\n]+/g, ' ')}\n`);
      }
      return;
  }
}
