import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleBuildReason } from './stale-build.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Vitest global setup (both configs): rebuilds dist/ and .tmp/lib/ when they are older than their
 * sources, so no test ever runs a stale CLI. `npm test` builds first, so this costs nothing there; a
 * bare `npx vitest run` after an edit gets a fresh bundle (esbuild, about a second; the typecheck is
 * `npm test`'s job).
 */
export default function setup(): void {
  const reason = staleBuildReason(ROOT);
  if (!reason) return;
  process.stdout.write(`global setup: ${reason}; rebuilding (node scripts/build.mjs --no-typecheck)\n`);
  execFileSync(process.execPath, ['scripts/build.mjs', '--no-typecheck'], { cwd: ROOT, stdio: 'inherit' });
  const still = staleBuildReason(ROOT);
  if (still) throw new Error(`the build is still stale after rebuilding: ${still}`);
}
