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
  // When no field name came twice (nearly every request), `headers` holds every field line: frameworks
  // have built it already, and the distinct view would be built for us alone. Whether a name came twice
  // is read from the lines as received: counting the keys of `headers` instead was fooled by a hook or
  // middleware that added a header before us, which made up for a second Authorization line.
  const raw = request.rawHeaders;
  if (raw === undefined || !hasRepeatedName(raw)) return request.headers;
  return request.headersDistinct ?? request.headers;
}

// Past this many field lines the names are not compared pair by pair: such a request takes the distinct
// view, which Node builds in one pass.
const MAX_LINES_COMPARED = 64;

/** Whether two field lines of `raw` (name, value, name, value, …) have the same name, in any case. */
function hasRepeatedName(raw: readonly string[]): boolean {
  if (raw.length > 2 * MAX_LINES_COMPARED) return true;
  for (let i = 2; i < raw.length; i += 2) {
    const name = raw[i]!;
    for (let j = 0; j < i; j += 2) {
      const earlier = raw[j]!;
      // Names of different lengths differ: most pairs end at this comparison.
      if (
        earlier.length === name.length &&
        (earlier === name || earlier.toLowerCase() === name.toLowerCase())
      )
        return true;
    }
  }
  return false;
}
