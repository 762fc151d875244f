import type { IncomingHttpHeaders } from 'node:http';
import type { RsHeaders } from '../request.js';

/**
 * The header fields of a Node request (`IncomingMessage`, or `Http2ServerRequest` which lacks
 * `headersDistinct`).
 */
export interface NodeRequestHeaderFields {
  readonly headers: IncomingHttpHeaders;
  readonly headersDistinct?: NodeJS.Dict<string[]>;
  /** Every field line as received, name and value in turn. */
  readonly rawHeaders?: readonly string[];
}

/**
 * The request headers with repeated fields kept apart. Node's `headers` silently drops a second
 * `Authorization` (and joins other repeats with commas), which would hide a request that core must refuse;
 * `headersDistinct` keeps every field line, and is used when a field name came more than once. HTTP/2
 * requests, which have no such view, fall back to `headers`.
 *
 * @example
 * ```ts
 * nodeRequestHeaders(req); // { authorization: 'Bearer a', host: 'api.example.com' }
 * // with two Authorization lines: { authorization: ['Bearer a', 'Bearer b'], host: ['api.example.com'] }
 * ```
 */
export function nodeRequestHeaders(request: NodeRequestHeaderFields): RsHeaders {
  // When no field name came twice (nearly every request), `headers` holds every field line unchanged:
  // one key per line. Frameworks have built it already; the distinct view would be built for us alone.
  const headers = request.headers;
  const raw = request.rawHeaders;
  if (raw !== undefined && raw.length === 2 * fieldCount(headers)) return headers;
  return request.headersDistinct ?? headers;
}

function fieldCount(headers: IncomingHttpHeaders): number {
  let count = 0;
  for (const _name in headers) count++;
  return count;
}
