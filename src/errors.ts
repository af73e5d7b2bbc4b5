/**
 * One error hierarchy for the whole tool, modelled on got's: every error has a stable `code`
 * that scripts and tests can match on, and carries the context a person needs to act on it.
 * Messages are written for the person reading them; they never contain the API token or a secret.
 */

export type ErrorCode =
  | 'E_CONFIG'
  | 'E_GUARD'
  | 'E_PLAN'
  | 'E_LIMIT'
  /** Several live subscriptions carry one declared description: the tool refuses to choose. */
  | 'E_AMBIGUOUS'
  | 'E_TOKEN'
  | 'E_API'
  /** A 2xx answer that is not the documented shape (or larger than the answer budget). */
  | 'E_API_ANSWER'
  | 'E_API_AUTH'
  | 'E_API_NOT_FOUND'
  | 'E_API_VALIDATION'
  | 'E_API_RATE_LIMITED'
  | 'E_API_QUOTA'
  | 'E_API_GONE'
  | 'E_API_SERVER'
  | 'E_NETWORK'
  | 'E_TIMEOUT';

export class TwsError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * Where a problem sits in a user's file. Lines and columns are 1-based, as editors show them;
 * line 0 means the file (or path) as a whole, e.g. one that does not exist or is too large.
 */
export interface SourcePosition {
  file: string;
  line: number;
  col: number;
}

export interface ConfigIssue extends SourcePosition {
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  if (issue.line <= 0) return `${issue.file}: ${issue.message}`;
  return `${issue.file}:${issue.line}:${issue.col}: ${issue.message}`;
}

/** All problems of all input files of one run; a run that has one makes no mutating API call. */
export class ConfigError extends TwsError {
  readonly issues: readonly ConfigIssue[];
  constructor(issues: readonly ConfigIssue[]) {
    super('E_CONFIG', issues.map(formatIssue).join('\n'));
    this.issues = issues;
  }
}

/** A missing or unreadable API token (TOGGL_API_TOKEN / TOGGL_API_TOKEN_FILE). */
export class TokenError extends TwsError {
  constructor(message: string) {
    super('E_TOKEN', message);
  }
}

/** The mass-delete guard refused a plan. */
export class GuardError extends TwsError {
  readonly workspaceId: number;
  constructor(workspaceId: number, message: string) {
    super('E_GUARD', message);
    this.workspaceId = workspaceId;
  }
}

/** A saved or expected plan (`sync --plan`, `--expect-plan-hash`) that cannot be applied as it is. */
export class PlanError extends TwsError {
  constructor(message: string) {
    super('E_PLAN', message);
  }
}

/** A plan that would exceed the workspace's documented limits (GET /limits). */
export class LimitError extends TwsError {
  readonly workspaceId: number;
  constructor(workspaceId: number, message: string) {
    super('E_LIMIT', message);
    this.workspaceId = workspaceId;
  }
}

export interface ApiErrorContext {
  method: string;
  /** Path relative to the API base URL, e.g. `/subscriptions/123`. Never contains credentials. */
  path: string;
  status?: number | undefined;
  /** The API's own message, verbatim (the documented 4xx texts). */
  apiMessage?: string | undefined;
  workspaceId?: number | undefined;
}

/** Anything that went wrong talking to the Toggl API. Subclasses narrow it down by `code`. */
export class ApiError extends TwsError {
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly apiMessage: string | undefined;
  readonly workspaceId: number | undefined;
  constructor(code: ErrorCode, ctx: ApiErrorContext, message?: string, options?: { cause?: unknown }) {
    const detail =
      message && ctx.apiMessage
        ? `${message}: ${ctx.apiMessage}`
        : (ctx.apiMessage ?? message ?? 'request failed');
    const status = ctx.status === undefined ? '' : ` ${ctx.status}`;
    super(code, `${ctx.method} ${ctx.path}:${status} ${detail}`, options);
    this.method = ctx.method;
    this.path = ctx.path;
    this.status = ctx.status;
    this.apiMessage = ctx.apiMessage;
    this.workspaceId = ctx.workspaceId;
  }
}

export class AuthError extends ApiError {
  constructor(ctx: ApiErrorContext) {
    super('E_API_AUTH', ctx);
  }
}
export class NotFoundError extends ApiError {
  constructor(ctx: ApiErrorContext) {
    super('E_API_NOT_FOUND', ctx);
  }
}
/** A 400 with one of the documented messages, e.g. "Subscription description '…' is already in use …". */
export class ValidationError extends ApiError {
  constructor(ctx: ApiErrorContext) {
    super('E_API_VALIDATION', ctx);
  }
}
export class RateLimitError extends ApiError {
  readonly retryAfterSeconds: number | undefined;
  constructor(ctx: ApiErrorContext, retryAfterSeconds?: number) {
    super('E_API_RATE_LIMITED', ctx);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}
/** 402: the organisation's request quota is used up until `resetsInSeconds`. */
export class QuotaError extends ApiError {
  readonly resetsInSeconds: number | undefined;
  constructor(ctx: ApiErrorContext, resetsInSeconds?: number) {
    super(
      'E_API_QUOTA',
      ctx,
      resetsInSeconds === undefined
        ? 'API quota exhausted'
        : `API quota exhausted; it resets in ${resetsInSeconds}s (X-Toggl-Quota-Resets-In)`,
    );
    this.resetsInSeconds = resetsInSeconds;
  }
}
export class GoneError extends ApiError {
  constructor(ctx: ApiErrorContext) {
    super('E_API_GONE', ctx);
  }
}
export class ServerError extends ApiError {
  constructor(ctx: ApiErrorContext) {
    super('E_API_SERVER', ctx);
  }
}
export class NetworkError extends ApiError {
  constructor(ctx: ApiErrorContext, message: string, options?: { cause?: unknown }) {
    super('E_NETWORK', ctx, message, options);
  }
}
export class TimeoutError extends ApiError {
  constructor(ctx: ApiErrorContext, message: string, options?: { cause?: unknown }) {
    super('E_TIMEOUT', ctx, message, options);
  }
}

/** How an error is printed for a person: user errors (TwsError) without a stack trace. */
export function describeError(err: unknown): string {
  if (err instanceof TwsError) return `error: ${err.message}`;
  if (err instanceof Error) return `error: ${err.message}\n${err.stack ?? ''}`;
  return `error: ${String(err)}`;
}
