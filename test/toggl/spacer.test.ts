import { describe, expect, it } from 'vitest';
import { Spacer } from '../../src/toggl/spacer.js';

describe('Spacer', () => {
  it('lets each caller start at least the interval after the previous one, in order', async () => {
    const spacer = new Spacer(40);
    const starts: number[] = [];
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        await spacer.wait();
        starts.push(Date.now());
        order.push(i);
      }),
    );
    expect(order).toEqual([0, 1, 2, 3]);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(39);
  });

  it('does not wait at all with interval 0', async () => {
    const spacer = new Spacer(0);
    const started = Date.now();
    for (let i = 0; i < 100; i++) await spacer.wait();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops waiting when aborted', async () => {
    const spacer = new Spacer(10_000);
    await spacer.wait();
    const ac = new AbortController();
    const pending = spacer.wait(ac.signal);
    ac.abort();
    await expect(pending).rejects.toThrow();
  });
});
