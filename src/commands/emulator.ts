import { DEFAULTS, startEmulator } from '../emulator/server.js';
import type { EmulatorOptions, FaultOptions } from '../emulator/types.js';
import { TwsError } from '../errors.js';
import { EXIT, type Io, processIo, stopOnSignals } from './shell.js';

export interface EmulatorCommandOptions {
  port: number;
  token: string;
  workspace?: number[];
  maxWebhooks: number;
  maxEvents: number;
  errorRate?: number;
  rateLimitRate?: number;
  latency?: number;
  seed?: number;
  quota?: number;
  quotaWindow: number;
  callbackCheck: boolean;
  quiet?: boolean;
}

/**
 * `emulator` (docs/emulator.md): serves until SIGINT/SIGTERM, then closes cleanly; returns the exit
 * code.
 */
export async function runEmulatorCommand(o: EmulatorCommandOptions, io: Io = processIo): Promise<number> {
  const stdout = (line: string) => io.stdout.write(`${line}\n`);
  const stderr = (line: string) => io.stderr.write(`${line}\n`);
  const faults: FaultOptions = {};
  if (o.errorRate !== undefined) faults.errorRate = o.errorRate;
  if (o.rateLimitRate !== undefined) faults.rateLimitRate = o.rateLimitRate;
  if (o.latency !== undefined) faults.latencyMs = o.latency;
  if (o.seed !== undefined) faults.seed = o.seed;
  const options: EmulatorOptions = {
    port: o.port,
    token: o.token,
    workspaces: o.workspace && o.workspace.length > 0 ? o.workspace : [...DEFAULTS.workspaces],
    limits: { max_webhooks: o.maxWebhooks, max_events_per_webhook: o.maxEvents },
    quota: o.quota === undefined ? { ...DEFAULTS.quota } : { limit: o.quota, windowSeconds: o.quotaWindow },
    faults,
    callbackCheck: o.callbackCheck,
  };
  if (!o.quiet) {
    options.onCall = (c) =>
      stderr(
        // Method, path, status and fault name: nothing a caller sent in a body or header.
        `${c.method} ${c.path} ${c.status === 0 ? 'dropped' : c.status}${c.fault ? ` (${c.fault})` : ''}`,
      );
  }
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  try {
    emu = await startEmulator(options);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TwsError('E_NETWORK', `cannot listen on 127.0.0.1:${o.port}: address in use (try --port 0)`);
    }
    throw err;
  }
  // Listening before the URL is printed, so whoever waits for that line can stop us at once.
  const stop = stopOnSignals();
  // Not redacted on purpose: the emulator's token is a local stand-in and printing it is the point.
  stdout(`Toggl Webhooks API v1 emulator listening on ${emu.url}`);
  stdout(`TOGGL_API_URL=${emu.url} TOGGL_API_TOKEN=${o.token}`);
  stdout(`workspaces: ${options.workspaces?.join(', ')} (Ctrl-C to stop)`);
  const signal = await stop.stopped;
  await emu.close();
  stop.dispose();
  stderr(`emulator stopped (${signal})`);
  return EXIT.ok;
}
