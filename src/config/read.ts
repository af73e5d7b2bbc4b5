import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import type { ConfigIssue } from '../errors.js';
import { reason } from './files.js';
import { MAX_FILE_BYTES } from './limits.js';
import { positionAt } from './text.js';

export type ReadResult = { ok: true; text: string } | { ok: false; issue: ConfigIssue };

/**
 * Reads one input file as UTF-8 text, refusing what is not a small text file before the YAML parser
 * sees it: the size is checked on the open handle and the read itself stops after the limit, so neither
 * a huge file nor one that grows while it is read costs more than 1 MiB. A BOM is dropped.
 */
export async function readInputFile(file: string): Promise<ReadResult> {
  const fail = (message: string, line = 0, col = 0): ReadResult => ({
    ok: false,
    issue: { file, line, col, message },
  });
  let bytes: Buffer;
  try {
    const read = await readBounded(file);
    if (read.kind === 'not-a-file') return fail('not a regular file');
    if (read.kind === 'too-large') return fail(tooLarge(read.size));
    bytes = read.bytes;
  } catch (err) {
    return fail(`cannot read: ${reason(err)}`);
  }

  try {
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    const offset = firstInvalidUtf8(bytes);
    const prefix = new TextDecoder('utf-8').decode(bytes.subarray(0, offset));
    const { line, col } = positionAt(prefix, prefix.length);
    const byte = bytes[offset] ?? 0;
    return fail(
      `not valid UTF-8 (byte 0x${byte.toString(16).padStart(2, '0')}); save the file as UTF-8`,
      line,
      col,
    );
  }
}

export type BoundedRead =
  | { kind: 'bytes'; bytes: Buffer }
  | { kind: 'not-a-file' }
  /** `size` is undefined when the file grew past the limit while it was read. */
  | { kind: 'too-large'; size?: number; mtimeMs: number };

/**
 * The bytes of `file`, at most MAX_FILE_BYTES of them: the size is checked on the open handle first
 * and the read stops one byte past the limit, so a huge, sparse or growing file costs at most 1 MiB.
 * The loader and the watcher's fingerprint both read through here. Throws on a filesystem error.
 */
export async function readBounded(file: string): Promise<BoundedRead> {
  // Synchronous, like discovery (src/config/files.ts): a few small files, each read costing a thread
  // pool round trip otherwise. O_NONBLOCK: a FIFO swapped in after discovery would block the open
  // until a writer came; this way the open returns and fstat below refuses it.
  const fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return { kind: 'not-a-file' };
    if (info.size > MAX_FILE_BYTES) return { kind: 'too-large', size: info.size, mtimeMs: info.mtimeMs };
    // Sized for the file as it is now, one byte more to notice growth; a file that grows gets the
    // whole budget (one byte past it, to tell "too large").
    let buffer = Buffer.allocUnsafe(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (buffer.length > MAX_FILE_BYTES) break;
        const larger = Buffer.allocUnsafe(MAX_FILE_BYTES + 1);
        buffer.copy(larger);
        buffer = larger;
      }
      const bytesRead = readSync(fd, buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    // It grew past the limit while being read.
    if (length > MAX_FILE_BYTES) return { kind: 'too-large', mtimeMs: info.mtimeMs };
    return { kind: 'bytes', bytes: buffer.subarray(0, length) };
  } finally {
    closeSync(fd);
  }
}

function tooLarge(size?: number): string {
  const actual = size === undefined ? 'more than 1 MiB' : `${size} bytes`;
  return `file is too large (${actual}; the limit is ${MAX_FILE_BYTES} bytes)`;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}
