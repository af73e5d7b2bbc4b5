// Small helpers shared by the benchmark sections (scripts/bench.mjs runs them).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CLI = join(ROOT, 'dist', 'cli.js');
export const TOKEN = 'bench-token-9f3Kq';

/**
 * Imports an internal module in-process, e.g. `dist('emulator/index.js')`: from .tmp/lib, the
 * importable build of src/ that `npm run build` writes beside the shipped bundle (scripts/build.mjs).
 */
export function dist(path) {
  return import(new URL(`../.tmp/lib/${path}`, import.meta.url).href);
}

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export const ms = (n) => `${n < 10 ? n.toFixed(2) : n < 100 ? n.toFixed(1) : Math.round(n)} ms`;
export const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
export const ratio = (n) => n.toFixed(2);
export const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

const made = [];
process.once('exit', () => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes `files` (relative path -> text) into a fresh temp directory, removed at exit. */
export function tempTree(files) {
  const root = mkdtempSync(join(tmpdir(), 'tws-bench-'));
  made.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

/** A minimal environment for the CLI: the parent's TOGGL_* variables never leak into a measurement. */
export function childEnv(extra = {}) {
  // The program's code cache (src/boot/scripts.ts) kept apart from the user's, in .tmp.
  // The pre-check cache off: request counts are measured, never answered from the user's home.
  const env = {
    NO_COLOR: '1',
    TWS_CODE_CACHE_DIR: join(ROOT, '.tmp', 'bench-code-cache'),
    TWS_PRECHECK_CACHE: 'off',
  };
  for (const k of ['PATH', 'HOME', 'TMPDIR']) if (process.env[k] !== undefined) env[k] = process.env[k];
  return { ...env, ...extra };
}

/**
 * Runs `node ...args` and measures spawn to exit. Asynchronous so that an emulator in this process
 * keeps answering while the child runs.
 */
export function timeNode(
  args,
  { env = childEnv(), cwd = ROOT, timeoutMs = 60_000, node = process.execPath } = {},
) {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn(node, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ ms: nowMs() - started, code, signal, stdout, stderr });
    });
  });
}

/** Throws with the child's output when it did not exit with one of `codes`. */
export function expectExit(run, codes, what) {
  if (!codes.includes(run.code)) {
    throw new Error(`${what} exited ${run.code ?? run.signal}:\n${run.stdout}\n${run.stderr}`);
  }
  return run;
}
