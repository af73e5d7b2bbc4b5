import { ApiError, QuotaError, TwsError, ValidationError } from '../errors.js';
import { redact } from '../util/redact.js';

/** Any thrown value as a TwsError with a stable code (an unknown failure is E_API), secret-free. */
export function asTwsError(err: unknown): TwsError {
  if (err instanceof TwsError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new TwsError('E_API', redact(message), { cause: err });
}

/** The API's own message when it gave one (that is what a person can act on), else ours; secret-free. */
export function failureMessage(err: unknown): string {
  // A quota error's own message carries the reset time one-shot runs must report.
  if (err instanceof QuotaError) return redact(err.message);
  if (err instanceof ApiError) {
    const text = err.apiMessage ?? err.message;
    return redact(err.status !== undefined && err.apiMessage ? `${text} (HTTP ${err.status})` : text);
  }
  if (err instanceof Error) return redact(err.message);
  return redact(String(err));
}

/** The API's "description ... is already in use": a create that collided with an existing subscription. */
export function isDescriptionInUse(err: unknown): boolean {
  return (
    err instanceof ValidationError &&
    typeof err.apiMessage === 'string' &&
    /description\b[\s\S]*\bis already in use/i.test(err.apiMessage)
  );
}
