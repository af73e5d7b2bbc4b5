import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the built CLI (dist/) and the in-process library (.tmp/lib/) are made from. */
export const BUILD_INPUTS = ['src', 'schemas', 'scripts/build.mjs', 'package.json', 'package-lock.json'];
/** What the build writes that tests run; the oldest of them decides. */
export const BUILD_OUTPUTS = ['dist/cli.js', '.tmp/lib', '.tmp/dist-meta.json'];

function newestMtime(path: string): { mtimeMs: number; file: string } {
  const st = statSync(path);
  if (!st.isDirectory()) return { mtimeMs: st.mtimeMs, file: path };
  let newest = { mtimeMs: st.mtimeMs, file: path };
  for (const name of readdirSync(path)) {
    const inner = newestMtime(join(path, name));
    if (inner.mtimeMs > newest.mtimeMs) newest = inner;
  }
  return newest;
}

/**
 * Why the build under `root` cannot be trusted (missing, or older than a file it is made from), or
 * undefined when it is current. Tests spawn dist/cli.js: without this check a test run after editing
 * src/ but not rebuilding would test yesterday's program and pass.
 */
export function staleBuildReason(root: string): string | undefined {
  let oldestOutput = Number.POSITIVE_INFINITY;
  for (const out of BUILD_OUTPUTS) {
    const path = join(root, out);
    if (!existsSync(path)) return `${out} is missing`;
    oldestOutput = Math.min(oldestOutput, statSync(path).mtimeMs);
  }
  for (const input of BUILD_INPUTS) {
    const path = join(root, input);
    if (!existsSync(path)) continue;
    const newest = newestMtime(path);
    if (newest.mtimeMs > oldestOutput) return `${relative(root, newest.file)} is newer than the build`;
  }
  return undefined;
}
