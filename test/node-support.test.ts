import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MINIMUM_NODE, unsupportedNodeMessage } from '../src/node-support.js';
import { CLI, childEnv } from './support/cli.js';
import { writeTree } from './support/tmp.js';

describe('supported Node.js range', () => {
  it('accepts the minimum and every newer line, refuses older ones with one line', () => {
    for (const ok of ['20.19.0', 'v20.20.2', '22.23.5', '24.22.3', '26.0.0', 'v100.1.2']) {
      expect(unsupportedNodeMessage(ok), ok).toBeUndefined();
    }
    for (const old of ['20.18.3', 'v18.20.4', '16.0.0', '0.12.18']) {
      const message = unsupportedNodeMessage(old);
      expect(message, old).toMatch(
        /^error: toggl-webhooks-sync needs Node\.js 20\.19 or newer .*this is Node\.js /,
      );
      expect(message).toContain(old.replace(/^v/, ''));
      expect(message).not.toContain('\n');
    }
  });

  it('agrees with package.json engines', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(pkg.engines.node).toBe(`>=${MINIMUM_NODE.major}.${MINIMUM_NODE.minor}`);
  });

  // The real check in the built entry point, on a Node that claims to be 18 (a preload rewrites
  // process.versions.node before the program starts): one clear line and exit 1, not a stack trace.
  it('the built CLI on an unsupported Node prints one line and exits 1', () => {
    const dir = writeTree({
      'pretend-node-18.mjs':
        "Object.defineProperty(process.versions, 'node', { value: '18.20.4', configurable: true, enumerable: true });\n",
    });
    const preload = join(dir, 'pretend-node-18.mjs');
    for (const args of [['--version'], ['validate', 'examples/subscriptions']]) {
      const run = spawnSync(process.execPath, ['--import', preload, CLI, ...args], {
        env: childEnv(),
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(run.status, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toBe(
        'error: toggl-webhooks-sync needs Node.js 20.19 or newer (22 or 24 LTS recommended); this is Node.js 18.20.4\n',
      );
    }
    // Without the preload the same build runs.
    const real = spawnSync(process.execPath, [CLI, '--version'], { env: childEnv(), encoding: 'utf8' });
    expect(real.status).toBe(0);
  });
});
