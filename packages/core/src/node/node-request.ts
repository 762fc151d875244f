import type { IncomingHttpHeaders } from 'node:http';
import type { RsHeaders } from '../request.js';

/** The header fields of a Node request (`IncomingMessage`, or `Http2ServerRequest`). */
export interface NodeRequestHeaderFields {
  /** The headers as Node parsed them, by lower-case name. */
  readonly headers: IncomingHttpHeaders;
  /** Every field line as received, name and value in turn. */
  readonly rawHeaders?: readonly string[] | undefined;
}

/**
 * The request headers with repeated fields kept apart. Node's `headers` silently drops a second
 * `Authorization` (and joins other repeats with commas), which would hide a request that core must refuse.
 * So a field whose name came more than once is given as the list of its lines as received, HTTP/1 and
 * HTTP/2 alike; every other field is read from `headers`, with whatever a hook or middleware before us
 * set or removed there.
 *
 * @example
 * ```ts
 * nodeRequestHeaders(req); // { authorization: 'Bearer a', host: 'api.example.com' }
 * // with two Authorization lines: { authorization: ['Bearer a', 'Bearer b'], host: 'api.example.com' }
 * ```
 */
export function nodeRequestHeaders(request: NodeRequestHeaderFields): RsHeaders {
  // Whether a name came twice is read from the lines as received: counting the keys of `headers` was
  // fooled by a middleware that added a header, which made up for a second Authorization line. Nearly
  // every request has no repeated name, and `headers` is then used as it is.
  const raw = request.rawHeaders;
  if (raw === undefined || !hasRepeatedName(raw)) return request.headers;
  // Only the repeated names are read from the raw lines: the choice between the framework's view (with a
  // middleware's changes) and the raw one must not be the client's to make by adding an unrelated line.
  const headers: Record<string, string | string[] | undefined> = Object.assign(
    Object.create(null),
    request.headers,
  );
  for (const [name, values] of linesByName(raw)) if (values.length > 1) headers[name] = values;
  return headers;
}

// Up to this many field lines the names are compared pair by pair, which costs less than a map of them.
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

/** The values of `raw`'s field lines by lower-case name, in order. */
function linesByName(raw: readonly string[]): Map<string, string[]> {
  const lines = new Map<string, string[]>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const values = lines.get(name);
    if (values === undefined) lines.set(name, [raw[i + 1]!]);
    else values.push(raw[i + 1]!);
  }
  return lines;
}
