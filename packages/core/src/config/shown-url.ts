/**
 * A URL as messages, logs and `status()` show it: scheme, host, port and path, with `?…` in place of a
 * query and without fragment or credentials. A query may carry an API key (`?api_key=…`, Azure Functions'
 * `?code=…`), and a message goes wherever the application sends its errors (the default reporter writes
 * some to `console.error`) while `status()` feeds health endpoints; the path alone tells an operator which
 * endpoint failed. Only for showing: requests still go to the URL as configured.
 *
 * @example
 * ```ts
 * shownUrl('https://as.example.com/jwks?api_key=secret'); // 'https://as.example.com/jwks?…'
 * ```
 */
export function shownUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'a URL that does not parse';
  }
  const where = parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  return `${where}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`;
}
