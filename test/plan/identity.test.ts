import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  canonicalJson,
  hashIdentityDocument,
  planIdentity,
  planKeyFromToken,
} from '../../src/plan/identity.js';
import { planAll } from '../../src/plan/plan.js';
import type { Subscription } from '../../src/toggl/types.js';
import { desiredState } from '../support/desired.js';

const TOKEN = '1971800d4d82861d8f2c1651fea4d212';
const DECLARED_SECRET = 'hunter2';
const LIVE_SECRET = 'live-Secret-9';
const URL_TOKEN = 'q-T0ken';

function fixture() {
  const desired = desiredState([
    {
      workspace_id: 42,
      ignore: ['Zapier*'],
      subscriptions: [
        {
          description: 'Slack',
          url_callback: `https://hooks.example.com/s?token=${URL_TOKEN}`,
          secret: DECLARED_SECRET,
        },
        { description: 'CRM', enabled: false },
      ],
    },
  ]);
  const live = new Map<number, Subscription[]>([
    [
      42,
      [
        {
          subscription_id: 7,
          workspace_id: 42,
          description: 'Slack',
          url_callback: 'https://hooks.example.com/old',
          enabled: true,
          event_filters: [{ entity: 'project', action: 'created' }],
          secret: LIVE_SECRET,
          validated_at: null,
        },
      ],
    ],
  ]);
  return { desired, live, plan: planAll(desired, live) };
}

const identity = (key = planKeyFromToken(TOKEN)) => planIdentity({ ...fixture(), keyFor: () => key });

describe('plan identity', () => {
  it('is pinned: the same input hashes the same on every machine and version of Node', () => {
    // Changing this value breaks every reviewed plan in flight; only do it with a new IDENTITY_VERSION.
    expect(identity().hash).toBe(identity().hash);
    expect(identity().hash).toMatchInlineSnapshot(
      `"f509c765c836dbab548b283156dee3db48b0d2ffb670aa1589f1facff4d0cc55"`,
    );
  });

  it('holds no secret, URL credential or unkeyed digest of one', () => {
    const text = canonicalJson(identity().document);
    for (const value of [DECLARED_SECRET, LIVE_SECRET, URL_TOKEN, TOKEN]) {
      expect(text).not.toContain(value);
      for (const algo of ['md5', 'sha1', 'sha256', 'sha512']) {
        const d = createHash(algo).update(value);
        const bytes = d.digest();
        expect(text).not.toContain(bytes.toString('hex'));
        expect(text).not.toContain(bytes.toString('base64'));
      }
    }
    expect(text).not.toContain('hooks.example.com');
  });

  it('is the SHA-256 of the canonical document, and the document says what was planned', () => {
    const { hash, document } = identity();
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashIdentityDocument(document)).toBe(hash);
    const ws = document.workspaces[0]!;
    expect(ws.token).toBe('TOGGL_API_TOKEN');
    expect(ws.changes.map((c) => [c.action, c.description, c.subscription_id])).toEqual([
      ['update', 'Slack', 7],
      ['create', 'CRM', null],
    ]);
    expect(ws.live?.map((s) => s.subscription_id)).toEqual([7]);
  });

  it('derives a different key, and hash, from another token; never uses the token as the key', () => {
    expect(identity(planKeyFromToken('other-token')).hash).not.toBe(identity().hash);
    expect(Buffer.from(planKeyFromToken(TOKEN)).toString('utf8')).not.toContain(TOKEN);
  });

  it('canonical JSON sorts keys at every level and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { f: 1, e: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"e":0,"f":1}]},"b":1}',
    );
    expect(() => canonicalJson({ a: Number.NaN })).toThrow();
  });
});
