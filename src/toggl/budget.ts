import type { QuotaReading } from './quota.js';

/**
 * The request budget of one API token, fed by the quota headers of every answer (src/toggl/quota.ts),
 * the way octokit's throttling plugin paces a GitHub client. Toggl counts requests per user per
 * organisation in a sliding one-hour window (Free 30, Starter 240, Premium 600) and answers 402 past it;
 * the same token also serves CI plans and scripts the daemon cannot see. So the daemon's periodic
 * reconciles take only a share of it (docs/daemon-and-metrics.md, "API quota"):
 *
 * 1. per window they spend at most `share` of the quota (the largest `remaining + 1` seen), counting
 *    every request the daemon made in the last `windowMs`;
 * 2. one reconcile takes at most `share` of what is left now: when the quota runs low (CI spent it),
 *    the periodic reconcile waits for the window to reset;
 * 3. after a 429 (the leaky bucket) it waits a cool-down, doubling per 429 up to `maxCoolDownMs`.
 *
 * A periodic reconcile is therefore delayed at most one window past its due time, as long as one
 * reconcile fits the share (cost <= share x quota). File-triggered reconciles do not ask: a change a
 * person just made goes first, and is counted like any other request.
 *
 * Pure: time is passed in, nothing here does I/O. Keyed by token alias, never by the token.
 */
export interface BudgetSettings {
  /** Share of the quota periodic reconciles may spend, 0 < share <= 1. Default 0.25. */
  share: number;
  /** The documented sliding window. Default one hour. */
  windowMs: number;
  /** First wait after a 429; doubles per consecutive 429. Default 60 s ("back off for a few minutes"). */
  coolDownMs: number;
  maxCoolDownMs: number;
}

export const DEFAULT_BUDGET: BudgetSettings = {
  share: 0.25,
  windowMs: 3_600_000,
  coolDownMs: 60_000,
  maxCoolDownMs: 5 * 60_000,
};

/** Requests kept per alias for the window count; older ones are pruned (bounded memory). */
const MAX_SPENDS = 10_000;

interface TokenState {
  /** Last reading: requests left and when the window resets (ms since epoch). */
  remaining?: number;
  resetsAt?: number;
  /** Largest `remaining + 1` ever read: the best estimate of the quota per window. */
  limit?: number;
  /** When each request of the daemon was made, oldest first, within the window. */
  spends: number[];
  rateLimited: number;
  coolDownUntil: number;
}

export interface BudgetView {
  alias: string;
  /** Requests left in the API's window (last reading), when known and the window has not reset since. */
  remaining?: number | undefined;
  /** Seconds until the window resets (last reading), when known. */
  resetsInSeconds?: number | undefined;
  /** Estimated requests per window (the quota). */
  limit?: number | undefined;
  /** Requests periodic reconciles may still spend in this window. */
  budget?: number | undefined;
  /** Requests this process made in the last window. */
  spentInWindow: number;
}

export interface PeriodicDecision {
  /** Earliest time (ms since epoch) a periodic reconcile costing `cost` fits; `dueAt` when it fits then. */
  at: number;
  /** Why it waits past `dueAt`, for logs; undefined when it does not. */
  reason?: 'share' | 'low-quota' | 'rate-limited' | undefined;
}

export class QuotaBudget {
  readonly settings: BudgetSettings;
  private readonly tokens = new Map<string, TokenState>();

  constructor(settings: Partial<BudgetSettings> = {}) {
    this.settings = { ...DEFAULT_BUDGET, ...settings };
    const { share } = this.settings;
    if (!(share > 0 && share <= 1)) throw new RangeError(`quota share must be in (0, 1], got ${share}`);
  }

  private state(alias: string): TokenState {
    let s = this.tokens.get(alias);
    if (!s) {
      s = { spends: [], rateLimited: 0, coolDownUntil: 0 };
      this.tokens.set(alias, s);
    }
    return s;
  }

  /** One answer (any status) of a request made with this token: counts it and reads its headers. */
  observe(alias: string, answer: { status: number } & QuotaReading, now: number): void {
    const s = this.state(alias);
    if (answer.status !== 0) {
      s.spends.push(now);
      this.prune(s, now);
    }
    if (answer.remaining !== undefined) {
      s.remaining = answer.remaining;
      s.limit = Math.max(s.limit ?? 0, answer.remaining + (answer.status === 402 ? 0 : 1));
    }
    // Bounded here too (readQuota already clamps): a window resets within the window, whatever was read.
    const resetsIn = answer.resetsIn;
    if (resetsIn !== undefined && Number.isFinite(resetsIn) && resetsIn >= 0) {
      s.resetsAt = now + Math.min(resetsIn * 1000, this.settings.windowMs);
    }
    if (answer.status === 402 && answer.remaining === undefined) s.remaining = 0;
    if (answer.status === 429) {
      s.rateLimited++;
      const wait = Math.min(
        this.settings.maxCoolDownMs,
        this.settings.coolDownMs * 2 ** Math.min(s.rateLimited - 1, 20),
      );
      s.coolDownUntil = now + wait;
    } else if (answer.status >= 200 && answer.status < 300) {
      s.rateLimited = 0;
    }
  }

  private prune(s: TokenState, now: number): void {
    const from = now - this.settings.windowMs;
    let drop = 0;
    while (drop < s.spends.length && (s.spends[drop] as number) <= from) drop++;
    if (s.spends.length - drop > MAX_SPENDS) drop = s.spends.length - MAX_SPENDS;
    if (drop > 0) s.spends.splice(0, drop);
  }

  /** Requests left now by the last reading; undefined when unknown or the window has reset since. */
  private remainingNow(s: TokenState, now: number): number | undefined {
    if (s.remaining === undefined) return undefined;
    if (s.resetsAt !== undefined && now >= s.resetsAt) return undefined;
    return s.remaining;
  }

  view(alias: string, now: number): BudgetView {
    const s = this.state(alias);
    this.prune(s, now);
    const remaining = this.remainingNow(s, now);
    const perWindow = s.limit === undefined ? undefined : Math.floor(this.settings.share * s.limit);
    return {
      alias,
      remaining,
      resetsInSeconds:
        remaining !== undefined && s.resetsAt !== undefined
          ? Math.max(0, Math.ceil((s.resetsAt - now) / 1000))
          : undefined,
      limit: s.limit,
      budget: perWindow === undefined ? undefined : Math.max(0, perWindow - s.spends.length),
      spentInWindow: s.spends.length,
    };
  }

  /**
   * When a periodic reconcile of `cost` requests, due at `dueAt`, may run. Never earlier than `dueAt`;
   * at most about one window later while cost <= share x quota (rules in the class comment).
   */
  nextPeriodic(alias: string, cost: number, dueAt: number): PeriodicDecision {
    const s = this.state(alias);
    this.prune(s, dueAt);
    let at = dueAt;
    let reason: PeriodicDecision['reason'];
    const later = (t: number, why: NonNullable<PeriodicDecision['reason']>) => {
      if (t > at) {
        at = t;
        reason = why;
      }
    };
    if (s.coolDownUntil > at) later(s.coolDownUntil, 'rate-limited');

    // Rule 2: at most `share` of what is left, else wait for the reset (then the quota is unknown
    // again, and the reconcile's own answers tell).
    const remaining = this.remainingNow(s, at);
    if (remaining !== undefined && cost > this.settings.share * remaining && s.resetsAt !== undefined) {
      later(s.resetsAt, 'low-quota');
    }

    // Rule 1: the requests of the last window plus this one stay within the share of the quota.
    if (s.limit !== undefined) {
      const allowance = Math.max(1, Math.floor(this.settings.share * s.limit));
      const inWindow = s.spends.filter((t) => t > at - this.settings.windowMs);
      const excess = inWindow.length + Math.min(cost, allowance) - allowance;
      if (excess > 0) {
        // Wait until `excess` of those requests have left the window.
        later((inWindow[excess - 1] as number) + this.settings.windowMs, 'share');
      }
    }
    // The rules above never ask for more than a window past due; this keeps it so whatever they read.
    return { at: Math.min(at, dueAt + this.settings.windowMs), reason };
  }
}
