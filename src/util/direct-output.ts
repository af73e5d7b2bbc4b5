import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/** The part of a writable stream a command's output needs. */
export interface OutputSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

/**
 * Standard output or error written with write(2) on the file descriptor itself, the stream object
 * (`process.stdout`) built only if it is needed. Building it costs about 3 ms of every run's start
 * (a pipe becomes a net.Socket and loads the streams), a tenth of Node's own start-up, for a program
 * that prints a few lines and exits. Writing synchronously also means nothing is lost when the
 * program exits right after.
 *
 * A reader that went away (EPIPE: `| head`) drops the rest silently, as command-line tools do, instead
 * of an unhandled stream error with a stack trace. A descriptor that cannot take the text now (EAGAIN: a non-blocking pipe that is full) or fails in
 * any other way hands this write and every later one to the stream, which queues, retries and reports
 * errors the way Node always has; so the order of the text is kept.
 */
export function directOutput(
  fd: 1 | 2,
  stream: () => NodeJS.WriteStream,
  // The system call, replaceable in tests to play a full pipe or a reader that went away.
  writeFd: (fd: number, bytes: Uint8Array, offset: number, length: number) => number = writeSync,
): OutputSink {
  let viaStream = false;
  let closed = false;
  let tty: boolean | undefined;
  return {
    get isTTY() {
      tty ??= viaStream ? stream().isTTY === true : isTerminal(fd);
      return tty;
    },
    write(text: string): boolean {
      if (closed) return false;
      if (viaStream) return stream().write(text);
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      try {
        while (written < bytes.length) written += writeFd(fd, bytes, written, bytes.length - written);
        return true;
      } catch (err) {
        // The reader is gone (`| head`): the rest is not wanted, and there is no one to tell.
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') {
          closed = true;
          return false;
        }
        viaStream = true;
        return stream().write(bytes.subarray(written));
      }
    },
  };
}

/**
 * isatty(3) without loading node:tty for a pipe or a file (node:tty brings node:net and the streams,
 * most of what writing to the descriptor saves): only a character device can be a terminal.
 */
function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  const tty = createRequire(import.meta.url)('node:tty') as typeof import('node:tty');
  return tty.isatty(fd);
}
