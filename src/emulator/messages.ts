/**
 * Error texts of the Toggl Webhooks API v1, word for word from the official docs and Swagger file
 * (`shared/reference/`). Placeholders are filled in exactly where the docs put `{...}`.
 * Texts marked GUESS are not documented; the docs are silent and these are our choice.
 */

export const FORBIDDEN = 'User not found/accessible for workspace';
export const INTERNAL_ERROR = 'Internal Server Error';

export const notFound = (subscriptionId: number | string, workspaceId: number | string): string =>
  `subscription ${subscriptionId} for workspace ${workspaceId} was not found`;

export const DESCRIPTION_EMPTY = 'Subscription description must not be empty';
export const descriptionInUse = (description: string, workspaceId: number): string =>
  `Subscription description '${description}' is already in use for workspace ${workspaceId}`;

export const FILTERS_EMPTY = 'The list of event filters must not be empty';
export const tooManyFilters = (allowed: number, given: number): string =>
  `The limit of ${allowed} event filters for your subscription has been exceeded as you're trying to set ${given} filters`;
/** The POST docs print `{subscription_id}` here, the PUT docs `{event_filter}`; the filter is what makes sense. */
export const duplicateFilter = (filter: string): string =>
  `The following event filter appears more than once for your subscription: ${filter}`;
export const ENTITY_EMPTY = 'The entity field for each subscription event filter must be non-empty';
export const entityChars = (entity: string): string =>
  `The value '${entity}' for the filter entity can only contain letters, numbers and '_' or be '*' to match all entities`;
export const ACTION_EMPTY = 'The action field for each subscription event filter must be non-empty';
export const actionChars = (action: string): string =>
  `The value '${action}' for the filter action can only contain letters, numbers and '_' or be '*' to match all actions`;
export const invalidAction = (action: string): string => `Invalid value '${action}' for event filter action`;

export const enabledLimit = (userId: number, allowed: number, workspaceId: number): string =>
  `User ${userId} already reached the limit of ${allowed} enabled subscriptions for workspace ${workspaceId}`;

/** POST and PATCH document "instead of 200", PUT documents "instead of 2xx". */
export type CallbackExpectation = '200' | '2xx';
export const callbackStatus = (url: string, status: number, expected: CallbackExpectation): string =>
  `URL endpoint ${url} responded with status ${status} instead of ${expected}`;
export const callbackFailed = (url: string, error: string): string =>
  `URL endpoint ${url} request failed with error: ${error}`;

export const validationCodeNotFound = (
  subscriptionId: number | string,
  workspaceId: number | string,
  code: string,
): string =>
  `subscription ${subscriptionId} for workspace ${workspaceId} and validation code '${code}' was not found`;
export const alreadyValidated = (subscriptionId: number | string): string =>
  `subscription ${subscriptionId} has already been validated`;
export const VALIDATED_OK = 'OK';

// GUESS: the request examples only say "the {secret} field may not be empty"; this mirrors the
// documented description message.
export const SECRET_EMPTY = 'Subscription secret must not be empty';
// GUESS: the docs do not describe malformed bodies, unknown routes or quota/rate-limit bodies.
export const invalidBody = (detail: string): string => `Invalid request body: ${detail}`;
export const ROUTE_NOT_FOUND = '404 page not found';
export const METHOD_NOT_ALLOWED = 'Method Not Allowed';
export const TOO_MANY_REQUESTS = 'Too Many Requests';
export const quotaExhausted = (resetsIn: number): string =>
  `You have hit your request quota for this workspace. Quota resets in ${resetsIn} seconds.`;
