import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, runCli } from '../support/cli.js';
import { writeTree } from '../support/tmp.js';

// The built CLI across real processes: the first run of a command writes its code cache, the next
// ones read it (V8 accepts it: nothing is written again), and whatever the cache directory holds, the
// output is the same as without a cache.

const CONFIG = {
  'team.yaml':
    'workspace_id: 1234567\nsubscriptions:\n  - description: "Slack: new projects"\n' +
    '    url_callback: https://hooks.example.com/t\n    event_filters:\n      - { entity: project, action: created }\n',
};

let config: string;
beforeAll(() => {
  assertBuilt();
  config = writeTree(CONFIG, 'tws-cc-config-');
});

const validate = (env: Record<string, string | undefined>) => runCli(['validate', config], { env });

const files = (dir: string) => {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
};

describe('the code cache of the built CLI', () => {
  it('is written by the first run of a command and read, not rewritten, by the next', async () => {
    const cache = join(writeTree({}, 'tws-cc-'), 'code');
    const first = await validate({ TWS_CODE_CACHE_DIR: cache });
    expect(first.code).toBe(0);
    const written = files(cache);
    expect(written).toEqual([expect.stringMatching(/^app-validate-[0-9a-f]{24}-v[\d.]+-\w+\.bin$/)]);
    const path = join(cache, written[0] as string);
    const mtime = statSync(path).mtimeMs;

    for (let i = 0; i < 2; i++) {
      const next = await validate({ TWS_CODE_CACHE_DIR: cache });
      expect(next).toEqual(first);
    }
    // Accepted by V8 in another process: a rejected cache would have been written again.
    expect(statSync(path).mtimeMs).toBe(mtime);
    expect(files(cache)).toEqual(written);
  });

  it('gives the same output with no cache, a broken one, or one it cannot write', async () => {
    const off = await validate({ NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.code).toBe(0);

    const cache = join(writeTree({}, 'tws-cc-'), 'code');
    await validate({ TWS_CODE_CACHE_DIR: cache });
    const [name] = files(cache);
    const path = join(cache, name as string);
    writeFileSync(path, Buffer.alloc(statSync(path).size, 0x5a));
    expect(await validate({ TWS_CODE_CACHE_DIR: cache })).toEqual(off);
    // Refused by V8 and replaced by the run.
    expect(readFileSync(path).every((b) => b === 0x5a)).toBe(false);

    const underAFile = join(writeTree({ file: 'x' }, 'tws-cc-'), 'file', 'code');
    expect(await validate({ TWS_CODE_CACHE_DIR: underAFile })).toEqual(off);
  });

  it('refuses a cache file damaged anywhere (V8 checks its contents) and replaces it', async () => {
    const off = await validate({ NODE_DISABLE_COMPILE_CACHE: '1' });
    const cache = join(writeTree({}, 'tws-cc-'), 'code');
    await validate({ TWS_CODE_CACHE_DIR: cache });
    const [name] = files(cache);
    const path = join(cache, name as string);
    const size = statSync(path).size;
    // Without the checksum, 8 bytes of 0xff in the middle made V8 abort (exit 133) on every run.
    for (const at of [0.1, 0.3, 0.47, 0.6, 0.85].map((f) => Math.floor(size * f))) {
      const bytes = readFileSync(path);
      bytes.fill(0xff, at, at + 8);
      writeFileSync(path, bytes);
      expect(await validate({ TWS_CODE_CACHE_DIR: cache }), `damaged at byte ${at}`).toEqual(off);
      expect(
        readFileSync(path)
          .subarray(at, at + 8)
          .every((b) => b === 0xff),
        'replaced',
      ).toBe(false);
    }
  });

  it('never reads a cache file that another user could have written', async () => {
    if (process.platform === 'win32') return;
    const cache = join(writeTree({}, 'tws-cc-'), 'code');
    await validate({ TWS_CODE_CACHE_DIR: cache });
    const [name] = files(cache);
    const path = join(cache, name as string);
    const good = readFileSync(path);
    // Group-writable: whatever it holds, it is not trusted as code; the run compiles and writes its own.
    writeFileSync(path, good, { mode: 0o664 });
    const { chmodSync } = await import('node:fs');
    chmodSync(path, 0o664);
    const mtime = statSync(path).mtimeMs;
    const run = await validate({ TWS_CODE_CACHE_DIR: cache });
    expect(run.code).toBe(0);
    expect(statSync(path).mtimeMs).toBeGreaterThan(mtime);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });
});
