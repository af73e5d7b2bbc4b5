import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect } from 'vitest';
import type { Emulator } from '../../src/emulator/index.js';
import { emulator, subsYaml, WS } from '../daemon/fixtures.js';
import { waitFor } from '../daemon/helpers.js';
import { type LongRunning, startDaemon } from '../daemon/process.js';
import { assertBuilt } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';
import { tool } from '../support/tools.js';

const prometheus = tool('prometheus');

interface PromResult {
  metric: Record<string, string>;
  value: [number, string];
}

let emu: Emulator | undefined;
let daemon: LongRunning | undefined;
let prom: ChildProcess | undefined;
let promDir: string | undefined;
let promLog = '';

beforeAll(() => assertBuilt());
afterEach(async () => {
  if (prom && prom.exitCode === null) {
    const exited = new Promise((r) => prom!.once('close', r));
    prom.kill('SIGKILL');
    await exited;
  }
  prom = undefined;
  if (daemon) expect((await daemon.stop()).code).toBe(0);
  daemon = undefined;
  await emu?.close();
  if (promDir) await rm(promDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function query(base: string, promql: string): Promise<PromResult[]> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as { status: string; data?: { result: PromResult[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${JSON.stringify(body)}`);
  return body.data?.result ?? [];
}

describe('a real Prometheus scrapes the daemon', () => {
  prometheus.it('stores toggl_webhooks_reconcile_total and toggl_webhooks_drift', async (bin) => {
    const setup = await emulator();
    emu = setup.emu;
    // A dry-run daemon with pending changes, so drift is not 0.
    const dir = writeTree({
      'a.yaml': subsYaml([{ description: 'Slack: projects' }, { description: 'Audit: tags' }]),
    });
    const d = await startDaemon(['--dry-run', '--interval', '1h', dir], setup.env);
    daemon = d;
    const target = new URL(d.url).host;

    promDir = await mkdtemp(path.join(tmpdir(), 'tws-prom-'));
    const config = path.join(promDir, 'prometheus.yml');
    await writeFile(
      config,
      [
        'global:',
        '  scrape_interval: 1s',
        '  evaluation_interval: 1s',
        'scrape_configs:',
        '  - job_name: toggl-webhooks-sync',
        '    static_configs:',
        `      - targets: ['${target}']`,
        '',
      ].join('\n'),
    );
    const port = await freePort();
    prom = spawn(
      bin,
      [
        `--config.file=${config}`,
        `--storage.tsdb.path=${path.join(promDir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--log.level=warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const spawnError = new Promise<Error>((resolve) => prom!.once('error', resolve));
    prom.stdout?.on('data', (b) => (promLog += b));
    prom.stderr?.on('data', (b) => (promLog += b));
    const base = `http://127.0.0.1:${port}`;

    const found = await Promise.race([
      waitFor(
        async () => {
          const [reconciles, drift] = await Promise.all([
            query(base, 'toggl_webhooks_reconcile_total{result="success"}'),
            query(base, `toggl_webhooks_drift{workspace_id="${WS}",action="create"}`),
          ]);
          return reconciles.length > 0 && drift.length > 0 ? { reconciles, drift } : undefined;
        },
        'Prometheus to have scraped the daemon',
        30_000,
        250,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n--- prometheus ---\n${promLog}`);
      }),
      spawnError.then((err) => {
        throw new Error(`prometheus (${bin}) could not start: ${err.message}`);
      }),
    ]);

    expect(found.reconciles[0]!.metric).toMatchObject({
      __name__: 'toggl_webhooks_reconcile_total',
      job: 'toggl-webhooks-sync',
      result: 'success',
    });
    expect(Number(found.reconciles[0]!.value[1])).toBe(1);
    expect(Number(found.drift[0]!.value[1])).toBe(2);
    const up = await query(base, 'up{job="toggl-webhooks-sync"}');
    expect(Number(up[0]?.value[1])).toBe(1);
    // The alert expressions of docs/helm-and-docker.md evaluate against the real series.
    const failing = await query(base, 'increase(toggl_webhooks_reconcile_total{result="error"}[5m]) > 0');
    expect(failing).toEqual([]);
  });
});
