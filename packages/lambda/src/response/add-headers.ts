type HeaderValue = boolean | number | string;

/** The header fields shared by `APIGatewayProxyResult` and `APIGatewayProxyStructuredResultV2`. */
interface ResultHeaders {
  readonly headers?: Readonly<Record<string, HeaderValue>> | undefined;
  readonly multiValueHeaders?: Readonly<Record<string, readonly HeaderValue[]>> | undefined;
}

/**
 * Adds core's success headers (such as `cache-control: private`) to the handler's result, without
 * mutating it. A header the handler already set is extended, not replaced: `no-store` plus `private`
 * stays `no-store, private`, never the weaker `private` alone. Handlers may spell names in any case.
 */
export function addHeaders<R extends ResultHeaders>(result: R, extra: Readonly<Record<string, string>>): R {
  const entries = Object.entries(extra);
  if (entries.length === 0) return result;
  const headers: Record<string, HeaderValue> = { ...result.headers };
  const multiValueHeaders: Record<string, readonly HeaderValue[]> | undefined = result.multiValueHeaders && {
    ...result.multiValueHeaders,
  };
  for (const [name, value] of entries) {
    // API Gateway sends both maps; the multi-value one wins for a name present in both.
    const multiKey = multiValueHeaders && keyOf(multiValueHeaders, name);
    if (multiValueHeaders && multiKey !== undefined) {
      multiValueHeaders[multiKey] = [...(multiValueHeaders[multiKey] ?? []), value];
      continue;
    }
    const key = keyOf(headers, name);
    if (key === undefined) headers[name] = value;
    else headers[key] = `${headers[key]}, ${value}`;
  }
  return multiValueHeaders ? { ...result, headers, multiValueHeaders } : { ...result, headers };
}

function keyOf(record: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const lowerCase = name.toLowerCase();
  return Object.keys(record).find((key) => key.toLowerCase() === lowerCase);
}
