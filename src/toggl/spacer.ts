import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Spaces request starts at least `intervalMs` apart (the docs' safe rate is 1 request/second per
 * token). Callers queue in order; retries go through the same spacer, so a retry storm stays polite.
 */
export class Spacer {
  private nextAt = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly intervalMs: number) {}

  wait(signal?: AbortSignal): Promise<void> {
    if (this.intervalMs <= 0) return Promise.resolve();
    const turn = this.queue.then(async () => {
      const delay = this.nextAt - Date.now();
      if (delay > 0) await sleep(delay, undefined, signal ? { signal } : undefined);
      this.nextAt = Date.now() + this.intervalMs;
    });
    this.queue = turn.catch(() => undefined);
    return turn;
  }
}
