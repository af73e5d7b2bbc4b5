import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli, runNode } from '../support/cli.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

beforeAll(() => assertBuilt());

function runDemo() {
  return runNode(['scripts/demo.mjs'], { cwd: root, timeoutMs: 30_000 });
}

describe('npm run demo', () => {
  it('plans, applies, then finds nothing to do, and exits 0', async () => {
    const { code, stdout, stderr } = await runDemo();
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const plan = stdout.indexOf('1. Plan');
    const apply = stdout.indexOf('2. Apply');
    const again = stdout.indexOf('3. Sync again');
    expect(plan).toBeGreaterThan(-1);
    expect(apply).toBeGreaterThan(plan);
    expect(again).toBeGreaterThan(apply);
    expect(stdout.slice(plan, apply)).toContain('Plan: 2 to create, 1 to update, 1 to patch, 1 to delete.');
    expect(stdout.slice(apply, again)).toContain('Apply complete: 5 applied.');
    expect(stdout.slice(again)).toContain('No changes. Live subscriptions match the configuration.');
    expect(stdout).toContain(
      'API calls made by the second sync: GET /subscriptions/1234567, GET /subscriptions/7654321',
    );
    expect(stdout).not.toMatch(/demo-[0-9a-f]{24}/);
  });

  it('examples/demo validates once its variables are set', async () => {
    const run = await runCli(['validate', 'examples/demo'], {
      cwd: root,
      env: { DEMO_RECEIVER_URL: 'http://127.0.0.1:8080', DEMO_SECRET: 'a-demo-secret' },
    });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe('OK: 2 files, 2 workspaces, 4 subscriptions\n');
    expect(run.code).toBe(0);
  });
});
