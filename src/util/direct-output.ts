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
 * A descriptor that cannot take the text now (EAGAIN: a non-blocking pipe that is full) or fails in
 * any other way hands this write and every later one to the stream, which queues, retries and reports
 * errors the way Node always has; so the order of the text is kept.
 */
export function directOutput(fd: 1 | 2, stream: () => NodeJS.WriteStream): OutputSink {
  let viaStream = false;
  let tty: boolean | undefined;
  return {
    get isTTY() {
      tty ??= viaStream ? stream().isTTY === true : isTerminal(fd);
      return tty;
    },
    write(text: string): boolean {
      if (viaStream) return stream().write(text);
      const bytes = Buffer.from(text, 'utf8');
      let written = 0;
      try {
        while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
        return true;
      } catch {
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
