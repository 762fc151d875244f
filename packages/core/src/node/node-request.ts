import type { IncomingHttpHeaders } from 'node:http';
import type { RsHeaders } from '../request.js';

/**
 * The header fields of a Node request (`IncomingMessage`, or `Http2ServerRequest` which lacks
 * `headersDistinct`).
 */
export interface NodeRequestHeaderFields {
  readonly headers: IncomingHttpHeaders;
  readonly headersDistinct?: NodeJS.Dict<string[]>;
}

/**
 * The request headers with repeated fields kept apart. Node's `headers` silently drops a second
 * `Authorization` (and joins other repeats with commas), which would hide a request that core must refuse;
 * `headersDistinct` keeps every field line. HTTP/2 requests, which have no such view, fall back to `headers`.
 *
 * @example
 * ```ts
 * nodeRequestHeaders(req); // { authorization: ['Bearer a', 'Bearer b'], host: ['api.example.com'] }
 * ```
 */
export function nodeRequestHeaders(request: NodeRequestHeaderFields): RsHeaders {
  return request.headersDistinct ?? request.headers;
}
