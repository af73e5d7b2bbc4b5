#!/usr/bin/env node
// `npm run bench`: measures what the docs claim (minimal API calls, reconcile time against a bare HTTP
// loop, cold start, daemon memory, watch latency, dependency audit), prints the report and rewrites
// BENCHMARKS.md with it. Takes about 4-5 minutes on 2 cores; no thresholds fail the run.
//
//   BENCH_DAEMON_CYCLES=2000 npm run bench   fewer daemon reconciles (default 10000)
//   BENCH_ONLY=calls,watch npm run bench      some sections only (calls, cold, imports, scale, tokens, watch,
//                                             memory, audit; BENCHMARKS.md is then left alone)
//   BENCH_NODES=/opt/node22/bin/node,/opt/node24/bin/node npm run bench   a cold-start table per Node line
//   BENCH_PREVIOUS=<commit>                   the previous build timed beside this one (default 5c51f97)
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { benchAudit } from '../bench/audit.mjs';
import { benchCalls } from '../bench/calls.mjs';
import { benchColdStart } from '../bench/cold-start.mjs';
import { benchImports } from '../bench/imports.mjs';
import { ROOT } from '../bench/lib.mjs';
import { benchMemory } from '../bench/memory.mjs';
import { renderReport } from '../bench/report.mjs';
import { benchScale } from '../bench/scale.mjs';
import { benchTokens } from '../bench/tokens.mjs';
import { benchWatch } from '../bench/watch.mjs';

const cycles = Number(process.env.BENCH_DAEMON_CYCLES ?? 10_000);
if (!Number.isInteger(cycles) || cycles < 200)
  throw new Error('BENCH_DAEMON_CYCLES must be an integer ≥ 200');
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : undefined;
const want = (name) => !only || only.has(name);

const started = Date.now();
const log = (msg) => process.stderr.write(`[${Math.round((Date.now() - started) / 1000)}s] ${msg}\n`);
const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  memory: os.totalmem(),
  os: `${os.type()} ${os.release()} (${os.arch()})`,
  node: process.version,
  date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
  loadStart: os.loadavg()[0],
};

const results = { command: 'npm run bench', machine };
if (want('calls')) results.calls = await benchCalls(log);
if (want('cold')) results.coldStart = await benchColdStart(log);
if (want('imports')) results.imports = await benchImports(log);
if (want('scale')) results.scale = await benchScale(log);
if (want('tokens')) results.tokens = await benchTokens(log);
if (want('watch')) results.watch = await benchWatch(log);
if (want('memory')) {
  // As the image runs it (its ENTRYPOINT flags and ENV, read from the Dockerfile): the figure the target
  // is about.
  const checkpoints = [100, Math.round(cycles / 10), Math.round(cycles / 2), cycles];
  results.memory = await benchMemory(log, { checkpoints });
  // Informational: plain node (V8's defaults), fewer cycles.
  results.memoryDefault = await benchMemory(log, {
    checkpoints: [100, Math.min(2_000, cycles)],
    runtime: { nodeFlags: [], env: {} },
  });
}
if (want('audit')) results.audit = await benchAudit(log);
machine.loadEnd = os.loadavg()[0];
machine.seconds = (Date.now() - started) / 1000;
if (cycles !== 10_000) results.command = `BENCH_DAEMON_CYCLES=${cycles} npm run bench`;

if (only) {
  process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  log('partial run (BENCH_ONLY): BENCHMARKS.md left as it was');
} else {
  const report = renderReport(results);
  process.stdout.write(report);
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), report);
  log(`wrote BENCHMARKS.md in ${Math.round(machine.seconds)} s`);
}
