import type { RsHeaders } from '@rs/core/adapter';

type SingleValueHeaders = Readonly<Record<string, string | undefined>>;
type MultiValueHeaders = Readonly<Record<string, readonly string[] | undefined>>;

/**
 * Lower-cases header names. API Gateway keeps only the last value of a repeated header in `headers` but
 * every value in `multiValueHeaders`: the multi-value form wins, so that core sees a repeated
 * `Authorization` header and refuses it. Either map may be `null` in real events (console tests).
 */
export function eventHeaders(
  headers: SingleValueHeaders | null | undefined,
  multiValueHeaders?: MultiValueHeaders | null,
): RsHeaders {
  // No prototype: a header named like an Object.prototype member must not read as present.
  const collected: Record<string, string[]> = Object.create(null);
  for (const [name, values] of Object.entries(multiValueHeaders ?? {})) {
    if (values === undefined || values.length === 0) continue;
    const key = name.toLowerCase();
    collected[key] = [...(collected[key] ?? []), ...values];
  }
  const record: Record<string, string | readonly string[]> = Object.create(null);
  for (const [name, values] of Object.entries(collected)) {
    record[name] = values.length === 1 ? values[0]! : values;
  }
  for (const [name, value] of Object.entries(headers ?? {})) {
    const key = name.toLowerCase();
    if (value !== undefined && !(key in record)) record[key] = value;
  }
  return record;
}
