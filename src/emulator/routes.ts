import type { ClientRequest } from 'node:http';
import type { Subscription, WorkspaceLimits } from '../toggl/types.js';
import { deliver, echoesCode, pingEvent, signBody, unusableUrl } from './callbacks.js';
import * as m from './messages.js';
import { generateSecret, generateValidationCode, now, type Store } from './store.js';
import type { Delivery } from './types.js';
import {
  checkDescriptionAndFilters,
  eventFilterCatalog,
  parseEnabledBody,
  parseSubscriptionBody,
  type SubscriptionFields,
} from './validation.js';

export interface EmulatorState {
  store: Store;
  userId: number;
  limits: WorkspaceLimits;
  callbackCheck: boolean;
  callbackTimeoutMs: number;
  /** The API base URL, for `validation_code_url` in pings. */
  baseUrl: string;
  deliveries: Delivery[];
  inFlight: Set<ClientRequest>;
}

export interface RouteResult {
  status: number;
  body: unknown;
}

export interface RouteContext {
  state: EmulatorState;
  params: Record<string, string>;
  body: unknown;
}

export interface Route {
  method: string;
  /** Segments below the base path; `:ws` and `:id` match decimal integers only. */
  pattern: string[];
  /** Basic auth with the token and access to `:ws` are required. */
  auth: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

const ok = (body: unknown): RouteResult => ({ status: 200, body });
const badRequest = (message: string): RouteResult => ({ status: 400, body: message });
const notFound = (ctx: RouteContext): RouteResult => ({
  status: 404,
  body: m.notFound(ctx.params['id'] ?? '', ctx.params['ws'] ?? ''),
});

const num = (ctx: RouteContext, name: 'ws' | 'id'): number => Number(ctx.params[name]);

type CheckOutcome = { error: string } | { validated: boolean };

/**
 * The callback check the real service makes: a signed PING to `url_callback`, carrying the
 * validation code while unvalidated. Any 2xx passes (the overview says 2xx); an echoed code validates.
 */
async function callbackCheck(
  state: EmulatorState,
  sub: Subscription,
  code: string | null,
  expectation: m.CallbackExpectation,
): Promise<CheckOutcome> {
  const raw = pingEvent(sub, code, state.baseUrl);
  const secret = sub.secret ?? '';
  const at = Date.now();
  const outcome = await deliver(sub.url_callback, secret, raw, state.callbackTimeoutMs, state.inFlight);
  const signature = signBody(secret, raw);
  if (outcome.kind === 'failed') {
    state.deliveries.push({
      url: sub.url_callback,
      body: raw,
      signature,
      status: null,
      error: outcome.error,
      at,
    });
    return { error: m.callbackFailed(sub.url_callback, outcome.error) };
  }
  state.deliveries.push({ url: sub.url_callback, body: raw, signature, status: outcome.status, at });
  if (outcome.status < 200 || outcome.status > 299) {
    return { error: m.callbackStatus(sub.url_callback, outcome.status, expectation) };
  }
  return { validated: echoesCode(outcome.body, code) };
}

function enabledLimitError(state: EmulatorState, ws: number, exceptId?: number): string | null {
  const max = state.limits.max_webhooks;
  return state.store.countEnabled(ws, state.userId, exceptId) >= max
    ? m.enabledLimit(state.userId, max, ws)
    : null;
}

/** Every documented rule of a POST/PUT body that depends on stored state, in the docs' order. */
function checkFields(
  state: EmulatorState,
  ws: number,
  fields: SubscriptionFields,
  exceptId: number | undefined,
  mode: 'create' | 'update',
  enabling: boolean,
): string | null {
  const ruleError = checkDescriptionAndFilters(
    fields,
    state.limits.max_events_per_webhook,
    (d) => state.store.descriptionTaken(ws, d, exceptId),
    ws,
  );
  if (ruleError) return ruleError;
  if (mode === 'update' && fields.secret === '') return m.SECRET_EMPTY;
  const unusable = unusableUrl(fields.url_callback);
  if (unusable) return m.callbackFailed(fields.url_callback, unusable);
  return enabling ? enabledLimitError(state, ws, exceptId) : null;
}

async function create(ctx: RouteContext): Promise<RouteResult> {
  const { state } = ctx;
  const ws = num(ctx, 'ws');
  const parsed = parseSubscriptionBody(ctx.body);
  if (!parsed.ok) return badRequest(parsed.message);
  const fields = parsed.value;
  const error = checkFields(state, ws, fields, undefined, 'create', fields.enabled);
  if (error) return badRequest(error);
  const at = now();
  const draft: Subscription = {
    subscription_id: state.store.allocateId(),
    workspace_id: ws,
    user_id: state.userId,
    enabled: fields.enabled,
    description: fields.description,
    event_filters: fields.event_filters,
    url_callback: fields.url_callback,
    secret: fields.secret === '' ? generateSecret() : fields.secret,
    validated_at: null,
    has_pending_events: false,
    created_at: at,
    updated_at: at,
  };
  const code = generateValidationCode();
  let validated = false;
  if (state.callbackCheck) {
    const checked = await callbackCheck(state, draft, code, '200');
    if ('error' in checked) return badRequest(checked.error);
    validated = checked.validated;
    // Other requests ran while the receiver answered: the rules are checked again before storing.
    const again = checkFields(state, ws, fields, undefined, 'create', fields.enabled);
    if (again) return badRequest(again);
  }
  if (validated) draft.validated_at = now();
  return ok(state.store.put(draft, validated ? null : code));
}

async function update(ctx: RouteContext): Promise<RouteResult> {
  const { state } = ctx;
  const ws = num(ctx, 'ws');
  const id = num(ctx, 'id');
  const existing = state.store.get(ws, id);
  if (!existing) return notFound(ctx);
  const parsed = parseSubscriptionBody(ctx.body);
  if (!parsed.ok) return badRequest(parsed.message);
  const fields = parsed.value;
  const enabling = fields.enabled && !existing.enabled;
  const error = checkFields(state, ws, fields, id, 'update', fields.enabled);
  if (error) return badRequest(error);
  const urlChanged = fields.url_callback !== existing.url_callback;
  // A new URL has to be proven again: validation is about access to that endpoint.
  let code = urlChanged ? generateValidationCode() : (state.store.validationCode(ws, id) ?? null);
  let validatedAt = urlChanged ? null : (existing.validated_at ?? null);
  const next: Subscription = {
    ...existing,
    description: fields.description,
    url_callback: fields.url_callback,
    event_filters: fields.event_filters,
    enabled: fields.enabled,
    secret: fields.secret,
    validated_at: validatedAt,
    updated_at: now(),
  };
  if (state.callbackCheck && (urlChanged || enabling)) {
    const checked = await callbackCheck(state, next, code, '2xx');
    if ('error' in checked) return badRequest(checked.error);
    if (!state.store.get(ws, id)) return notFound(ctx);
    const again = checkFields(state, ws, fields, id, 'update', fields.enabled);
    if (again) return badRequest(again);
    if (checked.validated) {
      code = null;
      validatedAt = now();
    }
  }
  next.validated_at = validatedAt;
  return ok(state.store.put(next, code));
}

async function patch(ctx: RouteContext): Promise<RouteResult> {
  const { state } = ctx;
  const ws = num(ctx, 'ws');
  const id = num(ctx, 'id');
  const existing = state.store.get(ws, id);
  if (!existing) return notFound(ctx);
  const parsed = parseEnabledBody(ctx.body);
  if (!parsed.ok) return badRequest(parsed.message);
  const enabled = parsed.value;
  if (enabled === existing.enabled) return ok(existing);
  let code = state.store.validationCode(ws, id) ?? null;
  let validatedAt = existing.validated_at ?? null;
  if (enabled) {
    const limit = enabledLimitError(state, ws, id);
    if (limit) return badRequest(limit);
    if (state.callbackCheck) {
      const checked = await callbackCheck(state, existing, code, '200');
      if ('error' in checked) return badRequest(checked.error);
      if (!state.store.get(ws, id)) return notFound(ctx);
      const again = enabledLimitError(state, ws, id);
      if (again) return badRequest(again);
      if (checked.validated) {
        code = null;
        validatedAt = now();
      }
    }
  }
  const current = state.store.get(ws, id) ?? existing;
  return ok(state.store.put({ ...current, enabled, validated_at: validatedAt, updated_at: now() }, code));
}

function remove(ctx: RouteContext): RouteResult {
  const deleted = ctx.state.store.delete(num(ctx, 'ws'), num(ctx, 'id'));
  if (!deleted) return notFound(ctx);
  return ok({ ...deleted, deleted_at: now() });
}

/**
 * POST /ping: delivered whether or not the subscription is enabled or validated (per the docs).
 * The docs only document `{"status": string}`; a failed delivery is reported in `status`.
 */
async function ping(ctx: RouteContext): Promise<RouteResult> {
  const { state } = ctx;
  const ws = num(ctx, 'ws');
  const id = num(ctx, 'id');
  const sub = state.store.get(ws, id);
  if (!sub) return notFound(ctx);
  if (!state.callbackCheck) return ok({ status: 'OK' });
  const code = state.store.validationCode(ws, id) ?? null;
  const checked = await callbackCheck(state, sub, code, '2xx');
  if ('error' in checked) return ok({ status: checked.error });
  if (checked.validated && state.store.validationCode(ws, id) === code) state.store.markValidated(ws, id);
  return ok({ status: 'OK' });
}

function validate(ctx: RouteContext): RouteResult {
  const { store } = ctx.state;
  const ws = num(ctx, 'ws');
  const id = num(ctx, 'id');
  const given = ctx.params['code'] ?? '';
  const sub = store.get(ws, id);
  if (sub && store.validationCode(ws, id) === null) return badRequest(m.alreadyValidated(id));
  if (!sub || store.validationCode(ws, id) !== given) {
    return badRequest(m.validationCodeNotFound(id, ws, given));
  }
  store.markValidated(ws, id);
  return ok(m.VALIDATED_OK);
}

/** Documented in the request examples only (not in the Swagger); the emulator stores no events. */
function events(ctx: RouteContext): RouteResult {
  if (!ctx.state.store.get(num(ctx, 'ws'), num(ctx, 'id'))) return notFound(ctx);
  return ok({ total: 0, events: [] });
}

export const ROUTES: Route[] = [
  { method: 'GET', pattern: ['status'], auth: false, handle: () => ok({ status: 'OK' }) },
  { method: 'GET', pattern: ['event_filters'], auth: false, handle: () => ok(eventFilterCatalog()) },
  {
    method: 'GET',
    pattern: ['limits', ':ws'],
    auth: false,
    handle: ({ state }) =>
      ok({
        max_events_per_webhook: state.limits.max_events_per_webhook,
        max_webhooks: state.limits.max_webhooks,
      }),
  },
  {
    method: 'GET',
    pattern: ['subscriptions', ':ws'],
    auth: true,
    handle: (ctx) => ok(ctx.state.store.list(num(ctx, 'ws'))),
  },
  { method: 'POST', pattern: ['subscriptions', ':ws'], auth: true, handle: create },
  { method: 'PUT', pattern: ['subscriptions', ':ws', ':id'], auth: true, handle: update },
  { method: 'PATCH', pattern: ['subscriptions', ':ws', ':id'], auth: true, handle: patch },
  { method: 'DELETE', pattern: ['subscriptions', ':ws', ':id'], auth: true, handle: remove },
  { method: 'GET', pattern: ['subscriptions', ':ws', ':id', 'events'], auth: true, handle: events },
  { method: 'POST', pattern: ['ping', ':ws', ':id'], auth: true, handle: ping },
  { method: 'GET', pattern: ['validate', ':ws', ':id', ':code'], auth: false, handle: validate },
];

const INTEGER = /^[0-9]{1,15}$/;

/** Matches segments against a pattern; null when they do not fit (ids must be decimal integers). */
export function matchPattern(pattern: string[], segments: string[]): Record<string, string> | null {
  if (pattern.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] as string;
    const s = segments[i] as string;
    if (p.startsWith(':')) {
      if (s === '' || ((p === ':ws' || p === ':id') && !INTEGER.test(s))) return null;
      params[p.slice(1)] = s;
    } else if (p !== s) {
      return null;
    }
  }
  return params;
}
