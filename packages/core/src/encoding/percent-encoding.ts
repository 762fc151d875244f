// RFC 3986 §2.3: unreserved characters mean the same whether percent-encoded or not.
const PERCENT_ENCODED = /%([0-9A-Fa-f]{2})/g;
const UNRESERVED = /[A-Za-z0-9\-._~]/;

/**
 * `path` with its percent-encodings normalized as RFC 3986 §6.2.2.1–2 say: an encoded unreserved
 * character decoded (`%7E` → `~`), every other encoding in upper case (`%2f` → `%2F`). The one rule for
 * comparing a DPoP proof's `htu` and for the normal form of a protected resource identifier.
 *
 * @example
 * ```ts
 * normalizePercentEncoding('/%7euser/caf%c3%a9'); // '/~user/caf%C3%A9'
 * ```
 */
export function normalizePercentEncoding(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(PERCENT_ENCODED, (_, hex: string) => {
    const character = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(character) ? character : `%${hex.toUpperCase()}`;
  });
}
