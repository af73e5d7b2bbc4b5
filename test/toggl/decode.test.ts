import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { parseBody, subscriptionList } from '../../src/toggl/decode.js';

/**
 * The list answer at the boundary (docs/limits-and-budgets.md, "API answers"): only the documented
 * shape is read; anything else fails its workspace with E_API_ANSWER instead of being guessed at.
 */
const WS = 1;
const ctx = { method: 'GET', path: `/subscriptions/${WS}`, workspaceId: WS, status: 200 };

const entry = (id: number, description: string, over: Record<string, unknown> = {}) => ({
  subscription_id: id,
  workspace_id: WS,
  user_id: 10,
  description,
  url_callback: `https://hooks.example.com/${id}`,
  enabled: true,
  event_filters: [{ entity: 'project', action: 'created' }],
  ...over,
});

/** The list as the client reads it: the body's text through parseBody, then subscriptionList. */
const listFrom = (text: string) => subscriptionList(parseBody(text, 'json', ctx), ctx);

function refusal(read: () => unknown): ApiError {
  try {
    read();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'E_API_ANSWER' });
    return err as ApiError;
  }
  throw new Error('expected the answer to be refused');
}

describe('a list whose subscription ids are not unique', () => {
  it('two entries with one id are refused (before: both were read, and the "undeclared" one deleted)', () => {
    const err = refusal(() => listFrom(JSON.stringify([entry(5, 'declared'), entry(5, 'hand-made')])));
    expect(err.message).toContain('subscription 5 is listed more than once');
  });

  it('a duplicate key that makes two entries share an id is refused too', () => {
    // JSON.parse keeps the last of duplicate keys: the first entry reads as id 5.
    const text = `[${JSON.stringify(entry(7, 'declared')).replace('"subscription_id":7', '"subscription_id":7,"subscription_id":5')},${JSON.stringify(entry(5, 'other'))}]`;
    refusal(() => listFrom(text));
  });

  it('a soft-deleted entry sharing an id with a live one is refused', () => {
    const gone = entry(5, 'old', { deleted_at: '2026-01-01T00:00:00Z' });
    refusal(() => listFrom(JSON.stringify([gone, entry(5, 'declared')])));
  });

  it('distinct ids are read as listed', () => {
    const list = listFrom(JSON.stringify([entry(5, 'a'), entry(6, 'b')]));
    expect(list.map((s) => s.subscription_id)).toEqual([5, 6]);
  });
});

describe('a list answer that is not a list is never an empty workspace', () => {
  it.each([
    ['an empty body', ''],
    ['a whitespace-only body', ' \r\n\t '],
    ['null (the docs document an array, or {items: [...]}; never null)', 'null'],
    ['{"items": null}', '{"items":null}'],
    ['{"data": []}', '{"data":[]}'],
    ['an object without items', '{"subscriptions":[]}'],
  ])('%s is E_API_ANSWER', (_what, text) => {
    expect(refusal(() => listFrom(text)).message).toContain('unexpected answer from the API');
  });

  it('the documented empty answers are empty: [] and {"items": []}', () => {
    expect(listFrom('[]')).toEqual([]);
    expect(listFrom('{"items":[]}')).toEqual([]);
  });
});
