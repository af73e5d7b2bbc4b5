import { Writable } from 'node:stream';
import pino from 'pino';
import { REDACTED, redact } from '../util/redact.js';
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
}

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

/**
 * pino to stderr. Secrets are kept out in three layers: pino's `redact` paths, every string of a log
 * call through `redact()` (registered secrets, `Basic …` values, URL userinfo and query values), and a
 * last pass over each finished line (sensitive keys at any depth, strings built by interpolation).
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const out = opts.stream ?? process.stderr;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: SENSITIVE_PATHS, censor: REDACTED },
      formatters: {
        level: (label) => ({ level: label }),
        log: (obj) => scrub(obj) as Record<string, unknown>,
      },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? redact(a) : a)) as Parameters<typeof method>,
          );
        },
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    lineStream(out, opts.json !== false, opts.skip) as pino.DestinationStream,
  );
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  // An error's own fields (got's options, request headers) never reach a log line: its message does.
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      SENSITIVE_KEYS.has(k.toLowerCase()) ? REDACTED : scrub(v, depth + 1),
    ]),
  );
}

/**
 * Receives pino's JSON lines, scrubs each again as data (a regex over JSON text could break the
 * JSON), and writes it as JSON or as `level: message (key=value ...)` for people at a terminal.
 */
function lineStream(out: NodeJS.WritableStream, json: boolean, skip: LoggerOptions['skip']): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        let record: Record<string, unknown>;
        try {
          record = scrub(JSON.parse(line)) as Record<string, unknown>;
        } catch {
          out.write(`${printable(redact(line))}\n`);
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
