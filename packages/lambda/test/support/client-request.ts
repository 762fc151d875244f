/** What a client sends, before API Gateway turns it into an event. */
export interface ClientRequest {
  readonly method: string;
  /** Path and query exactly as sent, e.g. `/items?access_token=…`. */
  readonly target: string;
  /** Header names in the client's spelling; an array is a header sent once per value. */
  readonly headers?: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string;
  /** Whether API Gateway hands the body over base64-encoded. */
  readonly base64?: boolean;
}

/** A form body and its content type, as a browser would send it. */
export function formBody(fields: Readonly<Record<string, string>>): {
  headers: Record<string, string>;
  body: string;
} {
  return {
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields).toString(),
  };
}

/** Splits the request target into its decoded path and its raw query (without `?`). */
export function splitTarget(target: string): { path: string; rawQuery: string } {
  const queryStart = target.indexOf('?');
  const rawPath = queryStart === -1 ? target : target.slice(0, queryStart);
  return {
    path: decodeURIComponent(rawPath),
    rawQuery: queryStart === -1 ? '' : target.slice(queryStart + 1),
  };
}

/** Every header as a list of values. */
export function headerValues(headers: ClientRequest['headers']): [string, readonly string[]][] {
  return Object.entries(headers ?? {}).map(([name, value]) => [
    name,
    typeof value === 'string' ? [value] : value,
  ]);
}
