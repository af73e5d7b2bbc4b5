import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { api } from './helpers.js';

const WS_A = 101;
const WS_B = 202;
const sub = {
  description: 'x',
  url_callback: 'https://h.example/x',
  event_filters: [{ entity: 'tag', action: '*' }],
};

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator({
    token: 'token-a',
    workspaces: [WS_A],
    userId: 1,
    callbackCheck: false,
    quota: { limit: 100, windowSeconds: 3600 },
    users: [{ token: 'token-b', userId: 2, workspaces: [WS_B], quota: { limit: 2, windowSeconds: 3600 } }],
  });
});
afterAll(() => emu.close());

describe('emulator: several users (organisations)', () => {
  it('lets each token see only its own workspaces and creates as its own user', async () => {
    expect((await api(emu, 'GET', `/subscriptions/${WS_B}`, { token: 'token-a' })).status).toBe(403);
    expect((await api(emu, 'GET', `/subscriptions/${WS_A}`, { token: 'token-b' })).status).toBe(403);
    const made = await api(emu, 'POST', `/subscriptions/${WS_B}`, { token: 'token-b', body: sub });
    expect(made.status).toBe(200);
    expect((made.body as { user_id: number }).user_id).toBe(2);
    expect(emu.calls.at(-1)?.userId).toBe(2);
  });

  it('keeps a quota per user: one user running out does not stop the other', async () => {
    const b = await api(emu, 'GET', `/subscriptions/${WS_B}`, { token: 'token-b' });
    expect(b.headers.get('x-toggl-quota-remaining')).toBe('0');
    expect((await api(emu, 'GET', `/subscriptions/${WS_B}`, { token: 'token-b' })).status).toBe(402);
    const a = await api(emu, 'GET', `/subscriptions/${WS_A}`, { token: 'token-a' });
    expect(a.status).toBe(200);
    expect(Number(a.headers.get('x-toggl-quota-remaining'))).toBeGreaterThan(90);
  });

  it('refuses two users with one token', async () => {
    await expect(
      startEmulator({ token: 't', users: [{ token: 't', userId: 2, workspaces: [1] }] }),
    ).rejects.toThrow('two users with the same token');
  });
});
