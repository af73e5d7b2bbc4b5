import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain ESM without type declarations (action/ runs without a build step)
import { outputsOf } from '../../action/report.mjs';
import { type JsonObject, read, readYaml } from '../shipping/helpers.js';
import { fakeBin, GITHUB_BASH, obj, runScript, stepNamed, tempDir } from '../shipping/scripts.js';

// action.yml itself: actionlint lints workflows, not action metadata, so its wiring is checked here.

const action = obj(readYaml('action.yml'));
const runs = obj(action.runs);
const steps = runs.steps as JsonObject[];

describe('action.yml', () => {
  it('is a composite action whose third-party steps are pinned to commit SHAs', () => {
    expect(runs.using).toBe('composite');
    for (const s of steps.filter((x) => typeof x.uses === 'string')) {
      expect(String(s.uses)).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
    }
    for (const line of read('action.yml')
      .split('\n')
      .filter((l) => /uses: \S+@[0-9a-f]{40}/.test(l))) {
      expect(line).toMatch(/ # v\d+\.\d+\.\d+$/);
    }
    // Shell steps read inputs through env, never `${{ }}` inside the script (no injection from inputs).
    for (const s of steps.filter((x) => typeof x.run === 'string'))
      expect(String(s.run)).not.toContain('${{');
  });

  it('references only declared inputs, and its outputs are exactly what the entrypoint writes', () => {
    const declared = Object.keys(obj(action.inputs));
    for (const m of read('action.yml').matchAll(/inputs\.([\w-]+)/g)) expect(declared).toContain(m[1]);
    const written = Object.keys(
      outputsOf({ exitCode: 0, counts: null, planHash: null, commentId: undefined, commentUrl: undefined }),
    ).sort();
    const outputs = obj(action.outputs);
    expect(Object.keys(outputs).sort()).toEqual(written);
    for (const [name, o] of Object.entries(outputs)) {
      expect(obj(o).value).toBe(`\${{ steps.run.outputs.${name} }}`);
    }
  });

  describe('the "Build the CLI" step', () => {
    const script = String(stepNamed({ steps } as JsonObject, 'Build the CLI').run);

    async function build(withDist: boolean) {
      const dir = tempDir();
      const actionPath = join(dir, 'action-checkout');
      mkdirSync(join(actionPath, 'dist'), { recursive: true });
      if (withDist) writeFileSync(join(actionPath, 'dist/cli.js'), '');
      const log = join(dir, 'npm-calls');
      writeFileSync(log, '');
      const bin = fakeBin(dir, 'npm', `#!/bin/sh\necho "$PWD $*" >> "${log}"\n`);
      const r = await runScript(GITHUB_BASH, script, dir, {
        PATH: `${bin}:${process.env.PATH}`,
        GITHUB_ACTION_PATH: actionPath,
      });
      return { ...r, calls: readFileSync(log, 'utf8'), actionPath };
    }

    it('builds dist/ in the action checkout from the lockfile, without install scripts', async () => {
      const r = await build(false);
      expect(r.code, r.stderr).toBe(0);
      expect(r.calls).toBe(
        `${r.actionPath} ci --no-audit --no-fund --ignore-scripts\n${r.actionPath} run build\n`,
      );
    });

    it('uses a checkout that already holds dist/cli.js as it is', async () => {
      const r = await build(true);
      expect(r.code).toBe(0);
      expect(r.calls).toBe('');
    });
  });

  it('is documented at the repository root path users reference', () => {
    expect(read('action.yml')).toContain('uses: toggl-webhooks-sync/toggl-webhooks-sync@v1');
  });
});
