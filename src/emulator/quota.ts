import type { QuotaOptions } from './types.js';

export interface QuotaState {
  allowed: boolean;
  remaining: number;
  resetsIn: number;
}

/**
 * The documented sliding-window request quota. The real service keys it per user per
 * organization; the emulator has one user and no organizations, so it keys it per workspace.
 * Refused requests do not consume quota.
 */
export class Quota {
  private readonly hits = new Map<string, number[]>();

  constructor(private readonly opts: QuotaOptions | false) {}

  get enabled(): boolean {
    return this.opts !== false;
  }

  /** Counts one request for `key`; null when the quota is disabled. */
  take(key: string, now = Date.now()): QuotaState | null {
    if (this.opts === false) return null;
    const windowMs = this.opts.windowSeconds * 1000;
    const kept = (this.hits.get(key) ?? []).filter((t) => t > now - windowMs);
    const allowed = kept.length < this.opts.limit;
    if (allowed) kept.push(now);
    this.hits.set(key, kept);
    const oldest = kept[0];
    const resetsIn =
      oldest === undefined
        ? this.opts.windowSeconds
        : Math.max(1, Math.ceil((oldest + windowMs - now) / 1000));
    return { allowed, remaining: Math.max(0, this.opts.limit - kept.length), resetsIn };
  }
}
