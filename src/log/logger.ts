import { Writable } from 'node:stream';
import pino from 'pino';
import { redact } from '../util/redact.js';

export type Logger = pino.Logger;

export interface LoggerOptions {
  /** pino level name: trace, debug, info, warn, error, fatal, silent. Default info. */
  level?: string | undefined;
  /** JSON lines (the daemon, for log pipelines) or one readable line per event (the CLI). */
  json?: boolean | undefined;
  /** Where lines go; default stderr, so stdout stays clean for plans and JSON output. */
  stream?: NodeJS.WritableStream | undefined;
}

/** Keys whose values are never logged, wherever they appear (pino's fast-redact paths). */
const SENSITIVE_PATHS = [
  'token',
  'secret',
  'password',
  'authorization',
  'headers.authorization',
  '*.token',
  '*.secret',
  '*.password',
  '*.authorization',
];

export function createLogger(opts: LoggerOptions = {}): Logger {
  const stream = opts.stream ?? process.stderr;
  const destination = opts.json === false ? textStream(stream) : stream;
  return pino(
    {
      level: opts.level ?? 'info',
      base: undefined,
      redact: { paths: SENSITIVE_PATHS, censor: '[REDACTED]' },
      formatters: {
        level: (label) => ({ level: label }),
        // Defence in depth: any string that reaches a log line passes through the redactor.
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
    destination as pino.DestinationStream,
  );
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redact(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return redact(value.message);
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, depth + 1)]));
}

/** Turns pino's JSON lines into `level: message key=value ...` for people at a terminal. */
function textStream(out: NodeJS.WritableStream): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        try {
          const { level, msg, time: _time, ...rest } = JSON.parse(line) as Record<string, unknown>;
          const fields = Object.entries(rest)
            .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
            .join(' ');
          out.write(`${String(level)}: ${String(msg ?? '')}${fields ? ` (${fields})` : ''}\n`);
        } catch {
          out.write(`${line}\n`);
        }
      }
      done();
    },
  });
}
