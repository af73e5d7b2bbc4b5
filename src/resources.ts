/**
 * Files the program reads from its own package. This module sits directly under src/ so that `../` is
 * the package root both from src/ (tests) and from the flat dist/ bundle, whichever chunk it lands in.
 */
export const PACKAGE_ROOT = new URL('../', import.meta.url);

/** The schema of the subscription files, shipped beside the bundle (package.json `files`). */
export const SCHEMA_URL = new URL('schemas/subscriptions.schema.json', PACKAGE_ROOT);
