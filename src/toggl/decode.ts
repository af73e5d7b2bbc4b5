import { ApiError, type ApiErrorContext } from '../errors.js';
import { descriptionKey } from '../util/unicode.js';
import type { EventFilterCatalog, Subscription, WorkspaceLimits } from './types.js';

/** `json`: a 2xx body that is not JSON is an error (reads must not be guessed). `any`: keep the text. */
export type Expect = 'json' | 'any';

/** The body of a 2xx answer: parsed JSON, the text itself (`any`), or undefined when empty (`any` only). */
export function parseBody(text: string, expect: Expect, ctx: ApiErrorContext): unknown {
  if (!text.trim()) {
    // A read answered with nothing (a 204, a blank 200) says nothing about the state asked for.
    if (expect === 'json') throw unexpected(ctx, 'JSON, got no body');
    return undefined;
  }
  if (jsonDepthExceeds(text, MAX_ANSWER_DEPTH)) {
    throw new ApiError(
      'E_API_ANSWER',
      ctx,
      `unexpected answer from the API (nested deeper than ${MAX_ANSWER_DEPTH} levels; refusing to parse it)`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // e.g. GET /validate may answer a bare OK; a read that is not JSON (a proxy's HTML page) is an error.
    if (expect === 'any') return text;
    throw unexpected(ctx, 'JSON');
  }
  if (expect === 'json') {
    const problem = jsonTextProblem(text);
    if (problem) {
      throw new ApiError(
        'E_API_ANSWER',
        ctx,
        `unexpected answer from the API: ${problem}; nothing in this workspace is planned or changed until the answer is well-formed`,
      );
    }
  }
  return parsed;
}

/** Fields the Swagger types as integers: written with a fraction or an exponent, they are refused. */
const INTEGER_FIELDS = new Set([
  'subscription_id',
  'workspace_id',
  'user_id',
  'max_webhooks',
  'max_events_per_webhook',
]);

/**
 * What JSON.parse hides in a valid JSON text: an object that repeats a key (parsers disagree on which
 * value wins, and the last one can make an entry read as another's id) and an integer field written as
 * `1e6` or `5.0` (a number no integer encoder writes). Run on text that JSON.parse accepted, so the
 * tokens are well-formed; a linear scan, keys decoded only for comparison. Names fields, never values.
 */
export function jsonTextProblem(text: string): string | undefined {
  // One entry per open container: the keys seen so far for an object, null for an array.
  const stack: Array<Set<string> | null> = [];
  let expectingKey = false;
  let lastKey: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let j = i + 1;
      while (text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      const keys = stack.at(-1);
      if (keys && expectingKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (keys.has(key)) return `an object repeats the key ${JSON.stringify(key.slice(0, 40))}`;
        keys.add(key);
        lastKey = key;
        expectingKey = false;
      }
      i = j;
    } else if (c === 0x7b) {
      stack.push(new Set());
      expectingKey = true;
    } else if (c === 0x5b) stack.push(null);
    else if (c === 0x7d || c === 0x5d) stack.pop();
    else if (c === 0x2c) expectingKey = stack.at(-1) != null;
    else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      let j = i;
      while (j < text.length && /[-+0-9.eE]/.test(text.charAt(j))) j++;
      const inObject = stack.at(-1) != null;
      if (
        inObject &&
        lastKey !== undefined &&
        INTEGER_FIELDS.has(lastKey) &&
        /[.eE]/.test(text.slice(i, j))
      ) {
        return `${lastKey} is not written as an integer`;
      }
      i = j - 1;
    }
  }
  return undefined;
}

/**
 * The deepest a real answer nests is 4 (list, subscription, filters, filter). Within the 4 MiB body
 * budget, 2 million nested `[` took JSON.parse to over 400 MB; a linear scan refuses that first.
 */
export const MAX_ANSWER_DEPTH = 64;

/** Whether `[`/`{` nest deeper than `max` outside JSON strings (a lexical scan, no allocation). */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * The live list. The Swagger says an array, the prose docs an object with `items` (an array). An empty
 * workspace is `[]` or `{"items": []}`, and also `null` or `{"items": null}`: the API is written in Go,
 * whose JSON encoder writes an empty (nil) slice as `null`, as it does for `event_filters`. Refusing
 * that would block a new workspace's first sync for good, and reading it as empty is safe: an empty
 * live list plans only creates, never a delete, and a create that collides goes through the strict
 * adopt path. Anything else (no body, whitespace, a 204, `{"data": []}`) is refused rather than read as
 * "no subscriptions" (docs/limits-and-budgets.md, "API answers").
 */
export function subscriptionList(body: unknown, ctx: ApiErrorContext): Subscription[] {
  if (body === undefined) throw unexpected(ctx, 'a list of subscriptions, got no body');
  let items: unknown = body;
  if (isObject(body)) items = (body as Record<string, unknown>)['items'];
  if (items === null) return [];
  if (!Array.isArray(items)) throw unexpected(ctx, 'a list of subscriptions');
  const out: Subscription[] = [];
  items.forEach((item, index) => {
    const s = isObject(item) ? ({ ...(item as object) } as Record<string, unknown>) : undefined;
    if (!s) throw malformed(ctx, index, undefined, 'is not an object');
    // A soft-deleted subscription (a real deleted_at time) no longer exists for planning purposes. A Go
    // zero time ("0001-01-01T00:00:00Z") or an empty value means "not deleted".
    if (isDeletedAt(s['deleted_at'])) return;
    // Go encodes an empty list as null.
    if (s['event_filters'] === null) s['event_filters'] = [];
    const problem = subscriptionShapeProblem(s, ctx.workspaceId);
    if (problem) throw malformed(ctx, index, s['subscription_id'], problem);
    out.push(s as unknown as Subscription);
  });
  const duplicate = firstDuplicateId(items);
  if (duplicate !== undefined) {
    // Two entries with one id cannot both be true: planning one as "declared" and the other as
    // "undeclared" would DELETE that id, which is the declared subscription (docs/limits-and-budgets.md).
    throw new ApiError(
      'E_API_ANSWER',
      ctx,
      `unexpected answer from the API: subscription ${duplicate} is listed more than once; nothing in this workspace is planned or changed until the answer is well-formed`,
    );
  }
  return out;
}

/** The first subscription_id that two entries of a list share (soft-deleted ones included), or undefined. */
function firstDuplicateId(items: readonly unknown[]): number | undefined {
  const seen = new Set<number>();
  for (const item of items) {
    if (!isObject(item)) continue;
    const id = (item as Record<string, unknown>)['subscription_id'];
    if (typeof id !== 'number') continue;
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}

/**
 * What makes a listed subscription not the documented shape (models.WebhookSubscription), or
 * undefined. Checked at the boundary so nothing downstream meets a wrong type: before, an
 * `event_filters` that was not a list threw a TypeError deep in the planner, which stopped every
 * workspace. An entry that claims another workspace is refused too: every call targets only the
 * workspace being reconciled. Messages name fields, never values (a value may be a secret).
 */
export function subscriptionShapeProblem(
  s: Record<string, unknown>,
  workspaceId: number | undefined,
): string | undefined {
  const id = s['subscription_id'];
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id <= 0)
    return 'subscription_id is not a positive integer';
  if (typeof s['description'] !== 'string') return 'description is not a string';
  if (typeof s['url_callback'] !== 'string') return 'url_callback is not a string';
  if (typeof s['enabled'] !== 'boolean') return 'enabled is not true or false';
  const filters = s['event_filters'];
  if (!Array.isArray(filters)) return 'event_filters is not a list';
  for (const f of filters) {
    if (!isObject(f)) return 'event_filters holds an entry that is not an object';
    const { entity, action } = f as Record<string, unknown>;
    if (typeof entity !== 'string' || typeof action !== 'string') {
      return 'event_filters holds an entry without a string entity and action';
    }
  }
  for (const key of ['secret', 'validated_at', 'created_at', 'updated_at'] as const) {
    const v = s[key];
    if (v !== undefined && v !== null && typeof v !== 'string') return `${key} is not a string`;
  }
  const pending = s['has_pending_events'];
  if (pending !== undefined && pending !== null && typeof pending !== 'boolean') {
    return 'has_pending_events is not true or false';
  }
  // Ids are integers in the Swagger; a digit string, a missing workspace_id or another workspace's id
  // is an entry that cannot be trusted to be this workspace's (every call targets only the workspace
  // being reconciled).
  const ws = s['workspace_id'];
  if (typeof ws !== 'number' || !Number.isSafeInteger(ws) || ws <= 0)
    return 'workspace_id is not a positive integer';
  if (workspaceId !== undefined && ws !== workspaceId) return 'workspace_id names another workspace';
  const user = s['user_id'];
  if (
    user !== undefined &&
    user !== null &&
    (typeof user !== 'number' || !Number.isSafeInteger(user) || user <= 0)
  )
    return 'user_id is not a positive integer';
  return undefined;
}

function malformed(ctx: ApiErrorContext, index: number, id: unknown, problem: string): ApiError {
  const which =
    typeof id === 'number' && Number.isSafeInteger(id)
      ? `subscription ${id}`
      : `entry ${index + 1} of the list`;
  return new ApiError(
    'E_API_ANSWER',
    ctx,
    `unexpected answer from the API: ${which} ${problem}; nothing in this workspace is planned or changed until the answer is well-formed`,
  );
}

/** What a change was about, to check its answer against: the subscription it made or changed. */
export interface AnswerExpectation {
  workspaceId: number;
  /** PUT and PATCH: the id the call addressed. */
  subscriptionId?: number;
  /** POST and PUT: the description sent. */
  description?: string;
}

/**
 * The answer to a change. The change is made once the API said 2xx, so an odd body is not an error:
 * the caller treats `undefined` as "applied, state unknown" (the next list tells). An answer is used
 * only when it is the documented shape and is the subscription the call was about (its workspace, the
 * id addressed, the description sent): an answer that names another subscription, or carries a
 * string where the id belongs, is never taken as live state nor printed (docs/limits-and-budgets.md,
 * "API answers").
 */
export function subscriptionAnswer(body: unknown, expected: AnswerExpectation): Subscription {
  if (!isObject(body)) return undefined as unknown as Subscription;
  const s = { ...(body as Record<string, unknown>) };
  if (s['event_filters'] === null) s['event_filters'] = [];
  if (subscriptionShapeProblem(s, expected.workspaceId) !== undefined)
    return undefined as unknown as Subscription;
  if (expected.subscriptionId !== undefined && s['subscription_id'] !== expected.subscriptionId)
    return undefined as unknown as Subscription;
  if (
    expected.description !== undefined &&
    descriptionKey(s['description'] as string) !== descriptionKey(expected.description)
  )
    return undefined as unknown as Subscription;
  return s as unknown as Subscription;
}

/** GET /event_filters: an object; anything else (no body, `null`) is refused. */
export function eventFilterCatalog(body: unknown, ctx: ApiErrorContext): EventFilterCatalog {
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
  return new ApiError('E_API_ANSWER', ctx, `unexpected answer from the API (expected ${wanted})`);
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
