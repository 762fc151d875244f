type HeaderValue = boolean | number | string;

/** The header fields shared by `APIGatewayProxyResult` and `APIGatewayProxyStructuredResultV2`. */
interface ResultHeaders {
  readonly headers?: Readonly<Record<string, HeaderValue>> | undefined;
  readonly multiValueHeaders?: Readonly<Record<string, readonly HeaderValue[]>> | undefined;
}

/**
 * Adds core's success headers (`cache-control: private`, a fresh `dpop-nonce`) to the handler's result,
 * without mutating it. A `Cache-Control` the handler already set is extended, not replaced: `no-store`
 * plus `private` stays `no-store, private`, never the weaker `private` alone. Any other header of core's
 * (`DPoP-Nonce`) is core's alone and replaces the handler's: a nonce is one value, `own, fresh` would be
 * no nonce a client could send back (RFC 9449 §8.1), and core's is the one its next proof must carry.
 * Handlers may spell names in any case.
 *
 * A header the handler did not set goes into `multiValueHeaders` when the result has that map: a load
 * balancer whose target group has multi-value headers on reads only `multiValueHeaders` (API Gateway
 * merges both maps, so a REST API answers the same either way).
 */
export function addHeaders<R extends ResultHeaders>(result: R, extra: Readonly<Record<string, string>>): R {
  const entries = Object.entries(extra);
  if (entries.length === 0) return result;
  const headers: Record<string, HeaderValue> | undefined = result.headers && { ...result.headers };
  const multiValueHeaders: Record<string, readonly HeaderValue[]> | undefined = result.multiValueHeaders && {
    ...result.multiValueHeaders,
  };
  const added: Record<string, HeaderValue> = {};
  for (const [name, value] of entries) {
    if (!isListHeader(name)) {
      // Core's alone: the handler's value goes, from both maps, and core's is added as if it were new.
      const multiKey = multiValueHeaders && keyOf(multiValueHeaders, name);
      if (multiValueHeaders && multiKey !== undefined) delete multiValueHeaders[multiKey];
      const key = headers && keyOf(headers, name);
      if (headers && key !== undefined) delete headers[key];
      if (multiValueHeaders) multiValueHeaders[name] = [value];
      else added[name] = value;
      continue;
    }
    // API Gateway sends both maps; the multi-value one wins for a name present in both.
    const multiKey = multiValueHeaders && keyOf(multiValueHeaders, name);
    if (multiValueHeaders && multiKey !== undefined) {
      multiValueHeaders[multiKey] = [...(multiValueHeaders[multiKey] ?? []), value];
      continue;
    }
    const key = headers && keyOf(headers, name);
    if (headers && key !== undefined) headers[key] = `${headers[key]}, ${value}`;
    else if (multiValueHeaders) multiValueHeaders[name] = [value];
    else added[name] = value;
  }
  const withHeaders = { ...result, headers: { ...headers, ...added } };
  // Without either map, `headers` is created; a result that had only `multiValueHeaders` keeps to it.
  if (!multiValueHeaders) return withHeaders;
  return headers ? { ...withHeaders, multiValueHeaders } : { ...result, multiValueHeaders };
}

/**
 * Whether a value the handler set for this header is extended by core's rather than replaced:
 * `Cache-Control` directives add up (RFC 9111 §5.2, a list); the same rule as core's `successHeaderValue`.
 */
function isListHeader(name: string): boolean {
  return name.toLowerCase() === 'cache-control';
}

function keyOf(record: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const lowerCase = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lowerCase);
}
