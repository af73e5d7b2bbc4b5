// The previous build, timed side by side with this one: the last build before the code-cached scripts
// (BENCH_PREVIOUS, default 5c51f97: the program as ES module chunks, with Node's own compile cache), checked out into a temp dir with `git worktree add`, installed and built once, and
// kept in .tmp/bench-previous/<commit> between runs.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

export const PREVIOUS_COMMIT = process.env.BENCH_PREVIOUS ?? '5c51f97';

/** The previous build's CLI path, building it first if needed; undefined (with a log line) when it cannot. */
export function previousCli(log) {
  const dir = join(ROOT, '.tmp', 'bench-previous', PREVIOUS_COMMIT);
  const cli = join(dir, 'dist', 'cli.js');
  if (existsSync(cli)) return cli;
  try {
    mkdirSync(join(ROOT, '.tmp', 'bench-previous'), { recursive: true });
    log(`previous build: checking out ${PREVIOUS_COMMIT} and building it (once)`);
    const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    if (!existsSync(dir)) run('git', ['worktree', 'add', '--detach', dir, PREVIOUS_COMMIT], ROOT);
    run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
    run('npm', ['run', 'build'], dir);
    return cli;
  } catch (err) {
    log(`previous build: unavailable (${String(err).split('\n')[0]}); its column stays empty`);
    return undefined;
  }
}
