import { describe, expect, it } from 'vitest';
import { SingleFlight } from '../../src/daemon/single-flight.js';

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  return { open, opened };
}

describe('SingleFlight', () => {
  it('runs at once when idle, and queues exactly one more run for any number of triggers meanwhile', async () => {
    const runs: string[] = [];
    const gates = [gate(), gate()];
    let active = 0;
    let maxActive = 0;
    const flight = new SingleFlight<string>(async (reason) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(reason);
      await gates[runs.length - 1]?.opened;
      active--;
    });
    flight.trigger('a');
    expect(flight.busy).toBe(true);
    flight.trigger('b');
    flight.trigger('c');
    flight.trigger('d');
    gates[0]!.open();
    gates[1]!.open();
    await flight.idle();
    expect(runs).toEqual(['a', 'b']);
    expect(maxActive).toBe(1);
    expect(flight.busy).toBe(false);
  });

  it('keeps going after a run throws, and reports the error', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const flight = new SingleFlight<string>(
      async () => {
        n++;
        if (n === 1) throw new Error('boom');
      },
      (err) => errors.push(err),
    );
    flight.trigger('x');
    await flight.idle();
    flight.trigger('y');
    await flight.idle();
    expect(n).toBe(2);
    expect(errors.map((e) => (e as Error).message)).toEqual(['boom']);
  });

  it('stop() drops the queued run, waits for the one in flight and refuses new ones', async () => {
    const g = gate();
    const runs: string[] = [];
    const flight = new SingleFlight<string>(async (r) => {
      runs.push(r);
      await g.opened;
    });
    flight.trigger('a');
    flight.trigger('b');
    const stopped = flight.stop();
    g.open();
    await stopped;
    expect(runs).toEqual(['a']);
    expect(flight.trigger('c')).toBe(false);
    await flight.idle();
    expect(runs).toEqual(['a']);
  });
});
