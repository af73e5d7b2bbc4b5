import { ApiError, type ApiErrorContext } from '../errors.js';
import { registerSecret } from '../util/redact.js';
import type { EventFilterCatalog, Subscription, WorkspaceLimits } from './types.js';

/** `json`: a 2xx body that is not JSON is an error (reads must not be guessed). `any`: keep the text. */
export type Expect = 'json' | 'any';

/** The body of a 2xx answer: parsed JSON, the text itself (`any`), or undefined when empty. */
export function parseBody(text: string, expect: Expect, ctx: ApiErrorContext): unknown {
  if (!text.trim()) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // e.g. GET /validate may answer a bare OK; a read that is not JSON (a proxy's HTML page) is an error.
    if (expect === 'any') return text;
    throw unexpected(ctx, 'JSON');
  }
  registerAnswerSecrets(parsed);
  return parsed;
}

/**
 * The live list. The Swagger says an array, the prose docs an object with `items`, and an empty
 * workspace may answer null. Anything else is refused rather than read as "no subscriptions": a
 * misread live state would plan creates (or, worse, miss deletes) for the wrong reason.
 */
export function subscriptionList(body: unknown, ctx: ApiErrorContext): Subscription[] {
  if (body === undefined || body === null) return [];
  let items: unknown = body;
  if (!Array.isArray(body) && isObject(body)) {
    const obj = body as Record<string, unknown>;
    items = 'items' in obj ? obj['items'] : obj['data'];
    if (items === null) return [];
  }
  if (!Array.isArray(items)) throw unexpected(ctx, 'a list of subscriptions');
  const out: Subscription[] = [];
  for (const item of items) {
    const s = isObject(item) ? ({ ...(item as object) } as Record<string, unknown>) : undefined;
    // Ids are integers in the Swagger; an implementation that sends them as digit strings is still clear.
    for (const key of ['subscription_id', 'workspace_id'] as const) {
      if (s && typeof s[key] === 'string' && /^\d+$/.test(s[key] as string)) s[key] = Number(s[key]);
    }
    if (!s || typeof s['subscription_id'] !== 'number' || typeof s['description'] !== 'string') {
      throw unexpected(ctx, 'subscriptions with subscription_id and description');
    }
    // A soft-deleted subscription (a real deleted_at time) no longer exists for planning purposes. A Go
    // zero time ("0001-01-01T00:00:00Z") or an empty value means "not deleted".
    if (isDeletedAt(s['deleted_at'])) continue;
    out.push(s as unknown as Subscription);
  }
  return out;
}

/**
 * The answer to a change. The change is made once the API said 2xx, so an odd body is not an error;
 * the caller treats a missing object as "applied, state unknown" (reconcile's `if (after)`).
 */
export function subscriptionAnswer(body: unknown): Subscription {
  return (isObject(body) ? body : undefined) as Subscription;
}

/** GET /event_filters: an object (or nothing); anything else is refused. */
export function eventFilterCatalog(body: unknown, ctx: ApiErrorContext): EventFilterCatalog {
  if (body === undefined || body === null) return {};
  if (!isObject(body)) throw unexpected(ctx, 'an object');
  return body as EventFilterCatalog;
}

/** GET /limits/{ws}: an object; anything else is refused. */
export function workspaceLimits(body: unknown, ctx: ApiErrorContext): WorkspaceLimits {
  if (!isObject(body)) throw unexpected(ctx, 'an object');
  return body as unknown as WorkspaceLimits;
}

/** The `{status}` answers of ping and GET /status: whatever object came, else nothing. */
export function statusAnswer(body: unknown): { status?: string } {
  return isObject(body) ? (body as { status?: string }) : {};
}

function isDeletedAt(value: unknown): boolean {
  if (typeof value !== 'string' || value === '') return false;
  const at = Date.parse(value);
  return Number.isFinite(at) && at > Date.UTC(2000, 0, 1);
}

function unexpected(ctx: ApiErrorContext, wanted: string): ApiError {
  return new ApiError('E_API', ctx, `unexpected answer from the API (expected ${wanted})`);
}

/** Live secrets are registered as they arrive, so no later log line or error can show one. */
function registerAnswerSecrets(body: unknown): void {
  const list = Array.isArray(body)
    ? body
    : isObject(body) && Array.isArray((body as { items?: unknown }).items)
      ? (body as { items: unknown[] }).items
      : [body];
  for (const item of list) {
    if (isObject(item)) {
      const secret = (item as { secret?: unknown }).secret;
      if (typeof secret === 'string') registerSecret(secret);
    }
  }
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
