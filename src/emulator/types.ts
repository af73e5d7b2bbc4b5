import type { Subscription, WorkspaceLimits } from '../toggl/types.js';

export type { Subscription, WorkspaceLimits };

export interface FaultOptions {
  /** Delay before every API request is handled. */
  latencyMs?: number;
  /** Share of API requests answered with 500, 502 or 503 before anything is changed. */
  errorRate?: number;
  /** Share of API requests answered with 429 and `Retry-After`. */
  rateLimitRate?: number;
  /** `Retry-After` value of injected 429s (default 1). */
  retryAfterSeconds?: number;
  /** Share of API requests whose socket is destroyed without an answer (nothing is changed). */
  dropRate?: number;
  /** Share of API requests that are applied, after which the socket is destroyed instead of answering. */
  lostResponseRate?: number;
  /** Makes every fault decision reproducible for the same sequence of requests. */
  seed?: number;
}

export interface QuotaOptions {
  limit: number;
  windowSeconds: number;
}

/** Another Toggl user, with its own token, workspaces and quota (several organisations, offline). */
export interface EmulatorUser {
  token: string;
  userId: number;
  workspaces: number[];
  /** This user's request quota per workspace; default: the emulator's `quota`. */
  quota?: QuotaOptions | false;
}

export interface EmulatorOptions {
  /** Default 0 (an ephemeral port). The host is always 127.0.0.1. */
  port?: number;
  /** The accepted API token (Basic auth `TOKEN:api_token`). Default `emulator-token`. */
  token?: string;
  /** Workspaces the token can access; others answer 403. Default `[1234567]`. */
  workspaces?: number[];
  /** The user behind the token (`user_id` of created subscriptions). Default 1. */
  userId?: number;
  /**
   * More users besides the one above, each with its own token, workspaces and quota, as the real
   * service keys quotas per user per organisation. A token sees only its own workspaces (403 else).
   */
  users?: EmulatorUser[];
  /** Served by GET /limits and enforced. Default `{ max_webhooks: 10, max_events_per_webhook: 20 }`. */
  limits?: WorkspaceLimits;
  /** Sliding-window request quota per workspace; `false` disables it and its headers. Default 10000/hour. */
  quota?: QuotaOptions | false;
  faults?: FaultOptions;
  /** Default true: call `url_callback` on create, URL change and enable, as the real service does. */
  callbackCheck?: boolean;
  /** Timeout of each delivery to `url_callback`. Default 5000 ms. */
  callbackTimeoutMs?: number;
  /** Called after each API request is recorded (the CLI logs them). */
  onCall?: (call: RecordedCall) => void;
}

export type FaultKind = 'error' | 'rate_limit' | 'drop' | 'lost_response' | 'quota';

export interface RecordedCall {
  method: string;
  /** Path below the base URL, e.g. `/subscriptions/1234567/42` (query string excluded). */
  path: string;
  /** Status sent, or that would have been sent for a lost response; 0 for a dropped connection. */
  status: number;
  /** Parsed JSON request body, when there was one. */
  body?: unknown;
  /** `Date.now()` when the request arrived. */
  at: number;
  /** Set when the answer was an injected fault (or the quota ran out). */
  fault?: FaultKind;
  /** The user whose token authenticated the request, if any. */
  userId?: number;
}

/** One delivery to a `url_callback` (ping or callback check), as sent. */
export interface Delivery {
  url: string;
  body: string;
  signature: string;
  status: number | null;
  error?: string;
  at: number;
}

export interface Emulator {
  /** Base URL, e.g. `http://127.0.0.1:PORT/webhooks/api/v1`. */
  url: string;
  port: number;
  /** Every API request in order (deliveries to callbacks are in `deliveries`). */
  calls: RecordedCall[];
  deliveries: Delivery[];
  resetCalls(): void;
  setFaults(f: FaultOptions | undefined): void;
  /** Deep copies, secrets included. */
  subscriptions(workspaceId: number): Subscription[];
  /** Adds a subscription without HTTP, checks or callbacks (out-of-band drift). */
  seed(workspaceId: number, sub: Partial<Subscription> & { description: string }): Subscription;
  mutate(workspaceId: number, subscriptionId: number, patch: Partial<Subscription>): void;
  remove(workspaceId: number, subscriptionId: number): void;
  /** The pending validation code of an unvalidated subscription (what its pings carry). */
  validationCode(workspaceId: number, subscriptionId: number): string | undefined;
  close(): Promise<void>;
}
