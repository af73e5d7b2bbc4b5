import { ApiError, QuotaError, TwsError, ValidationError } from '../errors.js';

/** Any thrown value as a TwsError with a stable code (an unknown failure is E_API); outputs scrub its text. */
export function asTwsError(err: unknown): TwsError {
  if (err instanceof TwsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TwsError('E_API', message, { cause: err });
}

/**
 * The API's own message when it gave one (that is what a person can act on), else ours. Text from
 * outside, kept as it came: the outputs scrub it with the run's secrets (docs/secrets.md).
 */
export function failureMessage(err: unknown): string {
  // A quota error's own message carries the reset time one-shot runs must report.
  if (err instanceof QuotaError) return err.message;
  if (err instanceof ApiError) {
    const text = err.apiMessage ?? err.message;
    return err.status !== undefined && err.apiMessage ? `${text} (HTTP ${err.status})` : text;
  }
  if (err instanceof Error) return err.message;
  return String(err);
}

/** The API's "description ... is already in use": a create that collided with an existing subscription. */
export function isDescriptionInUse(err: unknown): boolean {
  return (
    err instanceof ValidationError &&
    typeof err.apiMessage === 'string' &&
    /description\b[\s\S]*\bis already in use/i.test(err.apiMessage)
  );
}
