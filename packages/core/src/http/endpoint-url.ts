import { RsConfigError, requireOption } from '../config/config-error.js';
import { warnOnce } from '../config/development-warning.js';
import { stringSetOption } from '../config/option-values.js';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);
// The scheme and authority as written, before the path, query or fragment.
const SCHEME_AND_AUTHORITY = /^[^:/?#]*:(?:\/\/[^/?#]*)?/;
// The `user:password@` of an authority (RFC 3986 §3.2.1), after the `//` that begins it.
const USER_INFO = /\/\/[^/?#]*@/;
// A URL as written is printable ASCII (RFC 3986 §2): no white space, control character or other
// character. The URL parser drops some without a word (white space around the URL, tabs and line breaks
// anywhere, a zero-width space in a host) and rewrites others: the URL checked would not be the string
// published or compared.
const NOT_IN_A_URL = /[^\x21-\x7e]/;
// RFC 3986 §2.2 gen-delims: a value with one of them is written as a URI (RFC 7519 §2 has any value with
// a ':' be one), and is checked as one; a value without is a plain name.
const URI_DELIMITER = /[:/?#[\]@]/;
// A URN (RFC 8141) names an issuer without locating it, as RFC 7519 §2 allows: spelled, not parsed.
const URN = /^urn:/;
// Well-known URIs (RFC 8615) locate metadata about a host; an issuer is what that metadata names.
const WELL_KNOWN_PATH = /\/\.well-known(?:\/|$)/i;

/**
 * Validates a configured authorization-server URL: absolute, no credentials or fragment, and HTTPS
 * unless the host is loopback (for local development and tests, with a one-time warning) or plain HTTP
 * is allowed explicitly.
 */
export function validateEndpointUrl(url: unknown, option: string, allowInsecureHttp = false): URL {
  if (typeof url !== 'string' && !(url instanceof URL))
    throw new RsConfigError(option, 'must be an absolute URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RsConfigError(option, 'must be an absolute URL');
  }
  if (parsed.username !== '' || parsed.password !== '')
    throw new RsConfigError(option, 'must not carry credentials');
  if (parsed.hash !== '') throw new RsConfigError(option, 'must not have a fragment');
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && allowInsecureHttp) return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) {
    warnOnce(
      `endpoint ${parsed.origin}`,
      'RS_LOOPBACK_HTTP',
      `plain http to ${parsed.origin} is accepted because the host is loopback (local development); ` +
        'authorization servers elsewhere must use https',
    );
    return parsed;
  }
  if (parsed.protocol !== 'http:') throw new RsConfigError(option, `must use https, not ${parsed.protocol}`);
  throw new RsConfigError(
    option,
    `must use https: plain http is accepted only for loopback hosts (localhost, 127.0.0.0/8, [::1]), ` +
      `not ${parsed.host}; give allowInsecureHttp: true only for a network you trust`,
  );
}

/**
 * Checks an authorization server's issuer identifier: spelled as servers state issuers
 * ({@link checkIssuerSpelling}), then an endpoint URL ({@link validateEndpointUrl}) with no query, as
 * RFC 8414 §2 requires of the URL its metadata is found under, and no `/.well-known/` path (the metadata
 * URL given for the issuer it names). The one rule of every configured issuer that is fetched from or
 * compared with what a server states (`issuerJwks`, `jwtResolver` discovering its keys,
 * `introspectionResolver`).
 *
 * @example
 * ```ts
 * validateIssuerUrl('https://as.example.com/?tenant=a', 'issuerJwks.issuer'); // throws RsConfigError
 * validateIssuerUrl('https://as.example.com/?', 'issuerJwks.issuer'); // throws: an empty query is one
 * validateIssuerUrl('https://as.example.com\n', 'issuerJwks.issuer'); // throws RsConfigError
 * validateIssuerUrl('https://as.example.com/.well-known/jwks.json', 'issuerJwks.issuer'); // throws
 * ```
 */
export function validateIssuerUrl(issuer: unknown, option: string, allowInsecureHttp = false): URL {
  if (typeof issuer === 'string') checkIssuerSpelling(issuer, option);
  const url = validateEndpointUrl(issuer, option, allowInsecureHttp);
  // A `#` or `?` with nothing after it is still a fragment or a query (RFC 3986 §3.4, §3.5), which the URL
  // parser reports as none: the issuer would pass and never equal the one its server states. In the
  // serialized URL each character is only ever that delimiter (elsewhere it is percent-encoded).
  if (url.href.includes('#'))
    throw new RsConfigError(option, 'must not have a fragment, not even an empty one');
  if (url.href.includes('?')) throw new RsConfigError(option, 'must have no query (RFC 8414 §2)');
  // The discovery URL pasted for the issuer: no metadata is found under it, and no token states it.
  if (WELL_KNOWN_PATH.test(url.pathname)) {
    throw new RsConfigError(
      option,
      'is the URL of a metadata document (/.well-known/…), not an issuer: give the issuer that ' +
        'document states in its "issuer" member (RFC 8414 §3)',
    );
  }
  return url;
}

/**
 * Checks an issuer identifier that is only compared with what tokens state, never fetched from
 * (`jwtResolver` beside its keys, a Security Event Token transmitter). RFC 7519 §2 makes `iss` a
 * StringOrURI: a plain name (`my-issuer`, no URI delimiter of RFC 3986 §2.2) or a URN
 * (`urn:example:issuer`) follows {@link checkIssuerSpelling}; anything else is an issuer URL by {@link validateIssuerUrl}'s rule (no
 * credentials, fragment or query, `https:` or `http:` only, lower-case scheme and host), plain http
 * accepted anywhere since nothing is sent to it. The value is never repeated in a message.
 *
 * @example
 * ```ts
 * checkComparedIssuer('my-issuer', 'jwtResolver.issuer'); // passes
 * checkComparedIssuer('javascript:alert(1)', 'jwtResolver.issuer'); // throws RsConfigError
 * ```
 */
export function checkComparedIssuer(issuer: string, option: string): void {
  if (URI_DELIMITER.test(issuer) && !URN.test(issuer)) validateIssuerUrl(issuer, option, true);
  else checkIssuerSpelling(issuer, option);
}

/**
 * Checks that an issuer identifier is written as authorization servers state theirs, since issuers are
 * compared as exact strings (RFC 8414 §3.3, RFC 9207 §2.4): a URL as written ({@link checkUrlSpelling}),
 * with its scheme and host in lower case. RFC 3986 (§3.1, §3.2.2) has URLs produced so and the WHATWG
 * URL parser lowers them, so a server states `https://as.example.com`, which a configured
 * `https://AS.example.com` never equals: every token or answer would be refused. Paths, ports and
 * trailing slashes are the server's choice and are left alone. The value is never repeated in a message.
 *
 * @example
 * ```ts
 * checkIssuerSpelling('https://as.example.com/realms/a/', 'issuerJwks.issuer'); // passes
 * checkIssuerSpelling('HTTPS://AS.example.com', 'issuerJwks.issuer'); // throws RsConfigError
 * ```
 */
export function checkIssuerSpelling(issuer: string, option: string): void {
  checkUrlSpelling(issuer, option);
  // Without the user information, which is no part of the host (and is refused as credentials, for what
  // it is, by the URL rules that follow: `https://u:PASS@…` is no issuer written in upper case).
  const schemeAndHost = (SCHEME_AND_AUTHORITY.exec(issuer)?.[0] ?? '').replace(USER_INFO, '//');
  requireOption(
    schemeAndHost === schemeAndHost.toLowerCase(),
    option,
    'must spell its scheme and host in lower case (RFC 3986 §6.2.2.1): issuers are compared exactly, ' +
      'and servers state theirs in lower case',
  );
}

/**
 * Checks a URL as written, before it is parsed: `jwtResolver.issuer`'s rule (no white space around the
 * value, as a value pasted with its line break has), then printable ASCII only (RFC 3986 §2): no white
 * space, control character, or character the URL parser would drop or rewrite (a zero-width space).
 * For URLs used as strings (issuers, published metadata), not only parsed. Never repeats the value.
 *
 * @example
 * ```ts
 * checkUrlSpelling(' https://as.example.com', 'issuerJwks.issuer'); // throws RsConfigError
 * ```
 */
export function checkUrlSpelling(url: string, option: string): void {
  stringSetOption(url, option, true);
  requireOption(
    !NOT_IN_A_URL.test(url),
    option,
    'must be printable ASCII (RFC 3986 §2): no white space, control or non-ASCII characters',
  );
}

/** Whether `hostname` (as `URL.hostname` spells it) names this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
