/**
 * Adds core's success headers (such as `cache-control: private`) to the handler's response. A header
 * the handler already set is extended, not replaced: `no-store` plus `private` stays
 * `no-store, private`, never the weaker `private` alone.
 *
 * Responses from `fetch()` or `Response.redirect()` have immutable headers; those are copied into a new
 * `Response` that shares the body stream, as the Fetch standard intends. `Response.error()` is returned
 * as it is: it sends nothing but a network error, so there is no header to add it to (and a copy of its
 * status 0 would throw).
 *
 * @example
 * ```ts
 * return addResponseHeaders(await handler(request), result.headers);
 * ```
 */
export function addResponseHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  const entries = Object.entries(extra);
  if (entries.length === 0 || response.type === 'error') return response;
  try {
    appendAll(response.headers, entries);
    return response;
  } catch (error) {
    if (!(error instanceof TypeError)) throw error;
    const copy = new Response(response.body, response);
    appendAll(copy.headers, entries);
    return copy;
  }
}

function appendAll(headers: Headers, entries: readonly (readonly [string, string])[]): void {
  for (const [name, value] of entries) headers.append(name, value);
}

/**
 * The value to set for one of core's success headers on a Node response that may already carry it
 * (Node's `setHeader` and Fastify's `reply.header` replace what is there). `Cache-Control` directives add
 * up (RFC 9111 §5.2, a list), so an existing value is extended: `no-store` set by the application plus
 * core's `private` is `no-store, private`, never the weaker `private` alone. Any other header
 * (`DPoP-Nonce`) is core's alone.
 *
 * @example
 * ```ts
 * for (const name in result.headers)
 *   res.setHeader(name, successHeaderValue(name, res.getHeader(name), result.headers[name]!));
 * ```
 */
export function successHeaderValue(name: string, existing: unknown, value: string): string {
  if (name !== 'cache-control') return value;
  const present = Array.isArray(existing)
    ? existing.filter((item) => typeof item === 'string' && item !== '').join(', ')
    : typeof existing === 'string' || typeof existing === 'number'
      ? String(existing)
      : '';
  return present === '' ? value : `${present}, ${value}`;
}
