import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Subscription } from '../toggl/types.js';
import { FaultInjector } from './faults.js';
import * as m from './messages.js';
import { Quota } from './quota.js';
import { type EmulatorState, matchPattern, ROUTES, type RouteResult } from './routes.js';
import { generateSecret, generateValidationCode, now, Store } from './store.js';
import type { Emulator, EmulatorOptions, FaultKind, RecordedCall } from './types.js';

/** The real service's path prefix; the emulator serves the API below it, as the base URL shows. */
export const BASE_PATH = '/webhooks/api/v1';

export const DEFAULTS = {
  token: 'emulator-token',
  workspaces: [1234567],
  userId: 1,
  limits: { max_webhooks: 10, max_events_per_webhook: 20 },
  quota: { limit: 10_000, windowSeconds: 3600 },
  callbackTimeoutMs: 5000,
} as const;

const MAX_BODY_BYTES = 1024 * 1024;

interface Answer extends RouteResult {
  headers?: Record<string, string>;
  fault?: FaultKind;
}

function readBody(req: http.IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    const done = () =>
      resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > MAX_BODY_BYTES });
    req.on('end', done);
    req.on('error', done);
    req.on('close', done);
  });
}

function send(res: http.ServerResponse, answer: Answer): void {
  if (res.destroyed || res.headersSent) return;
  const payload = JSON.stringify(answer.body);
  res.writeHead(answer.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    ...answer.headers,
  });
  res.end(payload);
}

/** The token of a Basic `TOKEN:api_token` header, or undefined. */
function basicAuthToken(header: string | undefined): string | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(colon + 1) === 'api_token' ? decoded.slice(0, colon) : undefined;
}

interface UserEntry {
  userId: number;
  workspaces: Set<number>;
  quota: Quota;
}

function segmentsOf(path: string): string[] | null {
  try {
    return path.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts the emulator on 127.0.0.1 (port 0 = ephemeral) and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const defaultQuota = opts.quota === undefined ? { ...DEFAULTS.quota } : opts.quota;
  const users = new Map<string, UserEntry>();
  users.set(opts.token ?? DEFAULTS.token, {
    userId: opts.userId ?? DEFAULTS.userId,
    workspaces: new Set(opts.workspaces ?? DEFAULTS.workspaces),
    quota: new Quota(defaultQuota),
  });
  for (const u of opts.users ?? []) {
    if (users.has(u.token)) throw new Error('emulator: two users with the same token');
    users.set(u.token, {
      userId: u.userId,
      workspaces: new Set(u.workspaces),
      quota: new Quota(u.quota === undefined ? defaultQuota : u.quota),
    });
  }
  const store = new Store();
  const state: EmulatorState = {
    store,
    userId: opts.userId ?? DEFAULTS.userId,
    limits: { ...(opts.limits ?? DEFAULTS.limits) },
    callbackCheck: opts.callbackCheck ?? true,
    callbackTimeoutMs: opts.callbackTimeoutMs ?? DEFAULTS.callbackTimeoutMs,
    baseUrl: '',
    deliveries: [],
    inFlight: new Set(),
  };
  const faults = new FaultInjector(opts.faults);
  const calls: RecordedCall[] = [];

  async function answer(
    req: http.IncomingMessage,
    path: string,
    body: unknown,
    bodyError: string | null,
    call: RecordedCall,
  ): Promise<Answer> {
    const method = req.method ?? 'GET';
    const segments = segmentsOf(path);
    if (!segments) return { status: 404, body: m.ROUTE_NOT_FOUND };
    let wrongMethod = false;
    for (const route of ROUTES) {
      const params = matchPattern(route.pattern, segments);
      if (!params) continue;
      if (route.method !== method) {
        wrongMethod = true;
        continue;
      }
      let headers: Record<string, string> | undefined;
      // Each request acts as the user whose token it carries (created subscriptions, per-user limits).
      let routeState = state;
      if (route.auth) {
        const ws = Number(params['ws']);
        const token = basicAuthToken(req.headers.authorization);
        const user = token === undefined ? undefined : users.get(token);
        if (!user?.workspaces.has(ws)) {
          return { status: 403, body: m.FORBIDDEN };
        }
        call.userId = user.userId;
        routeState = { ...state, userId: user.userId };
        // The real quota is per user per organisation; here per user per workspace.
        const q = user.quota.take(String(ws));
        if (q) {
          headers = {
            'X-Toggl-Quota-Remaining': String(q.remaining),
            'X-Toggl-Quota-Resets-In': String(q.resetsIn),
          };
          if (!q.allowed) return { status: 402, body: m.quotaExhausted(q.resetsIn), headers, fault: 'quota' };
        }
      }
      if (bodyError && ['POST', 'PUT', 'PATCH'].includes(method)) {
        return { status: 400, body: m.invalidBody(bodyError), ...(headers ? { headers } : {}) };
      }
      const result = await route.handle({ state: routeState, params, body });
      return { ...result, ...(headers ? { headers } : {}) };
    }
    return wrongMethod
      ? { status: 405, body: m.METHOD_NOT_ALLOWED }
      : { status: 404, body: m.ROUTE_NOT_FOUND };
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    const pathname = new URL(req.url ?? '/', 'http://emulator.invalid').pathname;
    const inApi = pathname.startsWith(`${BASE_PATH}/`);
    const { text, tooLarge } = await readBody(req);
    let body: unknown;
    let bodyError: string | null = tooLarge ? 'body exceeds 1 MiB' : null;
    if (!tooLarge && text.trim() !== '') {
      try {
        body = JSON.parse(text);
      } catch (err) {
        bodyError = (err as Error).message;
      }
    }
    const call: RecordedCall = {
      method: req.method ?? 'GET',
      path: inApi ? pathname.slice(BASE_PATH.length) : pathname,
      status: 0,
      at,
      ...(body !== undefined ? { body } : {}),
    };
    calls.push(call);
    const finish = (a: Answer) => {
      call.status = a.status;
      if (a.fault) call.fault = a.fault;
      send(res, a);
      opts.onCall?.(call);
    };
    if (!inApi) return finish({ status: 404, body: m.ROUTE_NOT_FOUND });

    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const fault = faults.decide();
    if (fault.kind === 'drop') {
      call.fault = 'drop';
      req.socket.destroy();
      opts.onCall?.(call);
      return;
    }
    if (fault.kind === 'rate_limit') {
      return finish({
        status: 429,
        body: m.TOO_MANY_REQUESTS,
        headers: { 'Retry-After': String(fault.retryAfterSeconds) },
        fault: 'rate_limit',
      });
    }
    if (fault.kind === 'error')
      return finish({ status: fault.status, body: m.INTERNAL_ERROR, fault: 'error' });

    let result: Answer;
    try {
      result = await answer(req, call.path, body, bodyError, call);
    } catch {
      result = { status: 500, body: m.INTERNAL_ERROR };
    }
    if (fault.kind === 'lost_response') {
      // The change is made; only the answer is lost, as when a connection breaks mid-response.
      call.status = result.status;
      call.fault = 'lost_response';
      req.socket.destroy();
      opts.onCall?.(call);
      return;
    }
    finish(result);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: m.INTERNAL_ERROR });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}${BASE_PATH}`;
  state.baseUrl = url;

  const mustGet = (ws: number, id: number): Subscription => {
    const sub = store.get(ws, id);
    if (!sub) throw new Error(`emulator: ${m.notFound(id, ws)}`);
    return sub;
  };

  let closed: Promise<void> | undefined;
  return {
    url,
    port,
    calls,
    deliveries: state.deliveries,
    resetCalls() {
      calls.length = 0;
      state.deliveries.length = 0;
    },
    setFaults(f) {
      faults.set(f);
    },
    subscriptions: (ws) => store.list(ws),
    seed(ws, sub) {
      if (sub.subscription_id !== undefined && store.exists(sub.subscription_id)) {
        throw new Error(`emulator: subscription ${sub.subscription_id} already exists`);
      }
      const at = now();
      const full: Subscription = {
        subscription_id: sub.subscription_id ?? store.allocateId(),
        workspace_id: ws,
        user_id: sub.user_id ?? state.userId,
        enabled: sub.enabled ?? true,
        description: sub.description,
        event_filters: sub.event_filters ?? [{ entity: '*', action: '*' }],
        url_callback: sub.url_callback ?? 'https://hooks.example.com/seeded',
        secret: sub.secret ?? generateSecret(),
        validated_at: sub.validated_at ?? null,
        has_pending_events: sub.has_pending_events ?? false,
        created_at: sub.created_at ?? at,
        updated_at: sub.updated_at ?? at,
      };
      return store.put(full, full.validated_at ? null : generateValidationCode());
    },
    mutate(ws, id, patch) {
      const existing = mustGet(ws, id);
      const next = { ...existing, ...patch, subscription_id: id, workspace_id: ws };
      let code = store.validationCode(ws, id) ?? null;
      if ('validated_at' in patch) code = patch.validated_at ? null : (code ?? generateValidationCode());
      store.put(next, code);
    },
    remove(ws, id) {
      mustGet(ws, id);
      store.delete(ws, id);
    },
    validationCode: (ws, id) => store.validationCode(ws, id) ?? undefined,
    close() {
      closed ??= new Promise<void>((resolve) => {
        for (const r of state.inFlight) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
