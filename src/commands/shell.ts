import type { TokenClients, TokenRouting } from '../apply/token-clients.js';
import type { DesiredState } from '../config/types.js';
import { ConfigError, type ConfigIssue, formatIssue, TwsError } from '../errors.js';
import type { RunSecrets } from '../sensitive/run-secrets.js';
import type { ClientConfig } from '../toggl/config.js';
import type { ClientHooks } from '../toggl/hooks.js';
import { observeSecrets } from '../toggl/observe-secrets.js';
import type { TogglApi } from '../toggl/types.js';
import { directOutput } from '../util/direct-output.js';

/**
 * The imperative shell every command shares: where output goes, how invalid files are reported, how
 * the API client is made, and what SIGINT/SIGTERM do. Everything below `src/commands/` is pure or
 * takes these as arguments; only a command file puts them together (docs/design.md).
 */

/** Where a command reads its environment and writes its output; tests pass their own. */
export interface Io {
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
}

/** The process's own: output written straight to fd 1 and 2 (src/util/direct-output.ts). */
export const processIo: Io = {
  env: process.env,
  stdout: directOutput(1, () => process.stdout),
  stderr: directOutput(2, () => process.stderr),
};

/**
 * Exit codes of every command (docs/outputs.md): 0 done (or stopped gracefully by a signal, for the
 * long-running commands), 1 failed (invalid files, an API failure, a refused plan, a one-shot run
 * stopped before its end), 2 done with changes (`--detailed-exitcode`), 130 quit at once by a second
 * SIGINT/SIGTERM.
 */
export const EXIT = { ok: 0, failed: 1, changes: 2, forced: 130 } as const;

/** Colour on a terminal only, and never when NO_COLOR is set to anything (https://no-color.org). */
export function useColor(io: Io): boolean {
  const noColor = io.env['NO_COLOR'];
  return io.stdout.isTTY === true && (noColor === undefined || noColor === '');
}

/**
 * Every problem of every file as `FILE:LINE:COL: message` on stderr, then, when given, one line saying
 * what the run did not do because of them.
 */
export function printConfigIssues(io: Io, issues: readonly ConfigIssue[], consequence?: string): void {
  const n = issues.length;
  const summary =
    consequence === undefined
      ? ''
      : `error: ${n} problem${n === 1 ? '' : 's'} in the configuration; ${consequence}\n`;
  // The loader's own words about the user's files: never a value from the environment.
  io.stderr.write(`${issues.map(formatIssue).join('\n')}\n${summary}`);
}

/**
 * Loads and validates the files behind `paths`. Invalid files go to `report` (once, in the command's
 * own words) and the result is undefined: the command stops with exit code 1 and makes no API call.
 * Any other error is not a configuration problem and propagates.
 */
export async function loadOrReport(
  paths: string[],
  io: Io,
  report: (issues: readonly ConfigIssue[]) => void,
  secrets?: RunSecrets,
): Promise<DesiredState | undefined> {
  const { loadDesiredState } = await import('../config/load.js');
  try {
    const desired = await loadDesiredState(paths, io.env);
    secrets?.addDesired(desired);
    return desired;
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    report(err.issues);
    return undefined;
  }
}

export interface ClientRequest {
  /** `--api-url`; wins over TOGGL_API_URL. */
  apiUrl?: string | undefined;
  /** 402: `fail` fast (one-shot commands) or `wait` for the quota reset (daemon). */
  quotaMode: ClientConfig['quotaMode'];
  hooks?: ClientHooks;
  /** The run's secrets: told the token, and every sensitive value the API answers with. */
  secrets?: RunSecrets;
}

/**
 * The API client from the environment (docs/configuration.md) and the command's flags. Imported on
 * demand: `validate` never pays for got. Make it only after the files loaded, so a config error is
 * reported before a missing token.
 */
export async function makeClient(io: Io, request: ClientRequest): Promise<MadeClient> {
  const { clientConfigFromEnv } = await import('../toggl/config.js');
  const { TogglClient } = await import('../toggl/client.js');
  // The daemon keeps its full backoff when the connection fails; a one-shot run fails fast.
  const overrides: Partial<ClientConfig> = { quotaMode: request.quotaMode };
  if (request.quotaMode === 'wait') overrides.connectRetries = Number.MAX_SAFE_INTEGER;
  if (request.apiUrl !== undefined) overrides.apiUrl = request.apiUrl;
  const config = clientConfigFromEnv(io.env, overrides);
  const secrets = request.secrets;
  if (!secrets) return { api: new TogglClient(config, request.hooks), config };
  const hooks: ClientHooks = {
    ...request.hooks,
    onToken: (token) => {
      secrets.addToken(token);
      request.hooks?.onToken?.(token);
    },
  };
  return { api: observeSecrets(new TogglClient(config, hooks), secrets), config };
}

export interface MadeClient {
  api: TogglApi;
  /** The settings it was made with (the token keys the plan hash: src/plan/identity.ts). */
  config: ClientConfig;
}

export interface StopSignals {
  /** Aborts at the first SIGINT/SIGTERM: no new API change starts; a change in flight finishes. */
  signal: AbortSignal;
  /** Resolves with the first signal's name. */
  stopped: Promise<NodeJS.Signals>;
  /** Removes the handlers (when the command is done). */
  dispose(): void;
}

export interface StopPolicyHooks {
  /** The first signal: say, in the command's words, what stopping means now. */
  onStop?: (signal: NodeJS.Signals) => void;
  /** The second signal, just before quitting. */
  onForce?: (signal: NodeJS.Signals) => void;
  /** How to quit (tests); default process.exit. */
  exit?: (code: number) => void;
}

/**
 * SIGHUP (a closed terminal, an SSH session dropped, `kill -HUP` out of habit to reload) is a stop
 * like the others: by default it would kill the process mid-apply, between a call and its record.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * The one stop-signal policy of every command. The first SIGINT, SIGTERM or SIGHUP asks for a graceful stop:
 * `signal` aborts, `onStop` says so in the command's words, and the command ends the way it chose
 * (the result so far, exit code per EXIT). A second one quits at once with EXIT.forced: the user
 * insists, or the supervisor has run out of patience. Install it before any slow start-up step, so a
 * signal during start-up is still a graceful stop.
 */
export function stopOnSignals(hooks: StopPolicyHooks = {}): StopSignals {
  const exit = hooks.exit ?? ((code: number) => process.exit(code));
  const controller = new AbortController();
  let resolveStopped: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    resolveStopped = resolve;
  });
  const onSignal = (sig: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      hooks.onForce?.(sig);
      exit(EXIT.forced);
      return;
    }
    hooks.onStop?.(sig);
    controller.abort();
    resolveStopped(sig);
  };
  for (const sig of STOP_SIGNALS) process.on(sig, onSignal);
  return {
    signal: controller.signal,
    stopped,
    dispose: () => {
      for (const sig of STOP_SIGNALS) process.off(sig, onSignal);
    },
  };
}

/**
 * An error no command caught: its text is scrubbed with what is known without a run, the token and
 * the credential shapes of URLs (docs/secrets.md). Commands scrub their own errors with their run's set.
 */
export async function scrubUncaught(text: string, env: NodeJS.ProcessEnv): Promise<string> {
  // Imported here: this is the error path, and the config module brings the proxy agent with it.
  const [{ SecretSet }, { tokenFromEnv }] = await Promise.all([
    import('../sensitive/secret-set.js'),
    import('../toggl/config.js'),
  ]);
  let token: string | undefined;
  try {
    token = tokenFromEnv(env);
  } catch {
    // No token, no token to hide.
  }
  return SecretSet.of({ tokens: [token] }).scrub(text);
}

/**
 * The clients for every token the files name, with the run's secrets told of everything the API
 * answers; a token that cannot be read (unset, unreadable file) is printed, scrubbed, and `undefined`
 * returned, so the command exits 1 before any API call.
 */
export function routeOrReport(
  clients: TokenClients,
  desired: DesiredState,
  io: Io,
  secrets: RunSecrets,
): (TokenRouting & { observed: TogglApi }) | undefined {
  try {
    const routing = clients.forDesired(desired);
    return { ...routing, observed: observeSecrets(routing.api, secrets) };
  } catch (err) {
    if (!(err instanceof TwsError)) throw err;
    io.stderr.write(`error: ${secrets.scrub(err.message)}\n`);
    return undefined;
  }
}
