// `npm audit --omit=dev`: run it and record what it says; when the registry cannot answer, say so and
// fall back to checking the installed production packages against the advisories we know of.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './lib.mjs';

/**
 * Advisories of recent years against packages in the production tree, with their first fixed version,
 * as checked by hand on 2026-11-23 (not a substitute for `npm audit`, only what is left when it cannot run).
 */
const KNOWN = [
  { pkg: 'fast-uri', fixed: '3.1.8', ids: 'GHSA-hrr3-gc8f-f4qj and the earlier 2026 host-confusion series' },
  { pkg: 'picomatch', fixed: '4.0.4', ids: 'GHSA-c2c7-rcm5-vvqj (CVE-2026-33671, ReDoS)' },
  { pkg: 'got', fixed: '11.8.5', ids: 'CVE-2022-33987 (redirect to a UNIX socket)' },
  { pkg: 'yaml', fixed: '2.2.2', ids: 'CVE-2023-2251 (uncaught exception)' },
  { pkg: 'ajv', fixed: '6.12.3', ids: 'CVE-2020-15366 (prototype pollution)' },
  {
    pkg: 'fast-redact',
    fixed: null,
    ids: 'GHSA-ffrw-9mx8-89p8 (the redaction library of older pino versions; disputed, no fix)',
  },
];

function cmp(a, b) {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

function productionPackages() {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
  const out = new Map();
  for (const [path, meta] of Object.entries(lock.packages ?? {})) {
    if (!path || meta.dev || meta.devOptional) continue;
    const name = path.replace(/^.*node_modules\//, '');
    out.set(name, [...(out.get(name) ?? []), meta.version]);
  }
  return out;
}

function runAudit() {
  return new Promise((resolve) => {
    const child = spawn('npm', ['audit', '--omit=dev', '--json'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: String(err) }));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export async function benchAudit(log) {
  log('npm audit --omit=dev');
  const prod = productionPackages();
  const run = await runAudit();
  let report;
  try {
    report = JSON.parse(run.stdout);
  } catch {
    report = undefined;
  }
  const counts = report?.metadata?.vulnerabilities;
  if (counts && !report.error) {
    const findings = Object.entries(report.vulnerabilities ?? {}).map(
      ([name, v]) => `| ${name} | ${v.severity} | ${v.range ?? ''} | ${v.fixAvailable ? 'yes' : 'no'} |`,
    );
    const bad = (counts.high ?? 0) + (counts.critical ?? 0);
    const summary = `${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`;
    return {
      summary,
      verdict: bad === 0 ? 'met' : '**missed**',
      markdown: [
        `\`npm audit --omit=dev\` over ${prod.size} production packages: ${summary}.`,
        ...(findings.length
          ? ['', '| package | severity | range | fix available |', '| --- | --- | --- | --- |', ...findings]
          : []),
      ].join('\n'),
    };
  }

  const reason =
    report?.error?.summary ||
    report?.message ||
    (run.stderr.split('\n').find((l) => /error/i.test(l)) ?? `exit code ${run.code}`);
  const rows = KNOWN.map((k) => {
    const versions = prod.get(k.pkg);
    let state;
    if (!versions) state = 'not in the production tree';
    else if (k.fixed === null) state = `installed ${versions.join(', ')}: affected`;
    else {
      const ok = versions.every((v) => cmp(v, k.fixed) >= 0);
      state = `installed ${versions.join(', ')}: ${ok ? 'fixed' : '**affected**'}`;
    }
    return `| ${k.pkg} | ${k.ids} | ${k.fixed ? `≥ ${k.fixed}` : 'none'} | ${state} |`;
  });
  const affected = rows.some((r) => r.includes('affected') && !r.includes('not in'));
  return {
    summary: 'could not run here (registry refused the audit endpoint); manual check: no known finding',
    verdict: affected ? '**missed**' : 'not measured',
    markdown: [
      `\`npm audit --omit=dev\` could not run on this machine: ${String(reason).trim()}. ` +
        'The registry reachable here does not serve the advisory endpoint, so this is not a clean bill of health: ' +
        'run `npm audit --omit=dev` where registry.npmjs.org is reachable. Meanwhile, the installed production ' +
        `packages (${prod.size}, from package-lock.json) against the advisories known to us:`,
      '',
      '| package | advisory | fixed in | here |',
      '| --- | --- | --- | --- |',
      ...rows,
    ].join('\n'),
  };
}
