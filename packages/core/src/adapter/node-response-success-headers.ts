import { successHeaderValue } from './response-headers.js';

/** What of Node's `ServerResponse` (or `Http2ServerResponse`) this file uses: no import of node:http. */
interface RawResponse {
  readonly headersSent: boolean;
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): unknown;
  writeHead(...args: never[]): unknown;
}

/**
 * Sets core's success headers (`cache-control: private` for a query token, a fresh `dpop-nonce`) again
 * when the head of an accepted request's Node response is written, whoever writes it: the framework
 * sending the reply after the handler and every hook, or the handler itself on the raw response
 * (Fastify's `reply.hijack()`, server-sent events over a query token). A `Cache-Control: public` set on
 * the way would otherwise replace core's `private`, which must reach every cache (RFC 6750 §2.3), and a
 * `DPoP-Nonce` of the application's is not the one core checks next. Headers given to
 * `writeHead(status, headers)` itself, which take precedence over those set before, get the same
 * treatment, as an object or as Node's flat `[name, value, …]` array, in a copy (the application's may be a
 * constant shared by every response, or frozen). Call it only for requests that have such headers.
 *
 * @example
 * ```ts
 * for (const name in result.headers) res.setHeader(name, successHeaderValue(name, res.getHeader(name), result.headers[name]!));
 * keepSuccessHeadersOnWrite(res, result.headers);
 * ```
 */
export function keepSuccessHeadersOnWrite(raw: RawResponse, headers: Readonly<Record<string, string>>): void {
  const writeHead = raw.writeHead as (this: RawResponse, ...args: unknown[]) => unknown;
  raw.writeHead = function writeHeadWithSuccessHeaders(this: RawResponse, ...args: unknown[]) {
    if (!this.headersSent) {
      for (const name in headers)
        this.setHeader(name, successHeaderValue(name, this.getHeader(name), headers[name]!));
      // `writeHead(status, headers)` or `writeHead(status, reason, headers)`: headers come last.
      const last = args.length - 1;
      if (last >= 1) args[last] = withSuccessHeaders(args[last], headers);
    }
    return writeHead.apply(this, args);
  } as RawResponse['writeHead'];
}

/**
 * The headers given to `writeHead` with core's success headers merged in, as a new object or array: the
 * given one may be Fastify's own reply headers or an application constant shared by every response.
 */
function withSuccessHeaders(given: unknown, headers: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(given)) return withSuccessHeaderPairs(given, headers);
  if (typeof given !== 'object' || given === null) return given;
  const record: Record<string, unknown> = { ...(given as Record<string, unknown>) };
  for (const key of Object.keys(record)) {
    const name = key.toLowerCase();
    const value = headers[name];
    if (value !== undefined) record[key] = successHeaderValue(name, record[key], value);
  }
  return record;
}

/**
 * Node's flat `[name, value, name, value, …]` form: those pairs replace any header of the same name set
 * before, so core's names are taken out and given back once, with the application's values merged in.
 */
function withSuccessHeaderPairs(
  given: readonly unknown[],
  headers: Readonly<Record<string, string>>,
): unknown[] {
  // An odd length is Node's to refuse, as it would without us.
  if (given.length % 2 !== 0) return [...given];
  const pairs: unknown[] = [];
  const theirs = new Map<string, unknown[]>();
  for (let index = 0; index < given.length; index += 2) {
    const key = given[index];
    const name = typeof key === 'string' ? key.toLowerCase() : undefined;
    if (name !== undefined && headers[name] !== undefined) {
      const values = theirs.get(name) ?? [];
      values.push(given[index + 1]);
      theirs.set(name, values);
    } else pairs.push(key, given[index + 1]);
  }
  for (const [name, values] of theirs)
    pairs.push(name, successHeaderValue(name, values.flat(), headers[name]!));
  return pairs;
}
