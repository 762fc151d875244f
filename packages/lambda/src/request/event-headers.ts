import type { RsHeaders } from '@rs/core/adapter';
import { mapOf } from './event-fields.js';

/**
 * The headers of an event as core reads them: names lower case, values without the spaces and tabs
 * around them, a header sent more than once as a list.
 *
 * - `multiValueHeaders` holds every value of a name; `headers` (API Gateway's, or the ALB's without
 *   multi-value headers) only the last. A key of `multiValueHeaders` with a value wins over the same key
 *   of `headers`; every other key of `headers` adds its value. So two keys naming one header
 *   (`Authorization` and `authorization`), in either map, are that header sent twice: core refuses two
 *   `Authorization` or `DPoP` headers, whichever key comes first.
 * - Only text is a value: a `null`, a number or a list element that is not a string counts as not sent,
 *   and either map may itself be missing or `null` (console tests, hand-made events).
 */
export function eventHeaders(headers: unknown, multiValueHeaders?: unknown): RsHeaders {
  // No prototype: a header named like an Object.prototype member must not read as present.
  const collected: Record<string, string[]> = Object.create(null);
  const add = (name: string, value: string) => {
    const key = name.toLowerCase();
    const values = collected[key];
    if (values === undefined) collected[key] = [value];
    else values.push(value);
  };
  const multi = mapOf(multiValueHeaders);
  // The keys of `multiValueHeaders` that carried at least one value: `headers` repeats their last one.
  const carried = new Set<string>();
  for (const [name, values] of Object.entries(multi)) {
    if (!Array.isArray(values)) continue;
    for (const value of values as readonly unknown[]) {
      const text = headerValue(value);
      if (text === undefined) continue;
      add(name, text);
      carried.add(name);
    }
  }
  for (const [name, value] of Object.entries(mapOf(headers))) {
    const text = headerValue(value);
    if (text !== undefined && !carried.has(name)) add(name, text);
  }
  const record: Record<string, string | readonly string[]> = Object.create(null);
  for (const [name, values] of Object.entries(collected)) {
    record[name] = values.length === 1 ? values[0]! : values;
  }
  return record;
}

/**
 * A header value as HTTP defines it (RFC 9110 §5.5): the spaces and tabs before and after it are not part
 * of it. Node's HTTP parser and Fetch's `Headers` strip them; API Gateway and the ALB may hand them over.
 * `undefined` for anything but a string. Every header value the adapter reads passes through here.
 */
export function headerValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  // A loop rather than a regular expression: `[ \t]+$` backtracks quadratically on long inner runs.
  let start = 0;
  let end = value.length;
  while (start < end && isSpaceOrTab(value.charCodeAt(start))) start++;
  while (end > start && isSpaceOrTab(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}
