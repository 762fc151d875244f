// RFC 3986 §3.2: an authority's host and port are unreserved characters, percent-encodings, sub-delims,
// ":" and the brackets of an IP literal. Userinfo ("@") has no place in a Host header.
const AUTHORITY = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]%]*$/;
const NOT_AUTHORITY = /[^A-Za-z0-9\-._~!$&'()*+,;=:[\]%]/gu;

/**
 * The host (and port) a client named, made safe to place between `scheme://` and the request target.
 *
 * The Host header is the client's to write, and Node's parser does not check it. A `?`, `#` or `/` in it
 * ends the authority early once pasted into a URL: `Host: api?x=` turned the request target's query into
 * part of another parameter's value, which hid a query token from the "sent two ways at once" check
 * and let the header itself carry one. Every character an authority cannot hold is percent-encoded
 * instead, so the URL keeps the target's path and query as received; such a host matches no configured
 * name, so a check that compares hosts (DPoP's `htu`) fails closed.
 *
 * @example
 * ```ts
 * requestAuthority('api.example.com:8443'); // 'api.example.com:8443'
 * requestAuthority('api?access_token=x');   // 'api%3Faccess_token=x'
 * ```
 */
export function requestAuthority(host: string): string {
  return AUTHORITY.test(host) ? host : host.replace(NOT_AUTHORITY, percentEncoded);
}

function percentEncoded(character: string): string {
  try {
    return encodeURIComponent(character);
  } catch {
    // A lone surrogate, which no Node header holds: U+FFFD's encoding.
    return '%EF%BF%BD';
  }
}
