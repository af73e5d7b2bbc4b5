import { SCHEMA_ACTIONS, SCHEMA_ENTITIES } from '../generated/event-filters.js';
import type { ApiEventFilter } from '../toggl/types.js';
import * as m from './messages.js';

/** The fields of a POST or PUT body the service acts on; read-only fields in the body are ignored. */
export interface SubscriptionFields {
  description: string;
  url_callback: string;
  event_filters: ApiEventFilter[];
  /** Absent means false, as when the service decodes JSON into a struct with a zero value. */
  enabled: boolean;
  /** Absent or empty: POST generates one, PUT refuses. */
  secret: string;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function optionalString(body: Record<string, unknown>, key: string): string | Error {
  const v = body[key];
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : new Error(`'${key}' must be a string`);
}

function optionalBoolean(body: Record<string, unknown>, key: string): boolean | Error {
  const v = body[key];
  if (v === undefined || v === null) return false;
  return typeof v === 'boolean' ? v : new Error(`'${key}' must be a boolean`);
}

/** Type-level decoding of a POST/PUT body; the documented rules are checked by `checkFields`. */
export function parseSubscriptionBody(body: unknown): Parsed<SubscriptionFields> {
  if (!isObject(body)) return { ok: false, message: m.invalidBody('expected a JSON object') };
  const description = optionalString(body, 'description');
  const url = optionalString(body, 'url_callback');
  const secret = optionalString(body, 'secret');
  const enabled = optionalBoolean(body, 'enabled');
  for (const v of [description, url, secret, enabled]) {
    if (v instanceof Error) return { ok: false, message: m.invalidBody(v.message) };
  }
  const rawFilters = body['event_filters'] ?? [];
  if (!Array.isArray(rawFilters))
    return { ok: false, message: m.invalidBody("'event_filters' must be a list") };
  const filters: ApiEventFilter[] = [];
  for (const f of rawFilters) {
    if (!isObject(f)) return { ok: false, message: m.invalidBody('each event filter must be an object') };
    const entity = optionalString(f, 'entity');
    const action = optionalString(f, 'action');
    if (entity instanceof Error) return { ok: false, message: m.invalidBody(entity.message) };
    if (action instanceof Error) return { ok: false, message: m.invalidBody(action.message) };
    filters.push({ entity, action });
  }
  return {
    ok: true,
    value: {
      description: description as string,
      url_callback: url as string,
      secret: secret as string,
      enabled: enabled as boolean,
      event_filters: filters,
    },
  };
}

/** PATCH body: `{"enabled": bool}`. */
export function parseEnabledBody(body: unknown): Parsed<boolean> {
  if (!isObject(body)) return { ok: false, message: m.invalidBody('expected a JSON object') };
  const enabled = optionalBoolean(body, 'enabled');
  if (enabled instanceof Error) return { ok: false, message: m.invalidBody(enabled.message) };
  return { ok: true, value: enabled };
}

// "letters, numbers and '_'": the service's wording does not restrict letters to ASCII.
const NAME = /^[\p{L}\p{N}_]+$/u;
const ACTIONS = new Set([...SCHEMA_ACTIONS, '*']);

const validName = (v: string): boolean => v === '*' || NAME.test(v);

export const filterKey = (f: ApiEventFilter): string =>
  JSON.stringify({ entity: f.entity, action: f.action });

/**
 * The documented 400 rules that need no other state than the limits, in the order the docs list
 * them; each filter is checked field by field before the duplicate check sees it.
 */
export function checkDescriptionAndFilters(
  fields: SubscriptionFields,
  maxEventsPerWebhook: number,
  descriptionTaken: (description: string) => boolean,
  workspaceId: number,
): string | null {
  if (fields.description.trim() === '') return m.DESCRIPTION_EMPTY;
  if (descriptionTaken(fields.description)) return m.descriptionInUse(fields.description, workspaceId);
  const filters = fields.event_filters;
  if (filters.length === 0) return m.FILTERS_EMPTY;
  if (filters.length > maxEventsPerWebhook) return m.tooManyFilters(maxEventsPerWebhook, filters.length);
  const seen = new Set<string>();
  for (const f of filters) {
    if (f.entity === '') return m.ENTITY_EMPTY;
    if (!validName(f.entity)) return m.entityChars(f.entity);
    if (f.action === '') return m.ACTION_EMPTY;
    if (!validName(f.action)) return m.actionChars(f.action);
    if (!ACTIONS.has(f.action)) return m.invalidAction(f.action);
    const key = filterKey(f);
    if (seen.has(key)) return m.duplicateFilter(key);
    seen.add(key);
  }
  return null;
}

/**
 * GET /event_filters: every documented entity with every action. The one catalogue is generated from
 * the schema (src/generated/event-filters.ts, docs/configuration.md); the Swagger's examples name only
 * client, project and time_entry.
 */
export function eventFilterCatalog(): Record<string, string[]> {
  return Object.fromEntries(SCHEMA_ENTITIES.map((e) => [e, [...SCHEMA_ACTIONS]]));
}
