import { normalizePercentEncoding } from '../encoding/percent-encoding.js';

// An absolute http(s) URI with `//` and a non-empty authority without userinfo (RFC 9110 §4.2.1, §4.2.4),
// then a path that is empty or starts with `/`.
const HTTP_URI = /^https?:\/\/[^/?#@]+(?:\/[^?#]*)?(?:[?#]|$)/i;
// What the WHATWG parser reads in a way RFC 3986 does not: it strips white space and control characters
// (leading, trailing, and tabs and line breaks anywhere) and takes `\` for `/` in http(s) URIs, so
// `https:\\host\a` and `https://ho<TAB>st/` would otherwise name a URL they do not spell.
const MISREAD = /[\s\p{Cc}\\]/u;
// A request URL cut into scheme and authority, and path (query and fragment left out). A `\` ends the
// authority as it does for the WHATWG parser, so that it lands in the path and is refused there.
const REQUEST_URL = /^(https?:\/\/[^/?#\\]*)([^?#]*)/i;
// Characters that have no raw form in a URI: the WHATWG parser percent-encodes them as UTF-8, or drops
// tabs and line breaks. Adapters that hand over a decoded path (API Gateway REST APIs) put them raw in
// RsRequest.url; written percent-encoded, as the client sent them, they name the same path.
const NO_RAW_FORM = /[\p{Cc} "<>[\]^`{|}]|\P{ASCII}/gu;
// What the WHATWG parser leaves raw in a path that RFC 3986 allows in no path: `[`, `]`, `^` and `|`.
// Clients write them raw (a WHATWG URL) or escaped (RFC 3986 libraries, newer WHATWG parsers for `^`),
// in `htu` and in the request line alike: escaped here, both spellings compare as one, as the normal form
// of a protected resource identifier has them.
const RAW_IN_NO_PATH = /[[\]^|]/g;
const encoder = new TextEncoder();

/**
 * The form of an HTTP URI that `htu` is compared in (RFC 9449 §4.3 check 9): query and fragment dropped,
 * then RFC 3986 §6.2.2 syntax-based and §6.2.3 scheme-based normalization. The WHATWG parser lowercases
 * scheme and host, drops the default port, resolves dot segments and turns an empty path into `/`; what
 * it leaves, the case of percent-encodings and percent-encoded unreserved characters, is done here, and
 * `[`, `]`, `^` and `|` in the path, which no URI holds raw, are percent-encoded (`/a^b` is `/a%5Eb`).
 *
 * `undefined` for anything but an absolute `http:` or `https:` URI written as RFC 3986 spells one: `//`
 * and a non-empty authority without credentials, and no backslash, white space or control character
 * anywhere (`https:api.example.com/x`, `https:\\api.example.com\x` or a tab in the host, which the WHATWG
 * parser would quietly repair, are not URIs here).
 *
 * @example
 * ```ts
 * normalizeHttpUri('HTTPS://API.Example.com:443/%7euser/./items?q=1'); // 'https://api.example.com/~user/items'
 * normalizeHttpUri('https:\\\\api.example.com\\items'); // undefined
 * ```
 */
export function normalizeHttpUri(value: string): string | undefined {
  return parseHttpUri(value)?.normalized;
}

/**
 * The URL a request arrived on, in the form {@link normalizeHttpUri} gives, or `undefined` when the
 * WHATWG parser would change what its path routes to. Frameworks route the path as it was sent:
 * `/x/../items` reaches a route `/:a/:b/:c`, and `/files/a\b` a route `/files/:name`. Comparing the
 * parser's `/items` or `/files/a/b` with a proof's `htu` would let a proof made for one route be used on
 * another, so a path with a dot segment (`.`, `..`, `%2e`, `.%2E` …) or a backslash matches no proof.
 * The path is otherwise taken as received, normalized only as RFC 3986 §6.2.2.1–2 allow (case of
 * percent-encodings, unreserved characters percent-encoded or not), and with the characters that have no
 * raw form in a URI (white space, controls, `"`, `<`, `>`, `[`, `]`, `^`, `{`, `|`, `}`, the backtick,
 * non-ASCII) percent-encoded in UTF-8 as the client sent them: that changes no segment of the path.
 *
 * @example
 * ```ts
 * receivedHttpUri('https://api.example.com/%7euser/items?q=1'); // 'https://api.example.com/~user/items'
 * receivedHttpUri('https://api.example.com/x/%2e%2e/items'); // undefined
 * ```
 */
export function receivedHttpUri(url: string): string | undefined {
  const parts = REQUEST_URL.exec(url);
  if (parts === null) return undefined;
  const path = parts[2]!.replace(NO_RAW_FORM, percentEncode);
  const parsed = parseHttpUri(parts[1]! + path);
  if (parsed === undefined) return undefined;
  // RFC 3986 §6.2.3: an empty path is `/` in http(s) URIs.
  return normalizePercentEncoding(path === '' ? '/' : path) === parsed.path ? parsed.normalized : undefined;
}

interface ParsedHttpUri {
  /** Scheme, host and normalized path. */
  readonly normalized: string;
  /** The path as the WHATWG parser left it, percent-encoding normalized. */
  readonly path: string;
}

function parseHttpUri(value: string): ParsedHttpUri | undefined {
  if (!HTTP_URI.test(value) || MISREAD.test(value) || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  const path = normalizePercentEncoding(url.pathname.replace(RAW_IN_NO_PATH, percentEncode));
  return { normalized: `${url.protocol}//${url.host}${path}`, path };
}

/** A character as UTF-8 percent-encodings, a lone surrogate as U+FFFD's, as the WHATWG parser writes it. */
function percentEncode(character: string): string {
  let encoded = '';
  for (const byte of encoder.encode(character))
    encoded += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return encoded;
}
