import { RsConfigError, requireOption } from '../config/config-error.js';
import { isPlainObject } from '../config/option-schema.js';
import type { OAuth2Context } from '../context.js';
import { FRAMING_AND_CREDENTIAL_HEADERS } from '../http/framing-and-credential-headers.js';
import { isHeaderName } from '../http/header-field.js';
import { type ClaimPath, claimAt, isClaimPath } from '../policy/claim-checks.js';
import {
  cookiesWithout,
  type FindsToken,
  fieldsWithout,
  finder,
  hasFormBody,
  holds,
} from './token-removal.js';

// The longest `maxValueLength` taken (see where it is checked).
const MAX_HEADER_VALUE_LENGTH = 65_536;

/**
 * Options of {@link upstreamHeaders}: which claims an accepted request carries to the upstream, and how.
 *
 * @example
 * ```ts
 * const options: UpstreamHeadersOptions = {
 *   claims: ['sub', 'scope', 'client_id', 'resource_access.account.roles'],
 *   introspectionJwtHeader: 'X-Token-Jwt',
 * };
 * ```
 */
export interface UpstreamHeadersOptions {
  /**
   * The claims to forward. A list of names or dotted paths gets NGINX's header names: the prefix, then
   * each segment of the path (split at `.`, `_` and `-`) capitalized and joined with `-`, so `client_id`
   * is `X-Token-Client-Id` and `resource_access.account.roles` is `X-Token-Resource-Access-Account-Roles`.
   * As in NGINX, a listed name written with `-` finds the claim of that name, or else the one written
   * with `_`: `client-id` forwards `client_id`.
   * A record maps header names of your choice (RFC 9110 tokens) to claim paths: a name or dotted path,
   * or a non-empty array of names. Anything else is refused when the headers are built, and so is a
   * header that frames the message or carries credentials (`Content-Length`, `Transfer-Encoding`,
   * `Connection`, `Keep-Alive`, `Upgrade`, `TE`, `Trailer`, `Proxy-Connection`, `Host`, `Cookie`,
   * `Authorization`, `Proxy-Authorization`, `DPoP`), whether named or derived, and a list with holes.
   */
  readonly claims: readonly string[] | Readonly<Record<string, ClaimPath>>;
  /** The prefix of derived header names; every incoming header starting with it is removed. Default `X-Token-`. */
  readonly prefix?: string | undefined;
  /**
   * How arrays are written: `'comma'` (default) joins strings, numbers and booleans with `, ` (an array
   * holding anything else, or a string with a comma, is left out rather than written ambiguously);
   * `'json'` writes compact JSON. Objects are always compact JSON.
   */
  readonly arrays?: 'comma' | 'json' | undefined;
  /**
   * A value with characters outside printable ASCII (control characters such as CR and LF, or non-ASCII
   * text): `'omit'` (default) leaves the header out; `'percent-encode'` writes those characters and `%`
   * as UTF-8 percent-escapes, for the upstream to read with `decodeURIComponent`.
   */
  readonly unsafeValues?: 'omit' | 'percent-encode' | undefined;
  /** Values longer than this (after encoding) are left out, never cut. Default 4096, at most 65 536. */
  readonly maxValueLength?: number | undefined;
  /**
   * Forward the signed RFC 9701 introspection answer under this header when the request has one (see
   * `TokenInfo.introspectionJwt`), as NGINX's `forwardToken` does: a header name (an RFC 9110 token)
   * that no claim is forwarded under, and none of the framing or credential headers `claims` refuses.
   * Default: not forwarded.
   */
  readonly introspectionJwtHeader?: string | undefined;
  /**
   * Keep the client's credentials: the `Authorization` and `DPoP` headers, and the token wherever else the
   * client sent it (another header, a cookie, the query, the form body). Default `false`: the upstream
   * trusts the forwarded claims, and the client's credentials stop at the resource server, wherever it read
   * the token from (as NGINX strips the token "from the header or query parameters regardless of the key
   * used").
   */
  readonly forwardCredentials?: boolean | undefined;
}

/**
 * Headers (and, for a token sent in the query or the form body, the URL and body) for the upstream, built
 * once from {@link UpstreamHeadersOptions}.
 *
 * Unless `forwardCredentials`, the client's token does not reach the upstream, wherever the resource
 * server read it from. Each method finds it by its value (`context.token`), not by a location's name, so
 * nothing else needs configuring: whichever of `tokenLocations` carried it, and any copy the client sent
 * beside it, is removed.
 */
export interface UpstreamHeaders {
  /** The header names (lower case) set only from the token: always removed from the client's headers. */
  readonly names: readonly string[];
  /** The claim headers of one accepted request (lower-case names); absent claims have no header. */
  forContext(context: OAuth2Context): Record<string, string>;
  /**
   * The client's headers as the upstream must see them: every owned name and every name with the prefix
   * removed (so a client cannot send its own `X-Token-Sub`), the client's credentials removed unless
   * `forwardCredentials`, then the claim headers of `context` added.
   *
   * The credentials removed are `Authorization`, `DPoP`, and every other header holding the token: a
   * custom header it came in (`tokenLocations.header`, such as NGINX's `apiAccessToken`) or any header
   * quoting it (a `Referer` or `X-Original-URI` with the token in its query). A header holds the token
   * as written or percent-encoded (escapes in either case, `+` for a space), also when a URL quoted in
   * it was encoded again (up to four rounds of decoding). A header whose escapes do not decode (a `%`
   * without two hex digits, bytes that are not UTF-8), or that still decodes after four rounds, is
   * removed too: decoders differ there (NGINX drops a `%` that starts no escape), and one could read the
   * token in it. The `Cookie` header loses the cookies holding the token, by the same rule, and keeps the
   * others; one holding the token that is not plain `name=value` pairs (RFC 6265 §4.2.1: a token for a
   * name, cookie-octets or a quoted value) is removed whole, since another parser could read a cookie in
   * it that this one does not.
   *
   * With an `application/x-www-form-urlencoded` body (the media type in any case, parameters aside),
   * `Content-Length` is removed too: {@link UpstreamHeaders.rewriteForm} takes the fields holding the
   * token out of it, whichever location the token came in, and the client's length would leave the
   * upstream waiting for bytes that never come. Forward rewriteForm's body; its length is the forwarder's
   * to set (Node's `request.end(body)` and `fetch` do). The length of any other body is kept.
   *
   * A token sent in the query or the form body is not in the headers: forward the URL of
   * {@link UpstreamHeaders.rewriteUrl} and the body of {@link UpstreamHeaders.rewriteForm}.
   *
   * @throws TypeError when `context` has no token and was not read from the `Authorization` header: a
   * context the resource server did not build, where the token could not be found to be removed.
   */
  rewrite(
    incoming: Readonly<Record<string, string | readonly string[] | undefined>>,
    context: OAuth2Context,
  ): Record<string, string | string[]>;
  /**
   * The request URL as the upstream must see it: the query without the parameters holding the client's
   * token (as written or percent-encoded, as {@link UpstreamHeaders.rewrite} finds it, whatever their
   * name: `access_token`, `tokenLocations.queryParameter`, or a copy), the rest of the URL kept as
   * written. A parameter whose escapes do not decode is read as the extractor reads it (`URLSearchParams`
   * keeps such a `%` as written), and kept unless the token is in it that way: it is the request's data,
   * which a header quoting it is not. Takes an absolute URL or a path with its query (Node's `req.url`).
   * Unchanged with `forwardCredentials`.
   *
   * @throws TypeError as {@link UpstreamHeaders.rewrite} does.
   *
   * @example
   * ```ts
   * // tokenLocations: { query: true, queryParameter: 'queryAuthz' }
   * forwarded.rewriteUrl('/orders?queryAuthz=eyJ…&page=2', context); // '/orders?page=2'
   * ```
   */
  rewriteUrl(url: string, context: OAuth2Context): string;
  /**
   * An `application/x-www-form-urlencoded` body as the upstream must see it: without the fields holding
   * the client's token (as {@link UpstreamHeaders.rewriteUrl} finds them, whatever their name), the other
   * fields kept as written. Unchanged with `forwardCredentials`. For a body the framework parsed, forward
   * the fields without `access_token` instead. Its length may differ from the client's `Content-Length`,
   * which {@link UpstreamHeaders.rewrite} removes for every such body.
   *
   * @throws TypeError as {@link UpstreamHeaders.rewrite} does.
   *
   * @example
   * ```ts
   * forwarded.rewriteForm('access_token=eyJ…&item=42', context); // 'item=42'
   * ```
   */
  rewriteForm(body: string, context: OAuth2Context): string;
}

// What may stand in a header value as is: printable ASCII.
const PRINTABLE = /^[\x20-\x7E]*$/;
const NOT_PRINTABLE_OR_PERCENT = /[^\x20-\x24\x26-\x7E]/gu;
const KNOWN = new Set([
  'claims',
  'prefix',
  'arrays',
  'unsafeValues',
  'maxValueLength',
  'introspectionJwtHeader',
  'forwardCredentials',
]);
const CREDENTIALS = ['authorization', 'dpop'];
const FRAMES_OR_CARRIES_CREDENTIALS =
  'must not be a header that frames the message or carries credentials (Content-Length, Transfer-Encoding, ' +
  'Connection, Host, Cookie, Authorization, DPoP, …): the upstream would read a claim as one';

/** An option as given, or its default when absent: `null` is not absent, and is refused by its check. */
function given<T>(value: T | undefined, fallback: T): T {
  return value === undefined ? fallback : value;
}

/**
 * Turns the OAuth2 context into headers for an upstream, as NGINX's `forwardedClaimsInProxyHeader` does
 * and as ForgeRock Identity Gateway hands the OAuth2 context to the next handler. Every value is made
 * header-safe (no CR, LF or other control characters; bounded length), and the client's own headers of
 * the same names are removed first, so that the upstream can trust them. The client's token is removed
 * too, wherever it came (see {@link UpstreamHeaders}): forward the URL of `rewriteUrl` and, for a form,
 * the body of `rewriteForm` along with the headers of `rewrite`.
 *
 * @example
 * ```ts
 * const forwarded = upstreamHeaders({ claims: ['sub', 'scope', 'address.country'] });
 * const headers = forwarded.rewrite(incomingHeaders, context);
 * // { …the client's headers without authorization, the token or x-token-*, 'x-token-sub': 'alice',
 * //   'x-token-scope': 'read', 'x-token-address-country': 'NZ' }
 * const url = forwarded.rewriteUrl(incomingUrl, context); // without a query parameter holding the token
 * ```
 */
export function upstreamHeaders(options: UpstreamHeadersOptions): UpstreamHeaders {
  requireOption(isPlainObject(options), 'upstreamHeaders', 'must be an object with `claims`');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new RsConfigError(`upstreamHeaders.${key}`, 'unknown option');
  }
  const prefix = given(options.prefix, 'X-Token-');
  requireOption(isHeaderName(prefix), 'upstreamHeaders.prefix', 'must be the start of a header name');
  const arrays = given(options.arrays, 'comma');
  requireOption(
    arrays === 'comma' || arrays === 'json',
    'upstreamHeaders.arrays',
    "must be 'comma' or 'json'",
  );
  const unsafe = given(options.unsafeValues, 'omit');
  requireOption(
    unsafe === 'omit' || unsafe === 'percent-encode',
    'upstreamHeaders.unsafeValues',
    "must be 'omit' or 'percent-encode'",
  );
  const maxLength = given(options.maxValueLength, 4096);
  // A header value past 64 KiB reaches no upstream: HTTP servers refuse header sections far smaller
  // (Node 16 KiB, NGINX 8 KiB a line by default). A larger bound is a unit mistake, not a wish.
  requireOption(
    Number.isSafeInteger(maxLength) && maxLength > 0 && maxLength <= MAX_HEADER_VALUE_LENGTH,
    'upstreamHeaders.maxValueLength',
    `must be a positive integer up to ${MAX_HEADER_VALUE_LENGTH}`,
  );
  const jwtHeaderOption: unknown = options.introspectionJwtHeader;
  requireOption(
    jwtHeaderOption === undefined || isHeaderName(jwtHeaderOption),
    'upstreamHeaders.introspectionJwtHeader',
    'must be a header name (an RFC 9110 token, such as X-Token-Jwt)',
  );
  const jwtHeader = jwtHeaderOption?.toLowerCase();
  requireOption(
    jwtHeader === undefined || !FRAMING_AND_CREDENTIAL_HEADERS.has(jwtHeader),
    'upstreamHeaders.introspectionJwtHeader',
    FRAMES_OR_CARRIES_CREDENTIALS,
  );
  const forwardCredentials = given(options.forwardCredentials, false);
  requireOption(
    typeof forwardCredentials === 'boolean',
    'upstreamHeaders.forwardCredentials',
    'must be true or false',
  );

  const mapping = claimHeaders(options.claims, prefix);
  // One header, one value: the signed answer would silently replace the claim's.
  requireOption(
    jwtHeader === undefined || !mapping.some(([name]) => name === jwtHeader),
    'upstreamHeaders.introspectionJwtHeader',
    'is already the header of a forwarded claim',
  );
  const owned = new Set([...mapping.map(([name]) => name), ...(jwtHeader === undefined ? [] : [jwtHeader])]);
  if (!forwardCredentials) for (const name of CREDENTIALS) owned.add(name);
  const lowerPrefix = prefix.toLowerCase();

  function headerValue(value: unknown): string | undefined {
    const text = textOf(value, arrays);
    if (text === undefined) return undefined;
    const safe = PRINTABLE.test(text) ? text : unsafe === 'omit' ? undefined : percentEncode(text);
    return safe !== undefined && safe.length <= maxLength ? safe : undefined;
  }

  function forContext(context: OAuth2Context): Record<string, string> {
    // No prototype: a header mapped under a name such as `__proto__` stays a plain entry.
    const headers: Record<string, string> = Object.create(null);
    for (const [name, path, underscored] of mapping) {
      let claim = claimAt(context.claims, path);
      if (claim === undefined && underscored !== undefined) claim = claimAt(context.claims, underscored);
      const value = headerValue(claim);
      if (value !== undefined) headers[name] = value;
    }
    const jwt = context.introspectionJwt;
    // A JWS is base64url and dots: printable by construction, bounded by the answer's own limit.
    if (jwtHeader !== undefined && typeof jwt === 'string' && PRINTABLE.test(jwt)) headers[jwtHeader] = jwt;
    return headers;
  }

  /**
   * What finds the token to keep from the upstream: `undefined` with `forwardCredentials`. Found by its
   * value, the one thing every location it may come from has in common (a header's, cookie's or
   * parameter's name is configuration the context does not carry, and a copy under another name leaks it
   * just as well).
   */
  function tokenToRemove(context: OAuth2Context): FindsToken | undefined {
    if (forwardCredentials) return undefined;
    const token: unknown = context.token;
    if (typeof token === 'string' && token !== '') return finder(token);
    // The Authorization header goes by name; from anywhere else the token could not be found: fail closed.
    if (context.location === 'authorization-header') return undefined;
    throw new TypeError(
      'upstreamHeaders: the context carries no token to remove; pass the context the resource server accepted the request with',
    );
  }

  return {
    names: [...owned],
    forContext,
    rewrite(incoming, context) {
      const finds = tokenToRemove(context);
      const bodyRewritten =
        finds !== undefined && (context.location === 'form-body' || hasFormBody(incoming));
      const headers: Record<string, string | string[]> = Object.create(null);
      for (const name of Object.keys(incoming)) {
        const lower = name.toLowerCase();
        const value = incoming[name];
        if (value === undefined || owned.has(lower) || lower.startsWith(lowerPrefix)) continue;
        if (finds !== undefined && lower === 'cookie') {
          const cookies = cookiesWithout(value, finds);
          if (cookies !== undefined) headers[lower] = cookies;
          continue;
        }
        const kept =
          finds === undefined || (!holds(value, finds) && !(bodyRewritten && lower === 'content-length'));
        if (kept) headers[lower] = typeof value === 'string' ? value : [...value];
      }
      return Object.assign(headers, forContext(context));
    },
    rewriteUrl(url, context) {
      const finds = tokenToRemove(context);
      const queryStart = url.indexOf('?');
      if (finds === undefined || queryStart === -1) return url;
      // A `?` after a `#` is in the fragment, not the query (RFC 3986 §3.5), as the extractor reads it.
      const fragmentStart = url.indexOf('#');
      if (fragmentStart !== -1 && fragmentStart < queryStart) return url;
      const queryEnd = fragmentStart === -1 ? url.length : fragmentStart;
      const query = fieldsWithout(url.slice(queryStart + 1, queryEnd), finds);
      if (query === undefined) return url;
      return url.slice(0, queryStart) + (query === '' ? '' : `?${query}`) + url.slice(queryEnd);
    },
    rewriteForm(body, context) {
      const finds = tokenToRemove(context);
      return (finds === undefined ? undefined : fieldsWithout(body, finds)) ?? body;
    },
  };
}

/**
 * The header name NGINX gives a forwarded claim: `X-Token-` and the path's segments capitalized.
 *
 * @example
 * ```ts
 * claimHeaderName('resource_access.account.roles'); // 'X-Token-Resource-Access-Account-Roles'
 * ```
 */
export function claimHeaderName(path: string, prefix = 'X-Token-'): string {
  const segments = path.split(/[._-]+/).filter((segment) => segment !== '');
  return prefix + segments.map((s) => s.charAt(0).toUpperCase() + s.slice(1)).join('-');
}

/**
 * Each forwarded claim: its header (lower case), its path, and for a listed name written with `-` the
 * same path with `_`, which NGINX reads in its place (its variables cannot hold `-`).
 */
function claimHeaders(
  claims: UpstreamHeadersOptions['claims'],
  prefix: string,
): ReadonlyArray<readonly [string, ClaimPath, string | undefined]> {
  requireOption(
    Array.isArray(claims) || isPlainObject(claims),
    'upstreamHeaders.claims',
    "must be an array of claim names, or an object of header names to claim paths ({ 'X-User': 'sub' })",
  );
  // Spread, not mapped: `map` and `every` skip the holes of a sparse array, which then reach the requests.
  const entries: [string, ClaimPath, string | undefined][] = Array.isArray(claims)
    ? [...claims].map((path: unknown, index) => {
        requireOption(
          typeof path === 'string' && path !== '',
          `upstreamHeaders.claims[${index}]`,
          'must be a claim name or dotted path',
        );
        return [
          claimHeaderName(path, prefix),
          path,
          path.includes('-') ? path.replaceAll('-', '_') : undefined,
        ];
      })
    : Object.entries(claims as Record<string, unknown>).map(([name, path]) => {
        requireOption(
          isClaimPath(path),
          `upstreamHeaders.claims[${JSON.stringify(name)}]`,
          "must be a claim path: a name or dotted path ('sub', 'address.country'), or a non-empty array of " +
            "names (['address', 'country'])",
        );
        return [name, path, undefined];
      });
  requireOption(entries.length > 0, 'upstreamHeaders.claims', 'must name at least one claim');
  const seen = new Set<string>();
  return entries.map(([name, path, underscored]) => {
    requireOption(
      isHeaderName(name),
      'upstreamHeaders.claims',
      `${JSON.stringify(name)} is not a header name; map the claim to one with { 'X-Header': 'claim' }`,
    );
    const lower = name.toLowerCase();
    requireOption(
      !FRAMING_AND_CREDENTIAL_HEADERS.has(lower),
      'upstreamHeaders.claims',
      `${JSON.stringify(name)} ${FRAMES_OR_CARRIES_CREDENTIALS}`,
    );
    requireOption(!seen.has(lower), 'upstreamHeaders.claims', `two claims map to the header ${name}`);
    seen.add(lower);
    return [lower, path, underscored] as const;
  });
}

function textOf(value: unknown, arrays: 'comma' | 'json'): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    if (arrays === 'json') return json(value);
    const members: string[] = [];
    for (const member of value) {
      const text = typeof member === 'object' || member === undefined ? undefined : textOf(member, arrays);
      if (text === undefined || text.includes(',')) return undefined;
      members.push(text);
    }
    return members.join(', ');
  }
  return typeof value === 'object' && value !== null ? json(value) : undefined;
}

function json(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function percentEncode(text: string): string | undefined {
  try {
    return text.replace(NOT_PRINTABLE_OR_PERCENT, (character) => encodeURIComponent(character));
  } catch {
    // A lone surrogate has no UTF-8 form: leave the header out.
    return undefined;
  }
}
