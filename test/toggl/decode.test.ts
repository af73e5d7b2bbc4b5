import { describe, expect, it } from 'vitest';
import { ApiError } from '../../src/errors.js';
import { parseBody, subscriptionAnswer, subscriptionList } from '../../src/toggl/decode.js';

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
    ['{"data": []}', '{"data":[]}'],
    ['an object without items', '{"subscriptions":[]}'],
  ])('%s is E_API_ANSWER', (_what, text) => {
    expect(refusal(() => listFrom(text)).message).toContain('unexpected answer from the API');
  });

  it('the empty answers are empty: [] and {"items": []}, and null as Go writes an empty slice', () => {
    expect(listFrom('[]')).toEqual([]);
    expect(listFrom('{"items":[]}')).toEqual([]);
    expect(listFrom('null')).toEqual([]);
    expect(listFrom('{"items":null}')).toEqual([]);
  });
});

describe('an entry that cannot be trusted to be of the workspace asked for', () => {
  it.each([
    ['no workspace_id', { workspace_id: undefined }, 'subscription 5 workspace_id is not a positive integer'],
    [
      'workspace_id as a string',
      { workspace_id: '1' },
      'subscription 5 workspace_id is not a positive integer',
    ],
    ['workspace_id null', { workspace_id: null }, 'subscription 5 workspace_id is not a positive integer'],
    ['another workspace_id', { workspace_id: 2 }, 'subscription 5 workspace_id names another workspace'],
    ['subscription_id as a string', { subscription_id: '5' }, 'subscription_id is not a positive integer'],
    ['user_id as a string', { user_id: '10' }, 'subscription 5 user_id is not a positive integer'],
  ])('%s is refused', (_what, over, message) => {
    const err = refusal(() => listFrom(JSON.stringify([entry(5, 'a', over)])));
    expect(err.message).toContain(message);
  });

  it.each([
    ['subscription_id', '"subscription_id":5.0', '"subscription_id":5'],
    ['subscription_id', '"subscription_id":5e0', '"subscription_id":5'],
    ['workspace_id', '"workspace_id":1E0', '"workspace_id":1'],
    ['user_id', '"user_id":1e1', '"user_id":10'],
    ['user_id', '"user_id":10.000', '"user_id":10'],
  ])('%s written as a float (%s) is refused, though JSON.parse reads an integer', (field, to, from) => {
    const text = JSON.stringify([entry(5, 'a')]).replace(from, to);
    expect(text).toContain(to);
    expect(refusal(() => listFrom(text)).message).toContain(`${field} is not written as an integer`);
  });

  it('a repeated key is refused whichever value it holds', () => {
    const text = JSON.stringify([entry(5, 'a')]).replace('"enabled":true', '"enabled":true,"enabled":true');
    expect(refusal(() => listFrom(text)).message).toContain('an object repeats the key "enabled"');
  });

  it('floats and look-alike keys elsewhere are read: inside strings, in other fields, in nested objects', () => {
    const text = JSON.stringify([
      entry(5, 'subscription_id: 1.5, "user_id":2e3', {
        has_pending_events: false,
        url_callback: 'https://h.example/?workspace_id=1e3',
      }),
      entry(6, 'b'),
    ]);
    expect(listFrom(text).map((s) => s.subscription_id)).toEqual([5, 6]);
    // The same key in two different objects is not a repeat.
    expect(listFrom(`{"items":${text}}`)).toHaveLength(2);
  });
});

describe('the answer to a change is used only when it is the subscription the call was about', () => {
  const sent = { workspaceId: WS, description: 'Slack: projects' };
  it('the documented answer is read', () => {
    expect(subscriptionAnswer(entry(9, 'Slack: projects'), sent)).toMatchObject({ subscription_id: 9 });
    // NFD vs NFC is one description (docs/plan-rules.md#descriptions).
    expect(
      subscriptionAnswer(entry(9, 'Cafe\u0301'), { workspaceId: WS, description: 'Caf\u00e9' }),
    ).toBeDefined();
  });

  it.each([
    [
      'a string where the id belongs (it could echo a secret)',
      entry(9, 'Slack: projects', { subscription_id: 'SECRET-abc' }),
    ],
    ['another subscription (another description)', entry(7, 'Keep1')],
    ['another workspace', entry(9, 'Slack: projects', { workspace_id: 2 })],
    ['not an object', 'created'],
    ['null', null],
  ])('%s: state unknown (undefined), never taken as live state', (_what, body) => {
    expect(subscriptionAnswer(body, sent)).toBeUndefined();
  });

  it('a PUT or PATCH answer must carry the id the call addressed', () => {
    expect(subscriptionAnswer(entry(9, 'a'), { workspaceId: WS, subscriptionId: 9 })).toBeDefined();
    expect(subscriptionAnswer(entry(8, 'a'), { workspaceId: WS, subscriptionId: 9 })).toBeUndefined();
  });
});
