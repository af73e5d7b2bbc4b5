import { writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../../src/emulator/index.js';
import { assertBuilt } from '../support/cli.js';
import { type E2E, startE2E } from '../support/e2e.js';

// End to end: `sync --ping-new` (built CLI) against the emulator with its real callback checks, and a
// real receiver on loopback that echoes `validation_code`, as the docs' synchronous validation asks.

interface Receiver {
  url: string;
  requests: Array<{ body: Record<string, unknown>; signature: string | undefined; raw: string }>;
  close(): Promise<void>;
}

/**
 * Answers 200 to everything; echoes the validation code from its second request on. The first request
 * is the API's URL check on create / URL change, so only a ping made afterwards can validate it: the
 * receiver that comes up before it learns to answer (or an API whose URL check carries no code).
 */
async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw) as Record<string, unknown>;
      const header = req.headers['x-webhook-signature-256'];
      requests.push({ body, raw, signature: typeof header === 'string' ? header : undefined });
      const echo = requests.length > 1 && typeof body['validation_code'] === 'string';
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(echo ? { validation_code: body['validation_code'] } : {}));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    requests,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

let e2e: E2E | undefined;
const receivers: Receiver[] = [];
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
beforeAll(() => assertBuilt());

function file(ws: number, description: string, url: string): string {
  return (
    `workspace_id: ${ws}\nsubscriptions:\n  - description: ${JSON.stringify(description)}\n` +
    `    url_callback: ${url}\n    event_filters:\n      - { entity: project, action: created }\n`
  );
}

describe('sync --ping-new (built CLI, emulator, real receiver)', () => {
  it('validates a new subscription whose receiver echoes the code; without the flag it stays unvalidated', async () => {
    e2e = await startE2E({ workspaces: [401, 402], callbackCheck: true });
    const plain = await startReceiver();
    const pinged = await startReceiver();
    receivers.push(plain, pinged);
    const dir = e2e.files({
      'plain.yaml': file(401, 'Without ping', plain.url),
      'pinged.yaml': file(402, 'With ping', pinged.url),
    });

    const without = await e2e.cli(['sync', `${dir}/plain.yaml`]);
    expect(without.code).toBe(0);
    const withFlag = await e2e.cli(['sync', '--ping-new', `${dir}/pinged.yaml`]);
    expect(withFlag.code).toBe(0);

    const [plainSub] = e2e.emu.subscriptions(401);
    const [pingedSub] = e2e.emu.subscriptions(402);
    expect(plainSub?.validated_at).toBeNull();
    expect(pingedSub?.validated_at).toEqual(expect.any(String));

    // Exactly one ping, for the new subscription; the receiver got the URL check, then the signed ping.
    const pings = e2e.emu.calls.filter((c) => c.path.startsWith('/ping/'));
    expect(pings.map((c) => `${c.method} ${c.path} ${c.status}`)).toEqual([
      `POST /ping/402/${pingedSub?.subscription_id} 200`,
    ]);
    expect(plain.requests).toHaveLength(1);
    expect(pinged.requests).toHaveLength(2);
    const ping = pinged.requests[1]!;
    expect(typeof ping.body['validation_code']).toBe('string');
    expect(ping.signature).toBe(signBody(pingedSub?.secret ?? '', ping.raw));

    // status agrees: one validated, one not (with the hint).
    const status = await e2e.cli(['status', dir]);
    expect(status.stdout).toContain(
      `"With ping" (id ${pingedSub?.subscription_id}): in sync, enabled, validated `,
    );
    expect(status.stdout).toContain(
      `! "Without ping" (id ${plainSub?.subscription_id}): in sync, enabled, NOT validated`,
    );
  });

  it('pings again after a URL change, and not after a filter-only change', async () => {
    e2e = await startE2E({ workspaces: [401], callbackCheck: true });
    const first = await startReceiver();
    const second = await startReceiver();
    receivers.push(first, second);
    const dir = e2e.files({ 'a.yaml': file(401, 'Moving', first.url) });
    expect((await e2e.cli(['sync', '--ping-new', dir])).code).toBe(0);
    const id = e2e.emu.subscriptions(401)[0]?.subscription_id;
    expect(e2e.emu.subscriptions(401)[0]?.validated_at).toEqual(expect.any(String));

    // New URL: the API resets validation; the ping validates it again at the new receiver.
    const moved = file(401, 'Moving', second.url);
    writeFileSync(`${dir}/a.yaml`, moved);
    e2e.emu.resetCalls();
    expect((await e2e.cli(['sync', '--ping-new', dir])).code).toBe(0);
    expect(e2e.emu.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'GET /subscriptions/401',
      // A URL change grows no limit: no pre-check request (docs/plan-rules.md).
      `PUT /subscriptions/401/${id}`,
      `POST /ping/401/${id}`,
    ]);
    expect(e2e.emu.subscriptions(401)[0]?.validated_at).toEqual(expect.any(String));
    expect(second.requests).toHaveLength(2);

    // Filters only: no ping.
    writeFileSync(`${dir}/a.yaml`, moved.replace('project, action: created', 'project, action: "*"'));
    e2e.emu.resetCalls();
    expect((await e2e.cli(['sync', '--ping-new', dir])).code).toBe(0);
    expect(e2e.emu.calls.filter((c) => c.path.startsWith('/ping/'))).toEqual([]);
  });
});
