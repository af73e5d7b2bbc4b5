import http from 'node:http';
import type net from 'node:net';

/**
 * One scripted answer: `reset` reads the whole request and then destroys the socket (a lost answer),
 * `hang` never answers (until the server closes), else an HTTP answer, optionally late.
 */
export type Step =
  | 'reset'
  | 'hang'
  | { status: number; body?: string; headers?: Record<string, string>; delayMs?: number };

export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/**
 * A real HTTP server on loopback answering each request with the next step. nock is kept for plain
 * status sequences; resets, hangs and late answers need a real socket (nock 14's replyWithError
 * never settles a got request).
 */
export async function scripted(steps: Step[]) {
  const seen: Received[] = [];
  const sockets = new Set<net.Socket>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString('utf8');
    });
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const step = steps.shift() ?? { status: 500, body: '"script exhausted"' };
      if (step === 'reset') {
        req.socket.destroy();
        return;
      }
      if (step === 'hang') return;
      const answer = () => {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(step.body ?? '');
      };
      if (step.delayMs) setTimeout(answer, step.delayMs);
      else answer();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/v1`;
  return {
    url,
    seen,
    /** `METHOD /path` of every request received, in order. */
    lines: () => seen.map((r) => `${r.method} ${r.url}`),
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
