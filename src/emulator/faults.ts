import type { FaultOptions } from './types.js';

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'drop' }
  | { kind: 'rate_limit'; retryAfterSeconds: number }
  | { kind: 'error'; status: 500 | 502 | 503 }
  | { kind: 'lost_response' };

const ERROR_STATUSES = [500, 502, 503] as const;

/** mulberry32: tiny, fast and good enough to make fault sequences reproducible from a seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Decides, per API request, which fault (if any) to inject. Every request consumes the same number
 * of random draws whatever the outcome, so one seed and one request sequence give one fault sequence.
 */
export class FaultInjector {
  private opts: FaultOptions = {};
  private random: () => number = Math.random;

  constructor(opts: FaultOptions | undefined) {
    this.set(opts);
  }

  set(opts: FaultOptions | undefined): void {
    this.opts = { ...opts };
    this.random = prng(opts?.seed ?? Math.floor(Math.random() * 2 ** 32));
  }

  get latencyMs(): number {
    return Math.max(0, this.opts.latencyMs ?? 0);
  }

  decide(): FaultDecision {
    const [drop, rateLimit, error, lost, pick] = [
      this.random(),
      this.random(),
      this.random(),
      this.random(),
      this.random(),
    ] as [number, number, number, number, number];
    const o = this.opts;
    if (drop < (o.dropRate ?? 0)) return { kind: 'drop' };
    if (rateLimit < (o.rateLimitRate ?? 0)) {
      return { kind: 'rate_limit', retryAfterSeconds: o.retryAfterSeconds ?? 1 };
    }
    if (error < (o.errorRate ?? 0)) {
      return { kind: 'error', status: ERROR_STATUSES[Math.floor(pick * ERROR_STATUSES.length)] ?? 500 };
    }
    if (lost < (o.lostResponseRate ?? 0)) return { kind: 'lost_response' };
    return { kind: 'none' };
  }
}
