import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, read, readYaml } from './helpers.js';
import { obj, stepNamed } from './scripts.js';

// The CI recipes must pass every variable the example files reference: a recipe that passes only
// TOGGL_API_TOKEN fails validate, plan and sync on the first `secret: ${SLACK_HOOK_SECRET}`.

function referencedVariables(): string[] {
  const names = new Set<string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (/\.ya?ml$/.test(e.name))
        for (const m of read(rel).matchAll(/\$\{(\w+)\}/g)) names.add(m[1] as string);
    }
  };
  walk('examples/subscriptions');
  return [...names].sort();
}

const vars = referencedVariables();

describe('CI recipes pass every variable the example subscription files reference', () => {
  it('the example files reference some (the check is not vacuous)', () => {
    expect(vars).toEqual(['SLACK_HOOK_SECRET']);
  });

  it('examples/github-actions/sync-dry-run.yml: in the Plan and the Sync step', () => {
    const jobs = obj(obj(readYaml('examples/github-actions/sync-dry-run.yml')).jobs);
    for (const [job, step] of [
      ['plan', 'Plan'],
      ['sync', 'Sync'],
    ] as const) {
      const env = obj(stepNamed(obj(jobs[job]), step).env);
      for (const v of vars) expect(env[v], `${job}/${step} ${v}`).toBe(`\${{ secrets.${v} }}`);
    }
  });

  it('examples/github-actions/toggl-webhooks.yml: in the env input of both Action steps', () => {
    const jobs = obj(obj(readYaml('examples/github-actions/toggl-webhooks.yml')).jobs);
    for (const job of ['plan', 'sync']) {
      const step = (obj(jobs[job]).steps as { uses?: string; with?: { env?: string } }[]).find((s) =>
        s.uses?.startsWith('toggl-webhooks-sync/toggl-webhooks-sync@'),
      );
      for (const v of vars) expect(step?.with?.env, `${job} ${v}`).toContain(`${v}=\${{ secrets.${v} }}`);
    }
  });

  it('examples/gitlab-ci.yml names them as CI/CD variables to define', () => {
    for (const v of vars) expect(read('examples/gitlab-ci.yml')).toContain(v);
  });

  it('the npm-based recipes say the package must be published first', () => {
    for (const f of ['examples/github-actions/sync-dry-run.yml', 'examples/gitlab-ci.yml']) {
      expect(read(f)).toContain('never');
      expect(read(f)).toMatch(/npm view toggl-webhooks-sync@/);
    }
  });
});
