import type { TokenLocation } from '../context.js';
import { isCompactJwsSpelling } from '../encoding/compact-jws-spelling.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { isTokenCharacter } from '../http/header-field.js';
import { fieldValue, headerTexts, type RsRequest, singleHeader } from '../request.js';
import { B64TOKEN } from './b64token.js';
import { cookieToken } from './cookie-token.js';
import { isContentCoded, isFormUrlEncoded, methodTakesForm } from './form-body.js';
import type { TokenLocations } from './token-locations.js';

const ACCESS_TOKEN = 'access_token';
const TWO_AUTHORIZATIONS = 'More than one Authorization header';
const FORM_TOO_LARGE = 'The form body is too large to look for an access token in';
const FORM_UNREADABLE = 'The form body could not be read to look for an access token in';
const FORM_CONTENT_CODED = 'A form body with a Content-Encoding is not read to look for an access token in';

/** A token found in the request, where, and with which scheme. */
export interface ExtractedToken {
  readonly token: string;
  readonly location: TokenLocation;
  /** `DPoP` only for `Authorization: DPoP` (when DPoP is accepted); every other way is `Bearer`. */
  readonly scheme: 'Bearer' | 'DPoP';
  /**
   * The token is three segments in the compact JWS alphabet ({@link isCompactJwsSpelling}), found by
   * the same scan as the b64token check: a JWT resolver need not scan it again.
   */
  readonly jwsAlphabet: boolean;
}

const SPACE = 32;

/** What one scan of a token tells: not a b64token, a b64token, or one that is also a compact JWS. */
type TokenSpelling = 'invalid' | 'b64token' | 'jws';

// Every character of the compact JWS alphabet is a b64token character: a token that passes that (the
// common case, a JWT) needs no second scan.
function spellingOf(value: string): TokenSpelling {
  if (value.includes('.') && isCompactJwsSpelling(value)) return 'jws';
  return B64TOKEN.test(value) ? 'b64token' : 'invalid';
}

/** Validated, normalized {@link TokenLocations}. */
export interface ResolvedTokenLocations {
  /** Whether the `Authorization` header is read. */
  readonly authorizationHeader: boolean;
  /** Whether a form-encoded body's `access_token` is read (RFC 6750 §2.2). */
  readonly formBody: boolean;
  /** Whether the query parameter is read (RFC 6750 §2.3). */
  readonly query: boolean;
  /** The query parameter's name; `access_token` unless configured. */
  readonly queryParameter?: string | undefined;
  /** The custom header carrying the bare token; `undefined` when none is read. */
  readonly header: string | undefined;
  /** The token cookie's name; absent when cookies are not read. */
  readonly cookie?: string | undefined;
}

/**
 * Finds the access token per RFC 6750 §2: at most one method per request, `Bearer` compared
 * case-insensitively, the token checked against the b64token grammar. With `acceptDpop`,
 * `Authorization: DPoP <token68>` (RFC 9449 §7.1, the same grammar) counts as well; without it, DPoP is
 * another scheme, and not ours.
 */
export function extractToken(
  request: RsRequest,
  locations: ResolvedTokenLocations,
  acceptDpop = false,
): Outcome<ExtractedToken> {
  let found: ExtractedToken | undefined;
  let count = 0;

  if (locations.authorizationHeader) {
    const header = singleHeader(request.headers, 'authorization');
    if (header === null) return refusal('malformed_authorization', TWO_AUTHORIZATIONS);
    if (header !== undefined) {
      const space = header.indexOf(' ');
      const scheme = authorizationScheme(header, space === -1 ? header.length : space, acceptDpop);
      if (scheme === undefined) {
        const problem = misspelledOrHidden(header, acceptDpop);
        if (problem !== undefined) return refusal('malformed_authorization', problem);
      } else {
        const credentials = credentialsAfter(header, space);
        const spelling = credentials === undefined ? 'invalid' : spellingOf(credentials);
        if (spelling === 'invalid') {
          // No b64token or token68 holds a comma: credentials and the next field, joined (as below).
          if (credentials?.includes(',')) return refusal('malformed_authorization', TWO_AUTHORIZATIONS);
          const grammar = scheme === 'Bearer' ? 'b64token' : 'token68';
          return refusal('malformed_authorization', `The ${scheme} credentials are not a valid ${grammar}`);
        }
        found = {
          token: credentials!,
          location: 'authorization-header',
          scheme,
          jwsAlphabet: spelling === 'jws',
        };
        count++;
      }
      // Another scheme (Basic, …) is not ours: the request simply has no bearer token there.
    }
  }

  if (locations.header !== undefined) {
    const value = singleHeader(request.headers, locations.header);
    if (value === null) return refusal('multiple_token_methods', `More than one ${locations.header} header`);
    if (value !== undefined) {
      const spelling = spellingOf(value);
      if (spelling === 'invalid') {
        return refusal('malformed_authorization', `The ${locations.header} header is not a valid b64token`);
      }
      found = { token: value, location: 'custom-header', scheme: 'Bearer', jwsAlphabet: spelling === 'jws' };
      count++;
    }
  }

  if (locations.cookie !== undefined) {
    const outcome = cookieToken(request.headers, locations.cookie);
    if (!outcome.ok) return outcome;
    if (outcome.value !== undefined) {
      found = checkedBearer(outcome.value, 'cookie');
      count++;
    }
  }

  if (
    locations.formBody &&
    methodTakesForm(request.method) &&
    isFormUrlEncoded(singleHeader(request.headers, 'content-type'))
  ) {
    // A body the adapter could not examine may hold a token (beside one elsewhere, or the only one):
    // deciding the request without it would let a second method pass, or an optional route in. So may a
    // content-coded one (gzip, …), whichever adapter: some read it as text, some inflate it.
    if (isContentCoded(request.headers)) return refusal('malformed_authorization', FORM_CONTENT_CODED);
    const unexamined = request.formUnexamined;
    if (unexamined !== undefined)
      return refusal(
        'malformed_authorization',
        unexamined === 'too-large' ? FORM_TOO_LARGE : FORM_UNREADABLE,
      );
    const form = request.form;
    const value = form !== undefined && Object.hasOwn(form, ACCESS_TOKEN) ? form.access_token : undefined;
    if (value !== undefined) {
      if (Array.isArray(value))
        return refusal('multiple_token_methods', 'More than one access_token parameter');
      if (typeof value !== 'string')
        return refusal('malformed_authorization', 'The access_token parameter is not a string');
      const spelling = spellingOf(value);
      if (spelling === 'invalid')
        return refusal('malformed_authorization', 'The access_token parameter is not a valid b64token');
      found = { token: value, location: 'form-body', scheme: 'Bearer', jwsAlphabet: spelling === 'jws' };
      count++;
    }
  }

  if (locations.query) {
    const outcome = queryToken(request.url, locations.queryParameter ?? ACCESS_TOKEN);
    if (!outcome.ok) return outcome;
    if (outcome.value !== undefined) {
      found = checkedBearer(outcome.value, 'query');
      count++;
    }
  }

  if (count > 1)
    return refusal(
      'multiple_token_methods',
      'The request used more than one method to send the access token',
    );
  if (found === undefined) return refusal('token_missing', 'No access token in the request');
  return success(found);
}

/**
 * The credentials of `Authorization: Bearer <credentials>` when that header, sent once, is the only
 * place tokens are looked for; `undefined` otherwise. Their grammar is not checked: for asking a
 * resolver whether it remembers the token (see `AccessTokenResolver.recall`), which only answers for a
 * token that passed {@link extractToken} before.
 */
export function plainBearerCredentials(
  request: RsRequest,
  locations: ResolvedTokenLocations,
): string | undefined {
  if (!readsAuthorizationHeaderOnly(locations)) return undefined;
  const sent = request.headers.authorization;
  if (typeof sent !== 'string' || !Object.hasOwn(request.headers, 'authorization')) return undefined;
  // Read as extractToken reads it (singleHeader), or a token sent with a space after it is never recalled.
  const header = fieldValue(sent);
  const space = header.indexOf(' ');
  if (space === -1 || authorizationScheme(header, space, false) !== 'Bearer') return undefined;
  return credentialsAfter(header, space);
}

/**
 * Whether the Authorization header is the only place tokens are looked for: then a request whose header
 * carries a remembered token can carry no other (a second one would have to be refused as two methods).
 * Every location of {@link ResolvedTokenLocations} is named here.
 */
function readsAuthorizationHeaderOnly(locations: ResolvedTokenLocations): boolean {
  return (
    locations.authorizationHeader &&
    !locations.formBody &&
    !locations.query &&
    locations.header === undefined &&
    locations.cookie === undefined
  );
}

/**
 * The scheme of an Authorization header that is not ours, when the client plainly meant ours: `Bearer`
 * (or `DPoP`) followed by something other than a space (`Bearer<TAB>…`, `Bearer:…`, RFC 9110 §11.4 wants
 * `1*SP`), or credentials of ours after another scheme's (`Basic …, Bearer …`: two Authorization headers
 * joined by a Fetch `Headers` or an API gateway, or one line holding two). Read as another scheme, such
 * a request would have no token, and an optional route would let it in as anonymous: it is malformed
 * (RFC 6750 §3.1). So is any other value holding two fields ({@link holdsSecondField}), whatever their
 * schemes: sent as two lines, a Node adapter refuses it, and a joined value must be answered alike.
 * `undefined` for an honest other scheme.
 */
function misspelledOrHidden(header: string, acceptDpop: boolean): string | undefined {
  if (hidesScheme(header, acceptDpop)) {
    return 'The Authorization header has something other than a space or a tab before its scheme';
  }
  if (
    (header.length > 6 && spelledAs(header, 'bearer') && !isTokenCharacter(header.charCodeAt(6))) ||
    (acceptDpop && header.length > 4 && spelledAs(header, 'dpop') && !isTokenCharacter(header.charCodeAt(4)))
  ) {
    return 'The authorization scheme must be followed by a space';
  }
  const schemeAfterComma = acceptDpop ? BEARER_OR_DPOP_AFTER_COMMA : BEARER_AFTER_COMMA;
  if (header.includes(',') && (schemeAfterComma.test(header) || holdsSecondField(header))) {
    // Fetch's Headers and API Gateway's HTTP API join a repeated field with ", ": said as a Node adapter,
    // which sees the two fields apart, says it.
    return TWO_AUTHORIZATIONS;
  }
  return undefined;
}

/**
 * Whether our scheme hides behind what comes before it: characters that are no part of a token (a line
 * break, a no-break or zero-width space; spaces and tabs around the value are gone already) and then
 * `Bearer` (or `DPoP`) as a word. Read as another scheme, `\u00a0Bearer <expired>` would let an optional
 * route in as anonymous what `Bearer <expired>` is refused for. A scheme that merely looks like ours
 * (`Be@rer`, a Cyrillic `е`) is another scheme, as RFC 9110 §11.4 reads any unknown one.
 */
function hidesScheme(header: string, acceptDpop: boolean): boolean {
  let start = 0;
  while (start < header.length && !isTokenCharacter(header.charCodeAt(start))) start++;
  if (start === 0) return false;
  return spelledAt(header, start, 'bearer') || (acceptDpop && spelledAt(header, start, 'dpop'));
}

/** Whether `text` holds the word `lowerLetters` (any case) at `start`, ended by a non-token character. */
function spelledAt(text: string, start: number, lowerLetters: string): boolean {
  const end = start + lowerLetters.length;
  if (text.length < end) return false;
  for (let i = 0; i < lowerLetters.length; i++) {
    if ((text.charCodeAt(start + i) | 0x20) !== lowerLetters.charCodeAt(i)) return false;
  }
  return end === text.length || !isTokenCharacter(text.charCodeAt(end));
}

// Another set of credentials in a comma-joined list (RFC 9110 §5.3): `, Bearer <…>` or `, Bearer` last.
// Looked for anywhere, even inside a quoted-string: a value that seems to hide a token of ours is
// refused rather than read as another scheme's.
const BEARER_AFTER_COMMA = /,[ \t]*bearer(?:[ \t]|$)/i;
const BEARER_OR_DPOP_AFTER_COMMA = /,[ \t]*(?:bearer|dpop)(?:[ \t]|$)/i;

const TAB = 9;
const QUOTE = 34;
const COMMA = 44;
const BACKSLASH = 92;

/**
 * Whether an Authorization value is two fields or more, joined with commas (RFC 9110 §5.3). The field is
 * not a list (§11.6.2: one set of credentials), so a comma outside a quoted-string either separates the
 * auth-params of one credential (`Digest username="a", realm="b"`: a token then `=`) or starts another
 * field: an auth-scheme followed by a space or the end (`Basic x, Basic y`, `Digest …, Negotiate`). An
 * empty element (`Digest a="x", , b="y"`, a trailing `,`) is neither: auth-params are a `#list`, whose
 * recipients must accept empty elements (§5.6.1.2), and a field joined with an empty one hides no
 * credentials.
 */
function holdsSecondField(header: string): boolean {
  let quoteStart = -1;
  for (let i = 0; i < header.length; i++) {
    const code = header.charCodeAt(i);
    if (quoteStart !== -1) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) quoteStart = -1;
    } else if (code === QUOTE) {
      quoteStart = i;
    } else if (code === COMMA && startsField(header, i + 1)) {
      return true;
    }
  }
  if (quoteStart === -1) return false;
  // A quoted-string never closed: its commas may as well join two fields (`Digest a="x` and
  // `Basic y`), so they count as any other.
  for (let i = header.indexOf(',', quoteStart); i !== -1; i = header.indexOf(',', i + 1)) {
    if (startsField(header, i + 1)) return true;
  }
  return false;
}

/**
 * Whether the list element starting at `from` (just after a comma) is a field of its own: an
 * auth-scheme followed by a space or the end. A token followed by `=` (after optional whitespace,
 * RFC 9110 §11.2 `BWS`) is an auth-param of the field before; an empty element (only whitespace, up to
 * the next comma or the end) is nothing.
 */
function startsField(header: string, from: number): boolean {
  let i = skipWhitespace(header, from);
  const tokenStart = i;
  while (i < header.length && isTokenCharacter(header.charCodeAt(i))) i++;
  if (i === tokenStart) return false;
  if (i === header.length) return true;
  const next = skipWhitespace(header, i);
  return next > i && header.charCodeAt(next) !== 61; /* = */
}

function skipWhitespace(text: string, from: number): number {
  let i = from;
  while (text.charCodeAt(i) === SPACE || text.charCodeAt(i) === TAB) i++;
  return i;
}

/**
 * The scheme the client used in a request refused while extracting its token, for the challenge that
 * carries the error (RFC 9449 §7.1: a DPoP request is answered in the DPoP challenge): `DPoP` when the
 * Authorization header names it and DPoP is accepted, `undefined` otherwise. Of several Authorization
 * fields the first decides, whether they arrive apart (an array) or joined with commas (a string that
 * starts with the first), so that every adapter answers in the same challenge.
 */
export function schemeOfRefusedRequest(request: RsRequest, acceptDpop: boolean): 'DPoP' | undefined {
  if (!acceptDpop) return undefined;
  const header = headerTexts(request.headers, 'authorization')[0];
  const namesDpop =
    header !== undefined &&
    header.length >= 4 &&
    spelledAs(header, 'dpop') &&
    (header.length === 4 || !isTokenCharacter(header.charCodeAt(4)));
  return namesDpop ? 'DPoP' : undefined;
}

// RFC 9110 §11: credentials = auth-scheme [ 1*SP token68 ]. The scheme ends at the first space; only
// `Bearer` (and `DPoP`) concern us, both spelled in token characters. `undefined` for no credentials.
function credentialsAfter(header: string, space: number): string | undefined {
  if (space === -1) return undefined;
  let start = space;
  while (header.charCodeAt(start) === SPACE) start++;
  return header.slice(start);
}

/** The scheme `header[0, end)` names, compared case-insensitively without a lower-cased copy. */
function authorizationScheme(
  header: string,
  end: number,
  acceptDpop: boolean,
): 'Bearer' | 'DPoP' | undefined {
  if (end === 6 && spelledAs(header, 'bearer')) return 'Bearer';
  return acceptDpop && end === 4 && spelledAs(header, 'dpop') ? 'DPoP' : undefined;
}

/**
 * Whether `text` starts with `lowerLetters` (small ASCII letters) in any case: OR 0x20 turns a character
 * into a given small letter only when it is that letter or its capital. (No other character lower-cases
 * to a letter of `bearer` or `dpop` either, so this answers as comparing `toLowerCase()` did.)
 */
function spelledAs(text: string, lowerLetters: string): boolean {
  for (let i = 0; i < lowerLetters.length; i++) {
    if ((text.charCodeAt(i) | 0x20) !== lowerLetters.charCodeAt(i)) return false;
  }
  return true;
}

/** A Bearer token already checked as a b64token, scanned once more for the JWS alphabet. */
function checkedBearer(token: string, location: TokenLocation): ExtractedToken {
  return { token, location, scheme: 'Bearer', jwsAlphabet: isCompactJwsSpelling(token) };
}

function queryToken(url: string, name: string): Outcome<string | undefined> {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return success(undefined);
  // A `?` after a `#` is in the fragment, not the query (RFC 3986 §3.5): no token there.
  if (url.lastIndexOf('#', queryStart) !== -1) return success(undefined);
  // Most requests have no token in their query: skip URL parsing for them. A name may be
  // percent-encoded (`access%5Ftoken`, `%61ccess_token`) and still be the name once decoded, so a
  // query with a `%` is always parsed. (Names are configured without spaces, so `+` needs no care.)
  if (!url.includes(name, queryStart) && !url.includes('%', queryStart)) return success(undefined);
  const values = new URLSearchParams(url.slice(queryStart + 1).split('#', 1)[0]).getAll(name);
  if (values.length === 0) return success(undefined);
  if (values.length > 1) return refusal('multiple_token_methods', `More than one ${name} parameter`);
  if (!B64TOKEN.test(values[0]!))
    return refusal('malformed_authorization', `The ${name} parameter is not a valid b64token`);
  return success(values[0]);
}
