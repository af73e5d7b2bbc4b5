// Where start-up time goes: the import time of each heavy dependency in a fresh process (median).
import { median, ROOT, timeNode } from './lib.mjs';

const RUNS = 7;
const PROBES = [
  { name: 'commander (every command)', code: "await import('commander')" },
  { name: 'yaml (validate, sync)', code: "await import('yaml')" },
  {
    name: 'schema validator, precompiled (validate, sync)',
    code: "await import('./.tmp/lib/generated/schema-validator.js')",
  },
  {
    name: 'ajv: import + compile the schema (what precompiling avoids)',
    code:
      "const { Ajv2020 } = await import('ajv/dist/2020.js'); const fs = await import('node:fs'); " +
      "new Ajv2020({ allErrors: true, verbose: true, strict: true }).compile(JSON.parse(fs.readFileSync('schemas/subscriptions.schema.json', 'utf8')))",
  },
  { name: 'pino (sync, daemon)', code: "await import('pino')" },
  { name: 'got (sync, daemon)', code: "await import('got')" },
  { name: 'prom-client (daemon)', code: "await import('prom-client')" },
  { name: 'chokidar (--watch, daemon)', code: "await import('chokidar')" },
];

export async function benchImports(log) {
  log(`start-up breakdown: ${PROBES.length} imports, ${RUNS} runs each`);
  const rows = [];
  for (const p of PROBES) {
    const times = [];
    for (let r = 0; r < RUNS; r++) {
      const script = `const t = performance.now(); ${p.code}; process.stdout.write(String(performance.now() - t));`;
      const run = await timeNode(['--input-type=module', '-e', script], { cwd: ROOT });
      if (run.code !== 0) throw new Error(`${p.name}: ${run.stderr}`);
      times.push(Number(run.stdout));
    }
    rows.push({ name: p.name, medianMs: median(times) });
  }
  return rows;
}
