import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { isObject, type Json, type JsonObject } from './helpers.js';

/**
 * Running the shell steps of CI files (workflows, the Action, the GitLab component) the way the runners
 * do: each script in a scratch directory, with stand-in programs on PATH.
 */

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

// GitHub's `shell: bash` and GitLab's sh on alpine.
export const GITHUB_BASH = ['bash', '--noprofile', '--norc', '-eo', 'pipefail'];
export const POSIX_SH = ['sh', '-e'];

const temp: string[] = [];
afterAll(() => {
  for (const dir of temp.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A scratch directory removed after the test file. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tws-ci-'));
  temp.push(dir);
  return dir;
}

/** Writes an executable `name` into DIR/bin and returns DIR/bin. */
export function fakeBin(dir: string, name: string, script: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  const file = join(bin, name);
  writeFileSync(file, script);
  chmodSync(file, 0o755);
  return bin;
}

/** A stand-in CLI that records its args in $FAKE_ARGS and answers FAKE_STDOUT/ERR/CODE. */
export function fakeCli(dir: string, name: string): string {
  return fakeBin(
    dir,
    name,
    '#!/bin/sh\nprintf "%s\\n" "$*" >> "$FAKE_ARGS"\nprintf "%s" "$FAKE_STDOUT"\nprintf "%s" "$FAKE_STDERR" >&2\nexit "$FAKE_CODE"\n',
  );
}

export function runScript(
  shell: string[],
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<Run> {
  const file = join(cwd, `step-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  return new Promise((resolve) => {
    execFile(shell[0] as string, [...shell.slice(1), file], { cwd, env }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export const obj = (v: Json | undefined): JsonObject => {
  expect(isObject(v), JSON.stringify(v)?.slice(0, 80)).toBe(true);
  return v as JsonObject;
};
export const steps = (job: JsonObject) => (job.steps as JsonObject[]) ?? [];
export const stepNamed = (job: JsonObject, name: string) => {
  const step = steps(job).find((s) => String(s.name ?? '').startsWith(name));
  expect(step, name).toBeDefined();
  return step as JsonObject;
};
