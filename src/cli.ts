#!/usr/bin/env node
import { type BundleManifest, BundleScripts, codeCacheDir, commandTag } from './boot/scripts.js';
import { unsupportedNodeMessage } from './node-support.js';
import { directOutput } from './util/direct-output.js';
import { VERSION } from './version.js';

// Built as CommonJS (dist/package.json says so): an ES module entry would load Node's ES module
// loader, a few milliseconds of every start that `--version` alone would double.

/** Written by scripts/build.mjs: the scripts beside this file and their digests. */
declare const __TWS_SCRIPTS__: BundleManifest;

const tooOld = unsupportedNodeMessage(process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Scripts and health checks call this constantly: answer without loading the argument parser.
  // Same output as the parser's own --version (src/cli/main.ts).
  directOutput(1, () => process.stdout).write(`${VERSION}\n`);
} else {
  // The program itself is dist/app.cjs, run with a code cache (src/boot/scripts.ts).
  const scripts = new BundleScripts({
    dir: __dirname,
    manifest: __TWS_SCRIPTS__,
    cacheDir: codeCacheDir(process.env),
    tag: commandTag(args),
  });
  process.once('exit', () => scripts.saveCaches());
  const { main } = scripts.load('app') as typeof import('./cli/main.js');
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      // main reports its own failures; this is a last resort, as an unhandled rejection would be.
      process.exitCode = 1;
      throw err;
    },
  );
}
