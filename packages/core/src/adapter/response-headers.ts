/**
 * Adds core's success headers (such as `cache-control: private`) to the handler's response, in a copy
 * that shares the body stream. A `Cache-Control` the handler set is extended, not replaced: `no-store`
 * plus `private` stays `no-store, private`, never the weaker `private` alone; any other header of core's
 * (`DPoP-Nonce`) replaces the handler's, as the client can send back only one nonce.
 *
 * A copy, because a handler may answer every request with one shared `Response` (a 204 kept in a
 * module), whose own headers would gather each request's additions, and because responses from
 * `fetch()` or `Response.redirect()` have immutable headers. A protocol switch (status 101, a Workers
 * WebSocket) cannot be copied and gets the headers in place. `Response.error()` is returned as it is: it
 * sends nothing but a network error, so there is no header to add it to.
 *
 * @example
 * ```ts
 * return addResponseHeaders(await handler(request), result.headers);
 * ```
 */
export function addResponseHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  const entries = Object.entries(extra);
  if (entries.length === 0 || response.type === 'error') return response;
  const answer = isProtocolSwitch(response) ? response : new Response(response.body, response);
  for (const [name, value] of entries)
    answer.headers.set(name, successHeaderValue(name, answer.headers.get(name), value));
  return answer;
}

function isProtocolSwitch(response: Response): boolean {
  return response.status === 101 || (response as { readonly webSocket?: unknown }).webSocket != null;
}

/**
 * The value to set for one of core's success headers on a Node response that may already carry it
 * (Node's `setHeader` and Fastify's `reply.header` replace what is there). `Cache-Control` directives add
 * up (RFC 9111 §5.2, a list), so an existing value is extended: `no-store` set by the application plus
 * core's `private` is `no-store, private`, never the weaker `private` alone; a value that already
 * holds core's directive is kept as it is. Any other header (`DPoP-Nonce`) is core's alone.
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
  if (present === '') return value;
  // Applied again to a value it made (a hook before the handler and one before sending), it adds nothing.
  return hasDirective(present, value) ? present : `${present}, ${value}`;
}

/** Whether a `Cache-Control` value holds `directive` (a name without argument), in any case. */
function hasDirective(cacheControl: string, directive: string): boolean {
  const wanted = directive.toLowerCase();
  for (const part of cacheControl.split(',')) {
    if (part.trim().toLowerCase() === wanted) return true;
  }
  return false;
}
