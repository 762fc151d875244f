/**
 * Adds core's success headers (such as `cache-control: private`) to the handler's response. A header
 * the handler already set is extended, not replaced: `no-store` plus `private` stays
 * `no-store, private`, never the weaker `private` alone.
 *
 * Responses from `fetch()` or `Response.redirect()` have immutable headers; those are copied into a new
 * `Response` that shares the body stream, as the Fetch standard intends.
 *
 * @example
 * ```ts
 * return addResponseHeaders(await handler(request), result.headers);
 * ```
 */
export function addResponseHeaders(response: Response, extra: Readonly<Record<string, string>>): Response {
  const entries = Object.entries(extra);
  if (entries.length === 0) return response;
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
