import type { RsHeaders } from '@rs/core/adapter';

/**
 * Copies Fetch `Headers` into core's record. Names are already lower case; a repeated header arrives
 * comma-joined, which core reads as one value (a repeated `Authorization` then fails its grammar).
 */
export function headersRecord(headers: Headers): RsHeaders {
  // No prototype: a header named like an Object.prototype member must not read as present.
  const record: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}
