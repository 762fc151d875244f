// RFC 3986 §2.3: unreserved characters mean the same whether percent-encoded or not.
const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * The form of an HTTP URI that `htu` is compared in (RFC 9449 §4.3 check 9): query and fragment dropped,
 * then RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalization. The WHATWG parser lowercases
 * scheme and host, drops the default port, resolves dot segments and turns an empty path into `/`; what
 * it leaves, the case of percent-encodings and percent-encoded unreserved characters, is done here.
 * `undefined` for anything that is not an absolute `http:` or `https:` URI without credentials.
 *
 * @example
 * ```ts
 * normalizeHttpUri('HTTPS://API.Example.com:443/%7euser/./items?q=1'); // 'https://api.example.com/~user/items'
 * ```
 */
export function normalizeHttpUri(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  return `${url.protocol}//${url.host}${normalizePercentEncoding(url.pathname)}`;
}

function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(PERCENT_ENCODED, (_, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}
