import { describe, expect, it } from 'vitest';
import { EXIT, printConfigIssues, stopOnSignals, useColor } from '../../src/commands/shell.js';

function memoryIo(env: NodeJS.ProcessEnv = {}, isTTY = false) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      env,
      stdout: { write: (t: string) => out.push(t), isTTY },
      stderr: { write: (t: string) => err.push(t) },
    },
    out,
    err,
  };
}

describe('stop-signal policy', () => {
  it('first signal stops gracefully, a second quits with 130; disposed, it no longer listens', async () => {
    const before = process.listenerCount('SIGTERM');
    const said: string[] = [];
    const exits: number[] = [];
    const stop = stopOnSignals({
      onStop: (sig) => said.push(`stop ${sig}`),
      onForce: (sig) => said.push(`force ${sig}`),
      exit: (code) => exits.push(code),
    });
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(stop.signal.aborted).toBe(true);
    await expect(stop.stopped).resolves.toBe('SIGTERM');
    expect(exits).toEqual([]);
    process.emit('SIGINT', 'SIGINT');
    expect(said).toEqual(['stop SIGTERM', 'force SIGINT']);
    expect(exits).toEqual([EXIT.forced]);
    expect(EXIT.forced).toBe(130);
    stop.dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('printConfigIssues', () => {
  const issues = [{ file: 'a.yaml', line: 3, col: 5, message: 'bad' }];
  it('prints FILE:LINE:COL lines, and the consequence line when given', () => {
    const one = memoryIo();
    printConfigIssues(one.io, issues, 'no API call was made');
    expect(one.err.join('')).toBe(
      'a.yaml:3:5: bad\nerror: 1 problem in the configuration; no API call was made\n',
    );
    const bare = memoryIo();
    printConfigIssues(bare.io, issues);
    expect(bare.err.join('')).toBe('a.yaml:3:5: bad\n');
  });
});

describe('useColor', () => {
  it('colours a terminal only, and never with NO_COLOR set', () => {
    expect(useColor(memoryIo({}, true).io)).toBe(true);
    expect(useColor(memoryIo({}, false).io)).toBe(false);
    expect(useColor(memoryIo({ NO_COLOR: '1' }, true).io)).toBe(false);
    expect(useColor(memoryIo({ NO_COLOR: '' }, true).io)).toBe(true);
  });
});
