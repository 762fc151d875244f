import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { RsConfigError } from '../config/config-error.js';

/**
 * Reads a whole file at start-up, refusing one larger than `maxBytes` before reading it, so a wrong path
 * (a log file, a device) cannot exhaust memory. Every failure is an {@link RsConfigError} naming the file.
 */
export function readBoundedFile(path: string, maxBytes: number, option: string): Buffer {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    throw new RsConfigError(
      option,
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  try {
    const stats = fstatSync(fd);
    if (!stats.isFile()) throw new RsConfigError(option, `${path} is not a regular file`);
    if (stats.size > maxBytes)
      throw new RsConfigError(option, `${path} is larger than ${maxBytes} bytes (${stats.size})`);
    // One byte more than allowed tells a file that grew since fstat from one that fits.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      if (read === 0) break;
      length += read;
      if (length > maxBytes) throw new RsConfigError(option, `${path} is larger than ${maxBytes} bytes`);
    }
    return buffer.subarray(0, length);
  } finally {
    closeSync(fd);
  }
}
