#!/usr/bin/env node
// `npm run demo`: the whole loop on your machine, no Toggl account needed, in a few seconds.
// Starts the API emulator and a tiny webhook receiver on loopback, seeds a workspace with hand-made
// subscriptions, then runs the built CLI three times against examples/demo/: plan, apply, re-sync.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const { startEmulator } = await import(new URL('../.tmp/lib/emulator/index.js', import.meta.url).href);

const TEAM = 1234567;
const REPORTING = 7654321;
const TOKEN = 'demo-token';
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const heading = (text) => process.stdout.write(`\n${color ? `\u001b[1;36m${text}\u001b[0m` : text}\n\n`);

// A webhook endpoint that passes the API's URL check and validates itself: it answers every event
// with 200 and echoes the ping's `validation_code`, as the Toggl docs describe.
const receiver = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let code;
    try {
      code = JSON.parse(Buffer.concat(chunks).toString('utf8')).validation_code;
    } catch {}
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(code ? { validation_code: code } : {}));
  });
});
await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${receiver.address().port}`;

const emulator = await startEmulator({ port: 0, token: TOKEN, workspaces: [TEAM, REPORTING] });

// Drift made by hand in the Toggl UI, which the files will correct:
emulator.seed(TEAM, {
  description: 'Slack: new projects',
  url_callback: `${receiverUrl}/slack-old`,
  event_filters: [{ entity: 'project', action: 'created' }],
});
emulator.seed(TEAM, {
  description: 'Billing: client changes',
  url_callback: `${receiverUrl}/billing`,
  event_filters: [{ entity: 'client', action: '*' }],
  enabled: true,
});
emulator.seed(TEAM, {
  description: 'Old: hand-made test hook',
  url_callback: `${receiverUrl}/test`,
  event_filters: [{ entity: 'task', action: '*' }],
});
emulator.seed(TEAM, {
  description: 'Zapier: CRM sync',
  url_callback: 'https://hooks.zapier.example/crm',
  event_filters: [{ entity: 'client', action: 'created' }],
});
emulator.seed(REPORTING, {
  description: 'Made by hand: kept because prune is false',
  url_callback: `${receiverUrl}/manual`,
  event_filters: [{ entity: 'project', action: '*' }],
});

const env = {
  ...process.env,
  TOGGL_API_URL: emulator.url,
  TOGGL_API_TOKEN: TOKEN,
  // The real API asks for at most 1 request per second; the local emulator does not need the spacing.
  TOGGL_REQUEST_SPACING_MS: '0',
  DEMO_RECEIVER_URL: receiverUrl,
  DEMO_SECRET: `demo-${randomBytes(12).toString('hex')}`,
};
delete env.TOGGL_API_TOKEN_FILE;

function run(args) {
  process.stdout.write(
    `${color ? '\u001b[2m' : ''}$ toggl-webhooks-sync ${args.join(' ')}${color ? '\u001b[0m' : ''}\n`,
  );
  return new Promise((resolve, reject) => {
    // Asynchronous: the emulator and receiver live in this process and must keep answering.
    const child = spawn(process.execPath, [cli, ...args], { cwd: root, env, stdio: 'inherit' });
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
}

let failed = false;
const expectCode = (step, code, wanted) => {
  if (code !== wanted) {
    failed = true;
    process.stderr.write(`demo: ${step} exited ${code}, expected ${wanted}\n`);
  }
};

try {
  process.stdout.write(
    `Toggl Webhooks API emulator at ${emulator.url}\n` +
      `workspace ${TEAM}: 4 subscriptions made by hand; workspace ${REPORTING}: 1\n` +
      'desired state: examples/demo/*.yaml\n',
  );

  heading('1. Plan: what would change (sync --dry-run, as CI runs it on a pull request)');
  expectCode('sync --dry-run', await run(['sync', '--dry-run', '--detailed-exitcode', 'examples/demo']), 2);

  heading('2. Apply it (sync)');
  expectCode('sync', await run(['sync', 'examples/demo']), 0);

  heading('3. Sync again: nothing left to do, one GET per workspace');
  emulator.resetCalls();
  expectCode('second sync', await run(['sync', '--detailed-exitcode', 'examples/demo']), 0);
  const calls = emulator.calls.map((c) => `${c.method} ${c.path}`);
  process.stdout.write(`\nAPI calls made by the second sync: ${calls.join(', ')}\n`);

  const validated = emulator.subscriptions(TEAM).filter((s) => s.validated_at).length;
  process.stdout.write(
    `Workspace ${TEAM} now has ${emulator.subscriptions(TEAM).length} subscriptions (${validated} validated by the receiver).\n`,
  );
} finally {
  await emulator.close();
  await new Promise((resolve) => receiver.close(resolve));
  receiver.closeAllConnections?.();
}

if (failed) process.exit(1);
heading('Done. Try it against your own workspace: export TOGGL_API_TOKEN=... and run sync --dry-run.');
