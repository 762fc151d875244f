import { trimSpacesAndTabs } from '../encoding/text-ends.js';
import { isFormUrlEncoded } from '../extract/form-body.js';
import { isHeaderName } from '../http/header-field.js';

// Finding the client's token in what is forwarded upstream, by its value: as written or percent-encoded,
// in header values, `Cookie` pairs, query fields and form fields. What `upstreamHeaders` removes, it finds
// here.

// RFC 6265 §4.1.1: cookie-value = *cookie-octet / ( DQUOTE *cookie-octet DQUOTE ), cookie-octet being
// printable ASCII without space, `"`, `,`, `;` and `\`.
const COOKIE_VALUE =
  /^(?:[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*|"[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]*")$/;
// An escape of an ASCII character: the only ones a token (a b64token) can be spelled with.
const ASCII_ESCAPE = /%([0-7][0-9A-Fa-f])/g;

// How many rounds of percent-decoding a header value, cookie or field is searched through for the token:
// a URL holding it, quoted in another URL's query, quoted in a third (a sign-in redirect in a `Referer`),
// and one more. A header still decoding after that cannot be told, and is removed; a field is kept.
const MAX_DECODINGS = 4;

/**
 * Whether a header value (or one of its lines) holds the token anywhere, as written or percent-encoded;
 * `true` as well when that cannot be told ({@link holdsToken}).
 */
export function holds(value: string | readonly string[], finds: FindsToken): boolean {
  if (typeof value === 'string') return holdsToken(value, finds, 'holds');
  return value.some((line: unknown) => typeof line === 'string' && holdsToken(line, finds, 'holds'));
}

/**
 * Whether `text` holds the token, as written or percent-encoded. It is searched as written, decoded as
 * `decodeURIComponent` decodes (escapes in either case), then decoded again for the ASCII escapes left (a
 * URL quoted in a URL's query was encoded once more), {@link MAX_DECODINGS} rounds in all. `+` and space
 * count as one character, as form-urlencoding writes a space `+`.
 *
 * Text whose escapes do not decode (a `%` without two hex digits, bytes that are not UTF-8), `undecodable`
 * says how to read: `'holds'`, for a header, since decoders differ there and some join the token back
 * together (NGINX drops such a `%`, others drop such bytes); `'leniently'`, for a field, with such a `%`
 * and bytes kept as written, as the extractor's `URLSearchParams` does. Text still decoding after the last
 * round holds the token for `'holds'` too. Each round is one linear pass, and their number is bounded.
 */
function holdsToken(text: string, finds: FindsToken, undecodable: 'holds' | 'leniently'): boolean {
  let level = text;
  for (let decodings = 0; ; decodings++) {
    if (finds(level)) return true;
    if (!level.includes('%')) return false;
    let decoded: string;
    if (decodings === 0) {
      try {
        decoded = decodeURIComponent(level);
      } catch {
        if (undecodable === 'holds') return true;
        decoded = asciiDecoded(level);
      }
    } else {
      decoded = asciiDecoded(level);
    }
    if (decoded === level) return false;
    // Searched through every round, and yet another would find something new: it cannot be told.
    if (decodings === MAX_DECODINGS) return undecodable === 'holds';
    level = decoded;
  }
}

/** Whether a text holds the token as written, `+` and space taken as one character. */
export type FindsToken = (text: string) => boolean;

const PLUS_OR_SPACE = /[ +]/;

/**
 * What finds the token in a text ({@link FindsToken}), built by each method that removes it. Only a token
 * with `+` or space needs the text rewritten to compare, and only a text holding its longest run without
 * them can hold it.
 */
export function finder(token: string): FindsToken {
  if (!PLUS_OR_SPACE.test(token)) return (text) => text.includes(token);
  const pieces = token.split(PLUS_OR_SPACE);
  const wanted = token.replaceAll(' ', '+');
  const longest = pieces.reduce((a, b) => (b.length > a.length ? b : a));
  return (text) =>
    text.includes(token) || (text.includes(longest) && text.replaceAll(' ', '+').includes(wanted));
}

/**
 * `text` with its escapes of ASCII characters decoded, the others (and a `%` that starts no escape) kept
 * as written: a b64token is ASCII, and every decoder reads an ASCII escape alike.
 */
function asciiDecoded(text: string): string {
  return text.replace(ASCII_ESCAPE, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * Whether the request has an `application/x-www-form-urlencoded` body on any of its `Content-Type` lines,
 * read as the extractor reads it ({@link isFormUrlEncoded}): the body `rewriteForm` rewrites.
 */
export function hasFormBody(
  incoming: Readonly<Record<string, string | readonly string[] | undefined>>,
): boolean {
  for (const name of Object.keys(incoming)) {
    if (name.toLowerCase() !== 'content-type') continue;
    const value = incoming[name];
    const lines: readonly unknown[] = typeof value === 'string' ? [value] : (value ?? []);
    if (lines.some((line) => typeof line === 'string' && isFormUrlEncoded(line))) return true;
  }
  return false;
}

/**
 * A `Cookie` header without the cookies holding the token, its lines kept apart as they came (HTTP/2 may
 * send one per cookie); `undefined` when no cookie is left, or when a line holding the token does not
 * parse strictly ({@link cookiePairs}): the upstream's parser could then find a cookie this one does not.
 */
export function cookiesWithout(
  value: string | readonly string[],
  finds: FindsToken,
): string | string[] | undefined {
  const lines = typeof value === 'string' ? [value] : value;
  const kept: string[] = [];
  for (const line of lines) {
    if (typeof line !== 'string' || !holdsToken(line, finds, 'holds')) {
      kept.push(line);
      continue;
    }
    const pairs = cookiePairs(line);
    if (pairs === undefined) return undefined;
    const others = pairs.filter((pair) => !holdsToken(pair, finds, 'holds')).join('; ');
    // No pair holds the token, yet the line does: the token runs across pairs. Fail closed.
    if (holdsToken(others, finds, 'holds')) return undefined;
    if (others !== '') kept.push(others);
  }
  if (kept.length === 0) return undefined;
  return typeof value === 'string' ? kept[0] : kept;
}

/**
 * The `name=value` pairs of one `Cookie` line (RFC 6265 §4.2.1), or `undefined` when one is not: a name
 * that is not a token, no `=`, or a value outside the cookie-octets (spaces, commas, quotes inside, which
 * parsers split differently). Pairs are separated by `;` and optional spaces; an empty one carries nothing.
 */
function cookiePairs(line: string): string[] | undefined {
  const pairs: string[] = [];
  for (const piece of line.split(';')) {
    const pair = trimSpacesAndTabs(piece);
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    if (equals === -1 || !isHeaderName(pair.slice(0, equals)) || !COOKIE_VALUE.test(pair.slice(equals + 1)))
      return undefined;
    pairs.push(pair);
  }
  return pairs;
}

/**
 * Form-urlencoded fields (a query, a form body) without those holding the token, the others kept as
 * written; `undefined` when none holds it. A field is searched as a whole (its name and value), as
 * written and percent-decoded ({@link holdsToken}): a token, or its parameter's name, may be percent-encoded,
 * and a field whose escapes do not decode is read as the extractor reads it.
 */
export function fieldsWithout(fields: string, finds: FindsToken): string | undefined {
  const all = fields.split('&');
  const kept = all.filter((field) => !holdsToken(field, finds, 'leniently'));
  return kept.length === all.length ? undefined : kept.join('&');
}
