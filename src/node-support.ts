/**
 * The Node.js lines the program runs on (docs/commands.md#supported-nodejs-versions). Kept in step
 * with package.json `engines`; a test compares the two.
 *
 * This module is imported by the entry point before anything else, so it must stay free of imports
 * and of syntax newer than what an old Node can parse: its whole job is to turn "this Node is too
 * old" into one readable line instead of a SyntaxError or a missing-API stack trace from a dependency.
 */
export const MINIMUM_NODE = { major: 20, minor: 19 } as const;

/** The one-line refusal for `version` (like `process.versions.node`), or undefined when it is supported. */
export function unsupportedNodeMessage(version: string): string | undefined {
  const match = /^v?(\d+)\.(\d+)\./.exec(version);
  if (!match) return undefined; // an unknown version string: let it try rather than refuse a working runtime
  const major = Number(match[1]);
  const minor = Number(match[2]);
  if (major > MINIMUM_NODE.major || (major === MINIMUM_NODE.major && minor >= MINIMUM_NODE.minor)) {
    return undefined;
  }
  return `error: toggl-webhooks-sync needs Node.js ${MINIMUM_NODE.major}.${MINIMUM_NODE.minor} or newer (22 or 24 LTS recommended); this is Node.js ${version.replace(/^v/, '')}`;
}
