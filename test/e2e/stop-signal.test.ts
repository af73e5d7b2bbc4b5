import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../src/commands/shell.js';
import { assertBuilt, startCli } from '../support/cli.js';
import { yamlDoc } from '../support/e2e.js';
import {
  type HostileAnswer,
  type HostileApi,
  type HostileCall,
  startHostileApi,
} from '../support/hostile-api.js';
import { writeTree } from '../support/tmp.js';

/**
 * A stop signal ends a one-shot `sync` at once while the API is failing: the retry wait is cut and a
 * read in flight is abandoned, so the process exits promptly with EXIT.failed and makes no further
 * call (docs/commands.md). The waits here are a minute long; the bound is far below them.
 */
const WS = 4242;
const TOKEN = 'stop-signal-token-7731';
/** Far below the minute-long waits the API forces, far above a process exit on a busy machine. */
const EXIT_BOUND_MS = 10_000;

let api: HostileApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});
beforeAll(() => assertBuilt());

function files(): string {
  return writeTree({
    'ws.yaml': yamlDoc({
      workspace_id: WS,
      subscriptions: [
        {
          description: 'wanted',
          url_callback: 'https://hooks.example.com/new',
          event_filters: [['project', 'created']],
        },
      ],
    }),
  });
}

/** Starts `sync` against an API that answers every call with `answer`; resolves at its first request. */
async function syncAgainst(answer: (call: HostileCall) => HostileAnswer) {
  let firstCall: () => void = () => {};
  const called = new Promise<void>((resolve) => {
    firstCall = resolve;
  });
  api = await startHostileApi((call) => {
    firstCall();
    return answer(call);
  });
  const cli = startCli(['sync', files()], {
    env: {
      TOGGL_API_URL: api.url,
      TOGGL_API_TOKEN: TOKEN,
      TOGGL_REQUEST_SPACING_MS: '0',
      TOGGL_RETRY_MIN_MS: '60000',
      TOGGL_RETRY_MAX_MS: '60000',
      TOGGL_RETRY_MAX_TIME_MS: '3600000',
      TOGGL_TIMEOUT_MS: '600000',
    },
    timeoutMs: 25_000,
  });
  return { cli, called, api };
}

async function stopAndMeasure(cli: ReturnType<typeof startCli>, a: HostileApi) {
  const callsAtSignal = a.calls.length;
  const sent = performance.now();
  cli.child.kill('SIGTERM');
  const exit = await cli.exit;
  return { exit, elapsedMs: performance.now() - sent, callsAfter: a.calls.length - callsAtSignal };
}

describe('SIGTERM during a one-shot sync against a failing API', () => {
  it('cuts the retry wait: exits at once, no call after the signal', async () => {
    const { cli, api: a } = await syncAgainst(() => ({ status: 503, body: 'down for maintenance' }));
    await cli.waitFor(/retrying an API request/, 20_000);
    const { exit, elapsedMs, callsAfter } = await stopAndMeasure(cli, a);
    expect({ exit, callsAfter }, cli.stderr()).toEqual({
      exit: { code: EXIT.failed, signal: null },
      callsAfter: 0,
    });
    expect(elapsedMs).toBeLessThan(EXIT_BOUND_MS);
    expect(cli.stderr()).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('abandons a read the API never answers: exits at once, no call after the signal', async () => {
    const { cli, called, api: a } = await syncAgainst(() => ({ stall: true }));
    await called;
    const { exit, elapsedMs, callsAfter } = await stopAndMeasure(cli, a);
    expect({ exit, callsAfter }, cli.stderr()).toEqual({
      exit: { code: EXIT.failed, signal: null },
      callsAfter: 0,
    });
    expect(elapsedMs).toBeLessThan(EXIT_BOUND_MS);
    expect(cli.stderr()).not.toMatch(/\n\s+at /);
  });
});
