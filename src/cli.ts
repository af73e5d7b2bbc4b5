#!/usr/bin/env node
import nodeModule from 'node:module';
import { unsupportedNodeMessage } from './node-support.js';

const tooOld = unsupportedNodeMessage(process.versions.node);
if (tooOld) {
  process.stderr.write(`${tooOld}\n`);
  process.exit(1);
}

// Node >= 22.1 keeps the compiled bundle in a disk cache between runs (a no-op, or absent, elsewhere:
// on Node 20 and on a read-only filesystem the program simply compiles as before). Enabled before the
// rest of the program is imported, so that import is what gets cached.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // Scripts and health checks call this constantly: answer without loading the argument parser.
  // Same output as the parser's own --version (src/cli/main.ts).
  const { VERSION } = await import('./version.js');
  process.stdout.write(`${VERSION}\n`);
} else {
  const { main } = await import('./cli/main.js');
  process.exitCode = await main(process.argv);
}
