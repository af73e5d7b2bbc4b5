import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { assertBuilt, CLI } from '../support/cli.js';
import { allFences, brokenLinks, type Fence, missingOutput, type Step, steps } from './transcripts.js';

/**
 * Runs every ```console block of README.md, CONTRIBUTING.md, docs/ and src/ READMEs as a user would type
 * it: in bash, in a scratch directory beside a clone's `dist/`, `examples/` and `schemas/`, with
 * `toggl-webhooks-sync` on PATH (the built CLI) and TOGGL_API_URL / TOGGL_API_TOKEN pointing at a fresh
 * emulator that serves workspaces 1234567 and 7654321 over real HTTP. Each command must exit 0 (unless the
 * transcript's next command is `echo $?`, which then shows the code) and print the lines shown under it.
 * The ports the docs use (9464, 9465) are replaced by free ones so parallel runs do not collide.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
const all = allFences(root);
const consoleBlocks = all.filter((f) => f.lang === 'console');

/** What a ```sh block may hold: commands that need a container engine, a cluster, the network or a real token. */
const NOT_RUN: Array<[RegExp, string]> = [
  [/^(docker|podman)\b/, 'needs a container engine'],
  [/^(helm|kubectl)\b/, 'needs a Kubernetes cluster'],
  [/^npm (ci|install|publish|i)\b|^npm ci &&|^npx /, 'installs from the npm registry'],
  [
    /^npm (test|run demo|run bench|run test:chaos|run build)\b/,
    'runs the project itself (the test suite runs these)',
  ],
  [/^git (clone|push|tag)\b/, 'needs the network'],
  [/^curl\b/, 'reaches a running daemon or the network'],
  [/^export TOGGL_API_TOKEN=|^export TOGGL_API_TOKEN_FILE=/, 'needs a real Toggl token'],
  [/^cd\b/, 'changes directory in a clone'],
];

function commandsOf(fence: Fence): string[] {
  return fence.lines
    .map((l) => l.replace(/^\$ /, '').trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !/^\s/.test(l))
    .filter((_l, i, lines) => i === 0 || !/\\$/.test(lines[i - 1] ?? ''));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

let bin: string;
beforeAll(() => {
  assertBuilt();
  bin = mkdtempSync(join(tmpdir(), 'tws-docs-bin-'));
  const shim = join(bin, 'toggl-webhooks-sync');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(shim, 0o755);
});
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** A directory that looks like a clone after `npm ci && npm run build`, minus anything a block could change. */
function sandbox(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tws-docs-'));
  for (const name of ['dist', 'node_modules', 'schemas', 'package.json']) {
    symlinkSync(join(root, name), join(dir, name));
  }
  cpSync(join(root, 'examples'), join(dir, 'examples'), { recursive: true });
  mkdirSync(join(dir, 'home'));
  return dir;
}

const MARK = '__TWS_DOCS_STEP_DONE__';

interface Shell {
  child: ChildProcess;
  output(): string;
  /** Runs one command; resolves with its output and exit code (background commands: code undefined). */
  run(step: Step, timeoutMs: number): Promise<{ output: string; code: number | undefined }>;
  close(): Promise<void>;
}

function startShell(cwd: string, env: Record<string, string>): Shell {
  const child = spawn('bash', ['--noprofile', '--norc'], {
    cwd,
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: string) => {
    out += d;
    for (const l of listeners) l();
  };
  child.stdout?.setEncoding('utf8').on('data', onData);
  child.stderr?.setEncoding('utf8').on('data', onData);
  child.stdin?.write('exec 2>&1\n');
  let count = 0;

  const waitFor = (check: () => boolean, timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const done = () => {
        if (!check()) return;
        listeners.delete(done);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        listeners.delete(done);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; output so far:\n${out}`));
      }, timeoutMs);
      listeners.add(done);
      done();
    });

  return {
    child,
    output: () => out,
    async run(step, timeoutMs) {
      const id = ++count;
      const start = out.length;
      const mark = `${MARK}${id}:`;
      // The marker keeps $? for the next line, so a transcript's own `echo $?` shows this command's code.
      child.stdin?.write(`${step.command}\n__rc=$?; printf '\\n${mark}%d\\n' "$__rc"; (exit $__rc)\n`);
      await waitFor(() => out.includes(mark, start), timeoutMs, `\`${step.command}\``);
      const at = out.indexOf(mark, start);
      const code = Number(/^(\d+)/.exec(out.slice(at + mark.length))?.[1]);
      if (step.background) {
        // A server started with `&`: wait until it shows what the transcript shows (it is listening).
        await waitFor(
          () => missingOutput(step.expected, out.slice(start)) === undefined,
          timeoutMs,
          `${step.command}`,
        );
        return { output: out.slice(start), code: undefined };
      }
      return { output: out.slice(start, at).replace(/\n$/, ''), code };
    },
    async close() {
      child.stdin?.end('kill $(jobs -p) 2>/dev/null; wait\n');
      const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
      const timer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

describe.each(consoleBlocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
  'console block %s',
  (_name, block) => {
    it('runs as written against the emulator', { timeout: 180_000 }, async () => {
      const transcript = steps(block);
      expect(transcript.length, 'a console block without `$ ` commands: use ```text').toBeGreaterThan(0);
      const emu = await startEmulator({ workspaces: [1234567, 7654321], callbackCheck: false });
      const dir = sandbox();
      const ports = new Map([
        ['9465', String(await freePort())],
        ['9464', String(await freePort())],
      ]);
      const localise = (s: string) => s.replace(/\b(9465|9464)\b/g, (p) => ports.get(p) ?? p);
      const shell = startShell(dir, {
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        HOME: join(dir, 'home'),
        NO_COLOR: '1',
        TOGGL_API_URL: emu.url,
        TOGGL_API_TOKEN: 'emulator-token',
        // The emulator has no rate limit; the real API's one request per second would only slow the test.
        TOGGL_REQUEST_SPACING_MS: '0',
      });
      try {
        if (block.setup) {
          const setup = await shell.run(
            { command: block.setup, expected: [], background: false, line: block.line },
            60_000,
          );
          expect(setup.code, `console-setup of ${block.file}:${block.line} failed:\n${setup.output}`).toBe(0);
        }
        for (const [i, step] of transcript.entries()) {
          const local = { ...step, command: localise(step.command), expected: step.expected.map(localise) };
          const result = await shell.run(local, 60_000);
          const where = `${block.file}:${step.line}: \`${step.command}\``;
          const next = transcript[i + 1]?.command.trim();
          if (!step.background && next !== 'echo $?') {
            expect(result.code, `${where} exited ${result.code}:\n${result.output}`).toBe(0);
          }
          const missing = missingOutput(local.expected, result.output);
          expect(
            missing,
            `${where} did not print\n${missing}\n--- it printed ---\n${result.output}`,
          ).toBeUndefined();
        }
      } finally {
        await shell.close();
        await emu.close();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  },
);

describe('documentation blocks', () => {
  it('finds console blocks in the README and the docs', () => {
    const files = new Set(consoleBlocks.map((b) => b.file));
    expect(files).toContain('README.md');
    expect([...files].filter((f) => f.startsWith('docs/')).length).toBeGreaterThan(3);
  });

  it('keeps commands out of other fences: only ```console and ```sh blocks hold `$ ` lines', () => {
    const hidden = all
      .filter((f) => f.lang !== 'console' && f.lang !== 'sh')
      .filter((f) => f.lines.some((l) => l.startsWith('$ ')))
      .map((f) => `${f.file}:${f.line} (${f.lang || 'no language'})`);
    expect(hidden).toEqual([]);
  });

  it('lists the ```sh blocks it deliberately does not run, each for a reason', () => {
    const notRun = all.filter((f) => f.lang === 'sh' || f.lang === 'bash' || f.lang === 'shell');
    const runnable: string[] = [];
    const reasons: string[] = [];
    for (const block of notRun) {
      for (const command of commandsOf(block)) {
        const reason = NOT_RUN.find(([re]) => re.test(command))?.[1];
        if (reason) reasons.push(`${block.file}:${block.line}: ${command.slice(0, 60)} (${reason})`);
        else runnable.push(`${block.file}:${block.line}: ${command}`);
      }
    }
    // A command that could run offline belongs in a ```console block, where it is tested.
    expect(runnable, 'these could run: move them to a ```console block').toEqual([]);
    console.info(`docs: ${notRun.length} \`\`\`sh blocks not run:\n  ${reasons.join('\n  ')}`);
  });

  it('resolves every relative link and anchor', () => {
    expect(brokenLinks(root)).toEqual([]);
  });
});
