import { readFileSync } from 'node:fs';

/** Set by the bundler (scripts/build.mjs) so the built program reads no file to know its version. */
declare const __TWS_VERSION__: string | undefined;

/** The package version: inlined in the bundle; read from package.json when running from src/ (tests). */
export const VERSION: string =
  typeof __TWS_VERSION__ === 'string'
    ? __TWS_VERSION__
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string })
        .version;

export const USER_AGENT = `toggl-webhooks-sync/${VERSION}`;
