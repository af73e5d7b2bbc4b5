import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../daemon/helpers.js';
import { startDaemon } from '../daemon/process.js';
import { assertBuilt } from '../support/cli.js';
import { type E2E, startE2E, TOKEN, yamlDoc } from '../support/e2e.js';
import { writeTree } from '../support/tmp.js';

/**
 * TOGGL_API_TOKEN_FILE is a Kubernetes Secret: it is rotated in place. The daemon must pick the new
 * token up without a restart, and while Toggl refuses the token it is not ready and says why.
 */
const WS = 1234567;
let e: E2E;
beforeAll(async () => {
  assertBuilt();
  e = await startE2E({ workspaces: [WS] });
});
afterAll(() => e.close());

describe('token file rotation (built CLI daemon, emulator)', () => {
  it('a refused token makes the daemon not ready with the reason; the rotated file makes it ready, no restart', async () => {
    const secretDir = writeTree({ token: 'wrong-token-aaaaaaaa\n' });
    const tokenFile = join(secretDir, 'token');
    const dir = writeTree({ 'ws.yaml': yamlDoc({ workspace_id: WS, subscriptions: [] }) });
    const d = await startDaemon(['--interval', '1s', '--no-watch', dir], {
      ...e.env,
      TOGGL_API_TOKEN: undefined,
      TOGGL_API_TOKEN_FILE: tokenFile,
    });
    try {
      await d.waitForLog((l) => l['msg'] === 'reconcile finished', 'first reconcile');
      const refused = await fetch(`${d.url}/readyz`);
      expect(refused.status).toBe(503);
      expect(await refused.text()).toContain('the API refused the token (401/403)');
      // Before, the file was read once: the daemon kept sending the old token until restarted.
      writeFileSync(tokenFile, `${TOKEN}\n`);
      await waitFor(
        async () => (await fetch(`${d.url}/readyz`)).status === 200,
        'ready after rotation',
        15_000,
      );
      expect(d.stderr()).not.toContain(TOKEN);
      expect(d.stderr()).not.toContain('wrong-token-aaaaaaaa');
    } finally {
      await d.stop();
    }
  });
});
