import { Writable } from 'node:stream';
import pino from 'pino';
import { SecretSet } from '../sensitive/secret-set.js';
import { PLACEHOLDER } from '../sensitive/value.js';
import { escapeInvisible } from '../util/unicode.js';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal, silent. Default info. */
  level?: string | undefined;
  /** JSON lines (the daemon, for log pipelines) or one readable line per event (the CLI). Default JSON. */
  json?: boolean | undefined;
  /** Where lines go; default stderr, so stdout stays clean for plans and JSON output. */
  stream?: NodeJS.WritableStream | undefined;
  /** Records not to write (after scrubbing), e.g. errors the command's report already shows. */
  skip?: ((record: Readonly<Record<string, unknown>>) => boolean) | undefined;
  /** The run's secrets (a `RunSecrets`), read at each line since the run learns them as it goes. */
  secrets?: { readonly set: SecretSet } | undefined;
}

/**
 * Fields that carry text from outside (API messages, errors of libraries): scrubbed in full, a short
 * secret withholds the value. Every other string is the program's own words and ids: long secrets are
 * masked there too, but a short secret is not searched for (docs/secrets.md).
 */
const UNTRUSTED_KEYS = new Set([
  'error',
  'err',
  'reason',
  'api_message',
  'ping_status',
  'detail',
  'live_description',
]);

/** Keys whose values are never logged, at any depth. */
const SENSITIVE_KEYS = new Set([
  'token',
  'api_token',
  'secret',
  'password',
  'authorization',
  'cookie',
  'validation_code',
]);

/** The same keys as pino `redact` paths (top level and one level down, e.g. `headers.authorization`). */
const SENSITIVE_PATHS = [...SENSITIVE_KEYS].flatMap((k) => [k, `*.${k}`]);

/** pino's level numbers: a line is written when its level is at least the logger's. */
const LEVEL_VALUES: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** The logging methods a one-shot command uses (reconcile's, watch mode's). */
export interface LineLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/**
 * `createLogger` built on the first line that its level lets through: a `plan` that has nothing to
 * warn about never loads pino (about 4 ms of its start-up, docs/limits-and-budgets.md "Start-up").
 * An unknown level builds it at once, so pino refuses it as before.
 */
export function createLazyLogger(opts: LoggerOptions = {}): LineLogger {
  const threshold = LEVEL_VALUES[opts.level ?? 'info'];
  let real: Logger | undefined;
  const logger = (): Logger => {
    real ??= createLogger(opts);
    return real;
  };
  if (threshold === undefined) logger();
  const at =
    (level: number, name: keyof LineLogger) =>
    (obj: object, msg: string): void => {
      if (level >= (threshold ?? 0)) logger()[name](obj, msg);
    };
  return {
    debug: at(LEVEL_VALUES['debug'] ?? 20, 'debug'),
    info: at(LEVEL_VALUES['info'] ?? 30, 'info'),
    warn: at(LEVEL_VALUES['warn'] ?? 40, 'warn'),
    error: at(LEVEL_VALUES['error'] ?? 50, 'error'),
  };
}

/**
 * pino to stderr. Secrets are kept out in three layers: pino's `redact` paths for sensitive keys, every
 * value of a log call scrubbed with the run's secrets (untrusted fields in full, the rest for long
 * secrets), and the same pass again over each finished line.
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? process.stderr;
  const secrets = () => opts.secrets?.set ?? SecretSet.empty;
  const scrub = (value: unknown) => scrubValue(value, secrets(), false, 0);
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: SENSITIVE_PATHS, censor: PLACEHOLDER },
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    lineStream(out, opts.json !== false, scrub, secrets, opts.skip) as pino.DestinationStream,
  );
}

function scrubValue(value: unknown, secrets: SecretSet, untrusted: boolean, depth: number): unknown {
  if (typeof value === 'string') return untrusted ? secrets.scrub(value) : secrets.maskLong(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  // An error's own fields (got's options, request headers) never reach a log line: its message does.
  if (value instanceof Error) return secrets.scrub(value.message);
  if (Array.isArray(value)) return value.map((v) => scrubValue(v, secrets, untrusted, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => {
      const key = k.toLowerCase();
      if (SENSITIVE_KEYS.has(key)) return [k, PLACEHOLDER];
      return [k, scrubValue(v, secrets, untrusted || UNTRUSTED_KEYS.has(key), depth + 1)];
    }),
  );
}

/**
 * Receives pino's JSON lines, scrubs each again as data (a regex over JSON text could break the
 * JSON), and writes it as JSON or as `level: message (key=value ...)` for people at a terminal.
 */
function lineStream(
  out: NodeJS.WritableStream,
  json: boolean,
  scrub: (value: unknown) => unknown,
  secrets: () => SecretSet,
  skip: LoggerOptions['skip'],
): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        let record: Record<string, unknown>;
        try {
          record = scrub(JSON.parse(line)) as Record<string, unknown>;
        } catch {
          out.write(`${printable(secrets().scrub(line))}\n`);
          continue;
        }
        if (skip?.(record)) continue;
        out.write(`${json ? escapeInvisible(JSON.stringify(record)) : textLine(record)}\n`);
      }
      done();
    },
  });
}

function textLine(record: Record<string, unknown>): string {
  const { level, msg, time: _time, ...rest } = record;
  const fields = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ');
  return printable(`${String(level)}: ${String(msg ?? '')}${fields ? ` (${fields})` : ''}`);
}

/**
 * One event, one line, and no terminal escape sequences from the wire (API messages, descriptions):
 * control characters are shown as `\n`, `\x1b`, ...
 */
function printable(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  const controls = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => {
    if (c === '\n') return '\\n';
    if (c === '\r') return '\\r';
    if (c === '\t') return '\\t';
    return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
  });
  // Zero-width and other invisible characters too, so a look-alike description is visible.
  return escapeInvisible(controls);
}
