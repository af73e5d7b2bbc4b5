import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Stand-ins for the parts of the GitHub and GitLab REST APIs the CI integrations use (comments/notes on a
 * pull/merge request, the merged request of a commit), on loopback. They record every request with its
 * credentials and body so tests can assert what was sent, and paginate like the real ones.
 */

export interface RecordedRequest {
  method: string;
  path: string;
  auth: string;
  body: string;
}

export interface FakeComment {
  id: number;
  body: string;
  user: { login: string; type: 'Bot' | 'User' };
  updated_at: string;
  html_url?: string;
}

interface Base {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

async function start(
  handler: (req: IncomingMessage, body: string, res: ServerResponse, base: string) => void,
) {
  let base = '';
  const server: Server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.setHeader('Content-Type', 'application/json');
    handler(req, body, res, base);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function page<T>(items: T[], url: URL, base: string, perPage: number): { items: T[]; link?: string } {
  const n = Number(url.searchParams.get('page') ?? '1');
  const slice = items.slice((n - 1) * perPage, n * perPage);
  if (n * perPage >= items.length) return { items: slice };
  const next = new URL(url.pathname + url.search, base);
  next.searchParams.set('page', String(n + 1));
  return { items: slice, link: `<${next}>; rel="next"` };
}

export interface FakeGitHub extends Base {
  /** Comments per issue/pull request number. */
  comments: Map<number, FakeComment[]>;
  /** Pull requests returned for `GET /repos/:repo/commits/:sha/pulls`, per sha. */
  pullsForCommit: Map<string, object[]>;
  /** Answer every comment write with this status (e.g. 403, a fork's read-only token). */
  failWrites?: number;
  /** A hostile API: the `Link: rel="next"` of every comment list points here instead. */
  forgedNext?: string;
}

/** GitHub: issue comments (list with Link pagination, create, update) and commit → pull requests. */
export async function startFakeGitHub(repo: string, opts: { perPage?: number } = {}): Promise<FakeGitHub> {
  const perPage = opts.perPage ?? 30;
  let nextId = 1000;
  const fake = {
    comments: new Map<number, FakeComment[]>(),
    pullsForCommit: new Map<string, object[]>(),
    requests: [] as RecordedRequest[],
  } as FakeGitHub;
  const server = await start((req, body, res, base) => {
    const url = new URL(req.url ?? '/', base);
    fake.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      auth: String(req.headers.authorization ?? ''),
      body,
    });
    const send = (status: number, data: unknown, link?: string) => {
      res.statusCode = status;
      if (link) res.setHeader('Link', link);
      res.end(JSON.stringify(data));
    };
    const issue = new RegExp(`^/repos/${repo}/issues/(\\d+)/comments$`).exec(url.pathname);
    const edit = new RegExp(`^/repos/${repo}/issues/comments/(\\d+)$`).exec(url.pathname);
    const pulls = new RegExp(`^/repos/${repo}/commits/([0-9a-f]+)/pulls$`).exec(url.pathname);
    const now = new Date(Date.now() + fake.requests.length).toISOString();
    if (issue && req.method === 'GET') {
      const list = fake.comments.get(Number(issue[1])) ?? [];
      const p = page(list, url, base, Math.min(perPage, Number(url.searchParams.get('per_page') ?? perPage)));
      return send(200, p.items, fake.forgedNext ? `<${fake.forgedNext}>; rel="next"` : p.link);
    }
    if ((issue && req.method === 'POST') || (edit && req.method === 'PATCH')) {
      if (fake.failWrites)
        return send(fake.failWrites, { message: 'Resource not accessible by integration' });
      const text = (JSON.parse(body) as { body: string }).body;
      if (issue) {
        const list = fake.comments.get(Number(issue[1])) ?? [];
        const c: FakeComment = {
          id: nextId++,
          body: text,
          user: { login: 'github-actions[bot]', type: 'Bot' },
          updated_at: now,
        };
        c.html_url = `https://github.example/${repo}/pull/${issue[1]}#issuecomment-${c.id}`;
        list.push(c);
        fake.comments.set(Number(issue[1]), list);
        return send(201, c);
      }
      const c = [...fake.comments.values()].flat().find((x) => x.id === Number(edit?.[1]));
      if (!c) return send(404, { message: 'Not Found' });
      c.body = text;
      c.updated_at = now;
      return send(200, c);
    }
    if (pulls && req.method === 'GET') return send(200, fake.pullsForCommit.get(pulls[1] as string) ?? []);
    return send(404, { message: 'Not Found' });
  });
  fake.url = server.base;
  fake.close = server.close;
  return fake;
}

export interface FakeNote {
  id: number;
  body: string;
  author: { id: number; username: string };
  system: boolean;
  updated_at: string;
}

export interface FakeGitLab extends Base {
  /** Notes per merge request iid. */
  notes: Map<number, FakeNote[]>;
  /** Merge requests returned for `GET /projects/:id/repository/commits/:sha/merge_requests`. */
  mergeRequestsForCommit: Map<string, object[]>;
  /** The user the token belongs to (`GET /user`). */
  tokenUser: { id: number; username: string };
}

/** GitLab: merge-request notes (list with X-Next-Page-style Link pagination, create, update), commit → MRs. */
export async function startFakeGitLab(
  projectId: string,
  opts: { perPage?: number } = {},
): Promise<FakeGitLab> {
  const perPage = opts.perPage ?? 20;
  let nextId = 500;
  const fake = {
    notes: new Map<number, FakeNote[]>(),
    mergeRequestsForCommit: new Map<string, object[]>(),
    tokenUser: { id: 77, username: 'project_3_bot' },
    requests: [] as RecordedRequest[],
  } as FakeGitLab;
  const server = await start((req, body, res, base) => {
    const url = new URL(req.url ?? '/', base);
    fake.requests.push({
      method: req.method ?? '',
      path: url.pathname + url.search,
      auth: String(req.headers['private-token'] ?? ''),
      body,
    });
    const send = (status: number, data: unknown, link?: string) => {
      res.statusCode = status;
      if (link) res.setHeader('Link', link);
      res.end(JSON.stringify(data));
    };
    const prefix = `/api/v4/projects/${projectId}`;
    const list = new RegExp(`^${prefix}/merge_requests/(\\d+)/notes$`).exec(url.pathname);
    const edit = new RegExp(`^${prefix}/merge_requests/(\\d+)/notes/(\\d+)$`).exec(url.pathname);
    const mrs = new RegExp(`^${prefix}/repository/commits/([0-9a-f]+)/merge_requests$`).exec(url.pathname);
    const now = new Date(Date.now() + fake.requests.length).toISOString();
    if (url.pathname === '/api/v4/user' && req.method === 'GET') return send(200, fake.tokenUser);
    if (list && req.method === 'GET') {
      const p = page(fake.notes.get(Number(list[1])) ?? [], url, base, perPage);
      return send(200, p.items, p.link);
    }
    if (list && req.method === 'POST') {
      const notes = fake.notes.get(Number(list[1])) ?? [];
      const n: FakeNote = {
        id: nextId++,
        body: (JSON.parse(body) as { body: string }).body,
        author: fake.tokenUser,
        system: false,
        updated_at: now,
      };
      notes.push(n);
      fake.notes.set(Number(list[1]), notes);
      return send(201, n);
    }
    if (edit && req.method === 'PUT') {
      const n = (fake.notes.get(Number(edit[1])) ?? []).find((x) => x.id === Number(edit[2]));
      if (!n) return send(404, { message: '404 Not found' });
      n.body = (JSON.parse(body) as { body: string }).body;
      n.updated_at = now;
      return send(200, n);
    }
    if (mrs && req.method === 'GET')
      return send(200, fake.mergeRequestsForCommit.get(mrs[1] as string) ?? []);
    return send(404, { message: '404 Not found' });
  });
  fake.url = `${server.base}/api/v4`;
  fake.close = server.close;
  return fake;
}
