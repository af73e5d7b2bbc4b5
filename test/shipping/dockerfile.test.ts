import { execFile } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import picomatch from 'picomatch';
import { afterAll, describe, expect, it } from 'vitest';
import { CHART_DIR, dollarBrace, type JsonObject, ROOT, read, readYaml } from './helpers.js';

// No container engine runs on the build machines: the Dockerfile is parsed and checked here, the file set
// of its runtime stage is assembled and run with node, and CI builds the image for real.

interface Instruction {
  cmd: string;
  args: string;
}

interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): { args: Instruction[]; stages: Stage[] } {
  const logical = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const args: Instruction[] = [];
  const stages: Stage[] = [];
  for (const line of logical) {
    const m = /^(\w+)\s+([\s\S]*)$/.exec(line);
    if (!m) continue;
    const cmd = (m[1] as string).toUpperCase();
    const rest = (m[2] as string).trim();
    if (cmd === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest);
      stages.push({ from: f?.[1] ?? rest, name: f?.[2], instructions: [] });
    } else if (stages.length === 0) {
      args.push({ cmd, args: rest });
    } else {
      stages[stages.length - 1]?.instructions.push({ cmd, args: rest });
    }
  }
  return { args, stages };
}

const docker = parseDockerfile(read('Dockerfile'));
const runtime = docker.stages[docker.stages.length - 1] as Stage;
const all = (stage: Stage, cmd: string) => stage.instructions.filter((i) => i.cmd === cmd).map((i) => i.args);
const one = (stage: Stage, cmd: string) => {
  const found = all(stage, cmd);
  expect(found, cmd).toHaveLength(1);
  return found[0] as string;
};

describe('Dockerfile', () => {
  it('builds in stages from a current Node LTS on alpine', () => {
    expect(docker.stages.length).toBeGreaterThanOrEqual(2);
    // One place names the base image; every stage uses it, so a digest pin covers all of them.
    const base = docker.args.find((a) => a.cmd === 'ARG' && a.args.startsWith('NODE_IMAGE='));
    expect(base?.args).toMatch(/^NODE_IMAGE=node:(22|24)-alpine(@sha256:[0-9a-f]{64})?$/);
    for (const stage of docker.stages) expect(stage.from).toBe(dollarBrace('NODE_IMAGE'));
    expect(docker.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
  });

  it('names no digest that was not pinned by the update bot or the release workflow', () => {
    // A digest here is only ever written by Renovate (pinDigests) from the registry; the release workflow
    // resolves an unpinned tag itself. Any other image reference would escape both.
    const refs = [...read('Dockerfile').matchAll(/\b(?:FROM|ARG \w+=)\s*(\S*(?:node|alpine)\S*)/g)].map(
      (m) => m[1],
    );
    expect(refs.filter((r) => r !== dollarBrace('NODE_IMAGE') && !r?.startsWith('node:'))).toEqual([]);
    expect(read('.github/workflows/release.yml')).toContain("sed -n 's/^ARG NODE_IMAGE=//p' Dockerfile");
  });

  it('passes the structural lint rules hadolint would apply', () => {
    const text = read('Dockerfile');
    // DL3006/DL3007: no untagged or :latest base image.
    expect(text).not.toMatch(/^FROM\s+\S+:latest\b/m);
    // DL4000: no MAINTAINER; DL3020: COPY, not ADD, for local files.
    expect(text).not.toMatch(/^(MAINTAINER|ADD)\s/m);
    // DL3000: absolute WORKDIR.
    for (const stage of docker.stages)
      for (const w of all(stage, 'WORKDIR')) expect(w.startsWith('/')).toBe(true);
    // DL3025: JSON form for ENTRYPOINT and CMD, so signals reach node (the daemon's SIGTERM drain).
    for (const cmd of ['ENTRYPOINT', 'CMD']) expect(() => JSON.parse(one(runtime, cmd))).not.toThrow();
    // DL3016/DL3060 in spirit: npm installs come from the lockfile (npm ci), never `npm install`.
    const runs = docker.stages.flatMap((s) => all(s, 'RUN')).join('\n');
    expect(runs).not.toMatch(/\bnpm (i|install)\b/);
    // DL3002: the last USER is not root.
    expect(one(runtime, 'USER')).not.toMatch(/^(0|root)(:|$)/);
    // Every stage that is named is used, and every --from names an earlier stage.
    const names = docker.stages.map((s) => s.name);
    for (const stage of docker.stages) {
      for (const copy of all(stage, 'COPY')) {
        const from = /--from=(\S+)/.exec(copy)?.[1];
        if (from) expect(names.slice(0, docker.stages.indexOf(stage))).toContain(from);
      }
    }
  });

  it('compiles with the full toolchain in the build stage', () => {
    const build = docker.stages[0] as Stage;
    const runs = all(build, 'RUN').join('\n');
    expect(runs).toMatch(/^npm ci\b/m);
    expect(runs).toContain('npm run build');
  });

  it('ships only the bundle, package.json and schemas/: no node_modules', () => {
    expect(docker.stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    expect(all(runtime, 'COPY').sort()).toEqual([
      '--from=build /src/dist ./dist',
      'package.json ./',
      'schemas ./schemas',
    ]);
    expect(one(runtime, 'WORKDIR')).toBe('/app');
  });

  it('bounds the young generation and the JIT tiers of every process it runs (lean daemon)', () => {
    expect(all(runtime, 'ENV')).toContain('NODE_OPTIONS=--max-semi-space-size=1');
    // Interpreter and baseline code only: optimized code was the daemon's RSS growth (docs/daemon-and-metrics.md).
    expect(JSON.parse(one(runtime, 'ENTRYPOINT'))).toContain('--max-opt=1');
  });

  it('runs as a numeric non-root user, the one the chart declares', () => {
    const user = one(runtime, 'USER');
    expect(user).toMatch(/^\d+:\d+$/);
    const [uid, gid] = user.split(':').map(Number);
    expect(uid).toBeGreaterThan(0);
    const sc = (readYaml(`${CHART_DIR}/values.yaml`) as JsonObject).securityContext as JsonObject;
    expect([sc.runAsUser, sc.runAsGroup]).toEqual([uid, gid]);
  });

  it('has the CLI as entrypoint and the daemon on /config as default command', () => {
    expect(JSON.parse(one(runtime, 'ENTRYPOINT'))).toEqual([
      'node',
      '--single-threaded-gc',
      '--max-opt=1',
      '/app/dist/cli.js',
    ]);
    expect(JSON.parse(one(runtime, 'CMD'))).toEqual(['daemon', '/config']);
    expect(one(runtime, 'EXPOSE')).toBe('9464');
    expect(all(runtime, 'ENV')).toContain('NODE_ENV=production');
    // The healthcheck hits the daemon's own probe.
    expect(one(runtime, 'HEALTHCHECK')).toContain('http://127.0.0.1:9464/healthz');
  });

  it('labels the image with the OCI annotations', () => {
    const labels = all(runtime, 'LABEL').join(' ');
    for (const key of ['title', 'description', 'source', 'licenses', 'version', 'revision', 'created']) {
      expect(labels).toContain(`org.opencontainers.image.${key}=`);
    }
    expect(labels).toContain('org.opencontainers.image.licenses="MIT"');
    expect(labels).toContain(`org.opencontainers.image.version="${dollarBrace('VERSION')}"`);
    expect(all(runtime, 'ARG')).toContain('VERSION=0.0.0-dev');
  });
});

describe('.dockerignore', () => {
  // Docker's rule: the last pattern matching a path (or one of its parent directories) decides.
  const patterns = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => ({ negate: l.startsWith('!'), match: picomatch(l.replace(/^!/, ''), { dot: true }) }));
  const excluded = (path: string) => {
    const parts = path.split('/');
    let out = false;
    for (const p of patterns) {
      if (parts.some((_, i) => p.match(parts.slice(0, i + 1).join('/')))) out = !p.negate;
    }
    return out;
  };

  it.each([
    'node_modules/yaml/package.json',
    'dist/cli.js',
    '.git/HEAD',
    'test/shipping/dockerfile.test.ts',
    'coverage/index.html',
    '.env',
    'helm/toggl-webhooks-sync/values.yaml',
    'README.md',
  ])('keeps %s out of the build context', (path) => {
    expect(excluded(path)).toBe(true);
  });

  it('sends everything the Dockerfile copies', () => {
    const sources = docker.stages
      .flatMap((s) => all(s, 'COPY'))
      .filter((c) => !c.startsWith('--from'))
      .flatMap((c) => c.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    const sample: Record<string, string> = {
      src: 'src/cli.ts',
      schemas: 'schemas/subscriptions.schema.json',
    };
    for (const source of sources) expect(excluded(sample[source] ?? source), source).toBe(false);
  });
});

describe("the runtime stage's file set", () => {
  const pkg = JSON.parse(read('package.json')) as { version: string };
  const dist = join(ROOT, 'dist');
  const temp: string[] = [];
  afterAll(() => {
    for (const dir of temp) rmSync(dir, { recursive: true, force: true });
  });

  const jsFiles = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? jsFiles(join(dir, e.name)) : /\.c?js$/.test(e.name) ? [join(dir, e.name)] : [],
    );

  it('imports nothing but Node built-ins and its own files: every dependency is bundled', () => {
    expect(existsSync(dist), 'dist/ is missing: run `npm run build` first').toBe(true);
    const builtins = new Set(builtinModules);
    const outside: string[] = [];
    let files = 0;
    for (const file of jsFiles(dist)) {
      files++;
      const code = readFileSync(file, 'utf8');
      const specs = [
        ...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g),
        // esbuild's call for a require() it left outside the bundle (CommonJS code asking for a built-in).
        ...code.matchAll(/\b__require\("([^"]+)"\)/g),
        // The scripts' own require(): a built-in, or a library in its own script (src/boot/scripts.ts).
        ...code.matchAll(/(?<![\w$.'"])require\("([^"]+)"\)/g),
      ].map((m) => m[1] as string);
      for (const spec of specs) {
        if (file.endsWith('.cjs') && existsSync(join(dist, `vendor-${spec}.cjs`))) continue;
        // A relative spec other than `../` stays inside dist/ (a quoted "from '.command()'" in a message is no import).
        if (
          (spec.startsWith('.') && !spec.startsWith('../')) ||
          spec.startsWith('node:') ||
          builtins.has(spec)
        )
          continue;
        outside.push(`${relative(ROOT, file)}: ${spec}`);
      }
    }
    expect(files).toBeGreaterThan(0);
    expect(outside).toEqual([]);
  });

  it('runs the CLI from /app without writing anywhere', async () => {
    // The same layout as the image: app/{dist,package.json,schemas} and no node_modules anywhere above it,
    // run from an empty cwd.
    const root = mkdtempSync(join(tmpdir(), 'tws-image-'));
    temp.push(root);
    const app = join(root, 'app');
    const cwd = join(root, 'cwd');
    mkdirSync(cwd);
    cpSync(dist, join(app, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
    cpSync(join(ROOT, 'schemas'), join(app, 'schemas'), { recursive: true });
    const snapshot = () =>
      [join(app, 'dist'), join(app, 'schemas'), join(app, 'package.json'), cwd].flatMap((d) =>
        statSync(d).isDirectory()
          ? readdirSync(d, { recursive: true }).map(
              (f) => `${d}/${f}:${statSync(join(d, String(f))).mtimeMs}`,
            )
          : [`${d}:${statSync(d).mtimeMs}`],
      );
    const appEntries = () => readdirSync(app).sort();
    const appBefore = appEntries();
    const before = snapshot();

    const run = promisify(execFile);
    // The compile cache (Node >= 22.1) would write to the temp directory; the image's is read-only.
    const env = {
      PATH: process.env.PATH,
      NODE_ENV: 'production',
      NODE_OPTIONS: '--max-semi-space-size=1',
      HOME: cwd,
      NODE_DISABLE_COMPILE_CACHE: '1',
    };
    // With the node flags of the ENTRYPOINT: one this Node does not know would stop every command.
    const entrypoint = JSON.parse(one(runtime, 'ENTRYPOINT')) as string[];
    const cli = [...entrypoint.slice(1, entrypoint.indexOf('/app/dist/cli.js')), join(app, 'dist/cli.js')];
    const version = await run(process.execPath, [...cli, '--version'], { cwd, env });
    expect(version.stdout.trim()).toBe(pkg.version);
    const help = await run(process.execPath, [...cli, '--help'], { cwd, env });
    for (const command of ['validate', 'sync', 'daemon', 'export', 'status', 'emulator']) {
      expect(help.stdout).toContain(command);
    }
    // validate reads the JSON Schema from /app/schemas: the stage must ship it.
    const config = join(root, 'config');
    mkdirSync(config);
    writeFileSync(
      join(config, 'team.yaml'),
      'workspace_id: 1234567\nsubscriptions:\n  - description: "Slack: new projects"\n    url_callback: https://hooks.example.com/t\n    event_filters:\n      - { entity: project, action: created }\n',
    );
    await run(process.execPath, [...cli, 'validate', config], { cwd, env });
    writeFileSync(join(config, 'broken.yaml'), 'workspace_id: 1234567\nsubscriptions:\n  - descriptio: x\n');
    const broken = await run(process.execPath, [...cli, 'validate', config], {
      cwd,
      env,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => err,
    );
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/broken\.yaml:3:\d+: /);

    expect(snapshot()).toEqual(before);
    expect(appEntries()).toEqual(appBefore);
    expect(readdirSync(cwd)).toEqual([]);
  });
});
