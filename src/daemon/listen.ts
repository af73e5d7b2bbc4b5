import { InvalidArgumentError } from 'commander';

export interface ListenAddress {
  host: string;
  port: number;
}

/**
 * `--listen HOST:PORT`: `0.0.0.0:9464`, `127.0.0.1:0`, `[::]:9464`, `localhost:9464`, or `:9464`
 * (all IPv4 interfaces). Port 0 asks the system for a free port (the bound one is logged).
 */
export function parseListen(value: string): ListenAddress {
  const text = value.trim();
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]\s]*)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || !Number.isInteger(port) || port > 65_535) {
    throw new InvalidArgumentError('expected HOST:PORT, e.g. 0.0.0.0:9464, 127.0.0.1:9464 or [::]:9464.');
  }
  const host = m[1] ?? (m[2] || '0.0.0.0');
  return { host, port };
}
