/**
 * Runs a task so that two runs never overlap: a trigger during a run sets a "run again" flag and
 * every trigger that arrives meanwhile collapses into that one follow-up run. Errors of the task are
 * the task's business (it must catch them); a thrown error is passed to `onError` and does not stop
 * later runs.
 */
export class SingleFlight<R extends string = string> {
  private running: Promise<void> | undefined;
  private again: R | undefined;
  private stopped = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly task: (reason: R) => Promise<void>,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /** Starts a run now, or once the current one ends. Returns false after `stop()`. */
  trigger(reason: R): boolean {
    if (this.stopped) return false;
    if (this.running) {
      this.again ??= reason;
      return true;
    }
    this.running = this.loop(reason);
    return true;
  }

  /** No new runs; resolves when the run in flight (if any) has ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.again = undefined;
    await this.idle();
  }

  /** Resolves once no run is in flight and none is queued. */
  idle(): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private async loop(first: R): Promise<void> {
    let reason: R | undefined = first;
    while (reason !== undefined) {
      try {
        await this.task(reason);
      } catch (err) {
        this.onError(err);
      }
      reason = this.stopped ? undefined : this.again;
      this.again = undefined;
    }
    this.running = undefined;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
