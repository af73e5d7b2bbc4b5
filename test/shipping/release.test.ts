import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dollarBrace, ghExpr, type JsonObject, ROOT, read, readYaml } from './helpers.js';
import { fakeBin, GITHUB_BASH, obj, runScript, stepNamed, steps, tempDir } from './scripts.js';

// The release workflow: what a tag publishes and what every other run stops short of. Its shell steps
// run here with bash and stand-ins (docker), the way the runner runs them.

const wf = obj(readYaml('.github/workflows/release.yml'));
const jobs = obj(wf.jobs);
const TAG = "startsWith(github.ref, 'refs/tags/v')";
const pkgVersion = (JSON.parse(read('package.json')) as { version: string }).version;

describe('.github/workflows/release.yml', () => {
  it('runs on version tags, and as a dry run on main and on pull requests touching the release', () => {
    const on = obj(wf.on);
    expect(obj(on.push).tags).toEqual(['v[0-9]+.[0-9]+.[0-9]+*']);
    expect(obj(on.push).branches).toEqual(['main']);
    expect(obj(on.pull_request).paths).toEqual(
      expect.arrayContaining(['Dockerfile', 'package.json', 'helm/**']),
    );
    expect(wf.permissions).toEqual({});
  });

  it('every step that publishes or signs runs only for a tag; everything before it runs always', () => {
    const publishing = /publish|push|sign|log in|release/i;
    for (const [name, job] of Object.entries(jobs)) {
      const j = obj(job);
      for (const step of steps(j)) {
        const label = String(step.name ?? step.uses ?? step.run);
        const publishes =
          (/^Publish to|^Push|^Sign|^Log in|^Create the GitHub release/.test(label) ||
            String(step.uses ?? '').startsWith('sigstore/cosign-installer')) &&
          publishing.test(label);
        const gated = step.if === TAG || j.if === TAG;
        if (publishes) expect(gated, `${name}: ${label}`).toBe(true);
        if (!publishes && j.if !== TAG && /^(Package|Build|Pin|Versions)/.test(label)) {
          expect(step.if, `${name}: ${label} must run on every event`).toBeUndefined();
        }
      }
    }
    expect(obj(jobs['github-release']).if).toBe(TAG);
  });

  it('gives each job only the permissions it uses', () => {
    expect(obj(jobs.check).permissions).toEqual({ contents: 'read' });
    expect(obj(jobs.npm).permissions).toEqual({ contents: 'read', 'id-token': 'write' });
    expect(obj(jobs.image).permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    expect(obj(jobs.chart).permissions).toEqual({ contents: 'read', packages: 'write', 'id-token': 'write' });
    expect(obj(jobs['github-release']).permissions).toEqual({ contents: 'write' });
  });

  it('publishes to npm with provenance, and dry-runs the same publish otherwise', () => {
    const npm = obj(jobs.npm);
    expect(stepNamed(npm, 'Publish to npm').run).toBe(
      'npm publish --provenance --access public --ignore-scripts',
    );
    expect(stepNamed(npm, 'Publish (dry run)').run).toBe('npm publish --dry-run --ignore-scripts');
    expect(stepNamed(npm, 'Publish (dry run)').if).toBe(`\${{ !${TAG} }}`);
  });

  it('builds amd64 and arm64 with SBOM and provenance, pushes only on a tag, and signs the digest', () => {
    const image = obj(jobs.image);
    const build = obj(stepNamed(image, 'Build').with);
    expect(build.platforms).toBe('linux/amd64,linux/arm64');
    expect(build.sbom).toBe(true);
    expect(build.provenance).toBe('mode=max');
    expect(build.push).toBe(`\${{ ${TAG} }}`);
    expect(String(build['build-args'])).toContain(`NODE_IMAGE=${ghExpr('steps.base.outputs.node-image')}`);
    const sign = stepNamed(image, 'Sign the image');
    expect(String(sign.run)).toContain(
      `cosign sign --yes "${dollarBrace('image')}@${dollarBrace('DIGEST')}"`,
    );
    expect(obj(sign.env).DIGEST).toBe(ghExpr('steps.build.outputs.digest'));
  });

  it('packages the chart always and pushes it to an OCI registry on a tag', () => {
    const chart = obj(jobs.chart);
    expect(String(stepNamed(chart, 'Package the chart').run)).toContain(
      'helm package helm/toggl-webhooks-sync',
    );
    expect(String(stepNamed(chart, 'Push the chart').run)).toContain(
      `"oci://ghcr.io/${dollarBrace('GITHUB_REPOSITORY_OWNER,,')}/charts"`,
    );
    expect(String(stepNamed(chart, 'Sign the chart').run)).toBe('cosign sign --yes "$REF"');
  });

  describe('the "Versions agree" step', () => {
    const script = String(stepNamed(obj(jobs.check), 'Versions agree').run);

    async function check(ref: string, mutate?: (dir: string) => void) {
      const dir = tempDir();
      mkdirSync(join(dir, 'helm/toggl-webhooks-sync'), { recursive: true });
      for (const f of ['package.json', 'CHANGELOG.md', 'helm/toggl-webhooks-sync/Chart.yaml']) {
        copyFileSync(join(ROOT, f), join(dir, f));
      }
      mutate?.(dir);
      const env = {
        PATH: process.env.PATH ?? '',
        GITHUB_REF: ref,
        GITHUB_REF_NAME: ref.replace(/^refs\/(tags|heads)\//, ''),
        GITHUB_OUTPUT: join(dir, 'output'),
      };
      const result = await runScript(GITHUB_BASH, script, dir, env);
      let output = '';
      try {
        output = readFileSync(env.GITHUB_OUTPUT, 'utf8');
      } catch {}
      return { ...result, output };
    }

    it('passes for the matching tag and for main, and outputs the version', async () => {
      for (const ref of [`refs/tags/v${pkgVersion}`, 'refs/heads/main']) {
        const r = await check(ref);
        expect(r.code, r.stdout + r.stderr).toBe(0);
        expect(r.output).toBe(`version=${pkgVersion}\n`);
      }
    });

    it('refuses a tag that is not the package version', async () => {
      const r = await check('refs/tags/v9.9.9');
      expect(r.code).toBe(1);
      expect(r.stdout).toContain(`::error::tag v9.9.9 does not match package.json version ${pkgVersion}`);
    });

    it('refuses a chart appVersion or a CHANGELOG that lags behind', async () => {
      const chart = await check('refs/heads/main', (dir) => {
        const f = join(dir, 'helm/toggl-webhooks-sync/Chart.yaml');
        writeFileSync(f, readFileSync(f, 'utf8').replace(/^appVersion: .*$/m, 'appVersion: "0.0.1"'));
      });
      expect(chart.code).toBe(1);
      expect(chart.stdout).toContain('appVersion 0.0.1 is not');
      const changelog = await check('refs/heads/main', (dir) =>
        writeFileSync(join(dir, 'CHANGELOG.md'), '# Changelog\n'),
      );
      expect(changelog.code).toBe(1);
      expect(changelog.stdout).toContain(`CHANGELOG.md has no section ## [${pkgVersion}]`);
    });
  });

  describe('the "Pin the base image" step', () => {
    const script = String(stepNamed(obj(jobs.image), 'Pin the base image').run);
    const DIGEST = `sha256:${'ab'.repeat(32)}`;

    async function pin(dockerfileArg: string, answer: string) {
      const dir = tempDir();
      writeFileSync(
        join(dir, 'Dockerfile'),
        `# syntax=docker/dockerfile:1\n${dockerfileArg}\nFROM \${NODE_IMAGE}\n`,
      );
      const bin = fakeBin(
        dir,
        'docker',
        `#!/bin/sh\nprintf "%s\\n" "$*" >> "${dir}/docker-args"\nprintf '%s' '${answer}'\n`,
      );
      const env = {
        PATH: `${bin}:${process.env.PATH}`,
        GITHUB_OUTPUT: join(dir, 'output'),
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
      };
      const r = await runScript(GITHUB_BASH, script, dir, env);
      const readOr = (f: string) => {
        try {
          return readFileSync(f, 'utf8');
        } catch {
          return '';
        }
      };
      return { ...r, output: readOr(env.GITHUB_OUTPUT), docker: readOr(join(dir, 'docker-args')) };
    }

    it('resolves a bare tag to its index digest once', async () => {
      const r = await pin(
        'ARG NODE_IMAGE=node:22-alpine',
        JSON.stringify({ digest: DIGEST, mediaType: 'x' }),
      );
      expect(r.code, r.stderr).toBe(0);
      expect(r.output).toBe(`node-image=node:22-alpine@${DIGEST}\n`);
      expect(r.docker).toBe('buildx imagetools inspect node:22-alpine --format {{json .Manifest}}\n');
    });

    it('keeps a digest the Dockerfile already pins, without asking the registry', async () => {
      const r = await pin(`ARG NODE_IMAGE=node:22-alpine@${DIGEST}`, '{}');
      expect(r.output).toBe(`node-image=node:22-alpine@${DIGEST}\n`);
      expect(r.docker).toBe('');
    });

    it('fails instead of building on an unpinned base when the digest cannot be resolved', async () => {
      const r = await pin('ARG NODE_IMAGE=node:22-alpine', JSON.stringify({ digest: 'sha256:short' }));
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('::error::could not resolve the digest of node:22-alpine');
      expect(r.output).toBe('');
    });
  });

  it('takes the release notes from the CHANGELOG section of the version', async () => {
    const job = obj(jobs['github-release']);
    const dir = tempDir();
    writeFileSync(
      join(dir, 'CHANGELOG.md'),
      '# Changelog\n\n## [Unreleased]\n- next\n\n## [1.2.0] - 2026-01-02\n### Added\n- one\n\n## [1.1.0]\n- old\n',
    );
    const r = await runScript(GITHUB_BASH, String(stepNamed(job, 'Release notes').run), dir, {
      PATH: process.env.PATH ?? '',
      VERSION: '1.2.0',
    });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'notes.md'), 'utf8')).toBe('### Added\n- one\n\n');
  });
});

describe('renovate.json keeps the base image pinned by digest', () => {
  it('pins Dockerfile digests and keeps GitHub Actions on commit SHAs', () => {
    const config = JSON.parse(read('renovate.json')) as JsonObject;
    expect(config.extends).toEqual(
      expect.arrayContaining(['config:recommended', 'helpers:pinGitHubActionDigests']),
    );
    const rules = config.packageRules as JsonObject[];
    expect(
      rules.some((r) => JSON.stringify(r.matchManagers) === '["dockerfile"]' && r.pinDigests === true),
    ).toBe(true);
  });
});
