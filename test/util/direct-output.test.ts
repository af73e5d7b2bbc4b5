import { describe, expect, it } from 'vitest';
import { directOutput } from '../../src/util/direct-output.js';

// Output written straight to fd 1/2 (src/util/direct-output.ts): here with the system call played by
// the test, so a full pipe and a reader that went away happen on cue.

const errno = (code: string) => Object.assign(new Error(code), { code });

function fakeStream() {
  const got: string[] = [];
  let built = 0;
  const stream = () => {
    built++;
    return { write: (t: string | Uint8Array) => got.push(Buffer.from(t).toString('utf8')) > 0 } as never;
  };
  return { got, stream, built: () => built };
}

describe('directOutput', () => {
  it('writes the whole text through the descriptor, partial writes included, without building the stream', () => {
    const sent: Buffer[] = [];
    const { stream, built } = fakeStream();
    const out = directOutput(1, stream, (_fd, bytes, offset, length) => {
      const n = Math.min(3, length);
      sent.push(Buffer.from(bytes.subarray(offset, offset + n)));
      return n;
    });
    out.write('héllo wörld\n');
    expect(Buffer.concat(sent).toString('utf8')).toBe('héllo wörld\n');
    expect(built()).toBe(0);
  });

  it('hands the rest to the stream when the descriptor cannot take it now (EAGAIN), and keeps the order', () => {
    const sent: string[] = [];
    const { got, stream } = fakeStream();
    let calls = 0;
    const out = directOutput(1, stream, (_fd, bytes, offset, length) => {
      if (++calls === 2) throw errno('EAGAIN');
      const n = Math.min(4, length);
      sent.push(Buffer.from(bytes.subarray(offset, offset + n)).toString('utf8'));
      return n;
    });
    out.write('abcdefgh');
    out.write('ijk');
    expect(sent.join('')).toBe('abcd');
    expect(got.join('')).toBe('efghijk');
  });

  it('drops the rest quietly when the reader went away (EPIPE), instead of a stream error', () => {
    const { stream, built } = fakeStream();
    let calls = 0;
    const out = directOutput(1, stream, () => {
      calls++;
      throw errno('EPIPE');
    });
    expect(out.write('first')).toBe(false);
    expect(out.write('second')).toBe(false);
    expect(calls).toBe(1);
    expect(built()).toBe(0);
  });
});
