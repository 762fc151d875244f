import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { integerBetween, type OptionRule } from '../config/option-schema.js';
import { filePathInMessage } from '../secrets/shown-in-messages.js';

/**
 * The largest `maxFileBytes` a file store takes: 64 MiB. Key files are kilobytes (the defaults are 64 KiB
 * to 1 MiB); a larger bound is a unit mistake, and a file that large is not a key file.
 */
export const MAX_SECRET_FILE_BYTES = 64 * 1024 * 1024;

/** The rule of every store's `maxFileBytes` option: a whole number of bytes, 1 to {@link MAX_SECRET_FILE_BYTES}. */
export const maxFileBytesRule: OptionRule = integerBetween(1, MAX_SECRET_FILE_BYTES);

/** A store's `maxFileBytes` option, checked against {@link maxFileBytesRule}, or its default when absent. */
export function maxFileBytesOption(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  maxFileBytesRule.check(value, option);
  return value;
}

// Opening a FIFO (or a device such as a serial line) for reading waits, without O_NONBLOCK, for the other
// end: a FIFO given in place of a key file would block the whole process before fstat could refuse it.
// O_NONBLOCK makes the open return at once; the file is then refused unless it is a regular file, whose
// reads it does not change. Windows has no such flag (nor FIFOs at a path): 0 there.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

// The first read asks for a little more than fstat's size, and at least this much, so that a file whose
// fstat size is 0 (a /proc file) is not read a byte at a time.
const MIN_READ_BYTES = 4096;

/**
 * Reads a whole file at start-up, refusing one larger than `maxBytes`, so a wrong path (a log file, a
 * device) cannot exhaust memory. Memory follows the file's size, not the bound: the buffer starts at
 * the size fstat reports and grows only if the file turns out longer (it grew since, or it is a /proc
 * file reporting 0), never past `maxBytes + 1` bytes, that one byte telling a file that grew past the
 * bound from one that fits. Only a regular file is read: a directory, a FIFO or a device is refused, and
 * never waited on. Every failure is an {@link RsConfigError}; the path is named only when it
 * looks like one (key material given in its place is never repeated).
 */
export function readBoundedFile(path: string, maxBytes: number, option: string): Buffer {
  const shown = filePathInMessage(path);
  // Node would throw a TypeError of its own: no path can hold a NUL character.
  requireOption(!path.includes('\0'), option, 'the path given holds a NUL character, which no file path can');
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (error) {
    throw new RsConfigError(
      option,
      `cannot read ${shown}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new RsConfigError(option, `${shown} is not a regular file`);
    if (stats.size > maxBytes)
      throw new RsConfigError(option, `${shown} is larger than ${maxBytes} bytes (${stats.size})`);
    const limit = maxBytes + 1;
    let buffer = Buffer.alloc(Math.min(Math.max(stats.size + 1, MIN_READ_BYTES), limit));
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length === limit) throw new RsConfigError(option, `${shown} is larger than ${maxBytes} bytes`);
        const grown = Buffer.alloc(Math.min(buffer.length * 2, limit));
        buffer.copy(grown, 0, 0, length);
        buffer = grown;
      }
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a file whose format has no room for a byte order mark (JSON, base64), without the one that
 * may open it: editors on Windows write one, and Windows PowerShell 5 writes UTF-16 with one (`>` and
 * `Out-File`), which read as UTF-8 the parsers would refuse. The mark says the encoding, so UTF-16 is read
 * as such; anything else as UTF-8. Not for files read byte for byte (a plain secret), whose bytes are the
 * secret.
 */
export function textWithoutByteOrderMark(bytes: Uint8Array): string {
  // TextDecoder drops the mark of its own encoding.
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
