import { InvalidArgumentError } from 'commander';
import type { RegisterCommand } from '../register.js';

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER) =>
  (value: string): number => {
    const n = Number(value);
    if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(
        max === Number.MAX_SAFE_INTEGER
          ? `expected an integer >= ${min}`
          : `expected an integer from ${min} to ${max}`,
      );
    }
    return n;
  };

const rate = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) {
    throw new InvalidArgumentError('expected a number between 0 and 1');
  }
  return n;
};

const collect = (value: string, previous: number[] | undefined): number[] => [
  ...(previous ?? []),
  integer(1)(value),
];

export const registerEmulator: RegisterCommand = (program, setExit) => {
  program
    .command('emulator')
    .description('serve a local, faithful Toggl Webhooks API v1 on 127.0.0.1 for trying and testing')
    .option('--port <n>', 'port to listen on (0 = any free port)', integer(0), 9465)
    .option('--token <token>', 'API token the emulator accepts', 'emulator-token')
    .option('--workspace <id>', 'workspace the token can access (repeatable; default 1234567)', collect)
    .option('--max-webhooks <n>', 'enabled subscriptions allowed per workspace (GET /limits)', integer(0), 10)
    .option('--max-events <n>', 'event filters allowed per subscription (GET /limits)', integer(0), 20)
    .option('--error-rate <r>', 'share of requests answered with 500/502/503 (0..1)', rate)
    .option('--rate-limit-rate <r>', 'share of requests answered with 429 + Retry-After (0..1)', rate)
    // Durations are bounded like every other (docs/limits-and-budgets.md): no timer near Node's limit.
    .option('--latency <ms>', 'delay added to every request (0 to 60000)', integer(0, 60_000))
    .option('--seed <n>', 'seed making injected faults reproducible', integer(0))
    .option('--quota <n>', 'requests allowed per workspace per quota window (then 402)', integer(1))
    .option(
      '--quota-window <seconds>',
      'length of the sliding quota window (1 to 86400)',
      integer(1, 86_400),
      3600,
    )
    .option('--no-callback-check', 'do not call url_callback on create, URL change, enable and ping')
    .option('--quiet', 'do not log each request to stderr')
    .action(async (opts) => {
      const { runEmulatorCommand } = await import('../../commands/emulator.js');
      setExit(await runEmulatorCommand(opts));
    });
};
