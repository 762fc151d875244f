import { expect } from 'vitest';

/**
 * A strict reader of `WWW-Authenticate` values (RFC 9110 §11.2, §11.6.1, §5.6), for tests: it throws on
 * anything the grammar does not produce, where a client's lenient parser would guess.
 *
 *   WWW-Authenticate = [ challenge *( OWS "," OWS challenge ) ]
 *   challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
 *   auth-param       = token BWS "=" BWS ( token / quoted-string )
 *   token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
 *   quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE
 *
 * Empty list elements, which recipients must tolerate but senders never produce, are refused. A
 * parameter name given twice in one challenge is refused (RFC 9110 §11.2: "each parameter name MUST
 * only occur once per challenge").
 */

/** One challenge as a client reads it: the scheme and its parameters, values unquoted. */
export interface ParsedChallenge {
  readonly scheme: string;
  readonly token68?: string;
  /** Parameter names in lower case (they are case-insensitive), values with quoted-pairs undone. */
  readonly params: Readonly<Record<string, string>>;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68_CHAR = /[A-Za-z0-9\-._~+/]/;

/** Parses one `WWW-Authenticate` field value; throws an `Error` saying where the grammar broke. */
export function parseWwwAuthenticate(value: string): ParsedChallenge[] {
  let at = 0;
  const fail = (why: string): never => {
    throw new Error(`not a WWW-Authenticate value (${why} at ${at}): ${JSON.stringify(value)}`);
  };
  const isOws = (c: string | undefined) => c === ' ' || c === '\t';
  const skipOws = () => {
    while (isOws(value[at])) at++;
  };
  const token = (): string => {
    const start = at;
    while (at < value.length && TCHAR.test(value[at]!)) at++;
    if (at === start) fail('a token expected');
    return value.slice(start, at);
  };
  const quotedString = (): string => {
    if (value[at] !== '"') fail('a quoted-string expected');
    at++;
    let text = '';
    for (;;) {
      if (at >= value.length) fail('an unterminated quoted-string');
      const c = value[at]!;
      const code = c.charCodeAt(0);
      if (c === '"') {
        at++;
        return text;
      }
      if (c === '\\') {
        const next = value.charCodeAt(at + 1);
        // quoted-pair = "\" ( HTAB / SP / VCHAR / obs-text )
        if (!(next === 0x09 || (next >= 0x20 && next <= 0x7e) || (next >= 0x80 && next <= 0xff)))
          fail('a bad quoted-pair');
        text += value[at + 1];
        at += 2;
        continue;
      }
      // qdtext = HTAB / SP / %x21 / %x23-5B / %x5D-7E / obs-text
      if (!(code === 0x09 || (code >= 0x20 && code <= 0x7e) || (code >= 0x80 && code <= 0xff)))
        fail('a character qdtext does not allow');
      text += c;
      at++;
    }
  };
  /** After a name and BWS: is this `=` the start of a value (an auth-param), or the end of a token68? */
  const paramFollows = (): boolean => {
    let look = at;
    while (isOws(value[look])) look++;
    if (value[look] !== '=') return false;
    look++;
    while (isOws(value[look])) look++;
    const c = value[look];
    return c === '"' || (c !== undefined && TCHAR.test(c));
  };
  const param = (params: Record<string, string>): void => {
    const name = token().toLowerCase();
    skipOws();
    if (value[at] !== '=') fail('"=" expected');
    at++;
    skipOws();
    const paramValue = value[at] === '"' ? quotedString() : token();
    if (Object.hasOwn(params, name)) fail(`the parameter "${name}" twice in one challenge`);
    params[name] = paramValue;
  };

  const challenges: ParsedChallenge[] = [];
  if (value.length === 0) return challenges;
  for (;;) {
    const scheme = token();
    const params: Record<string, string> = {};
    let token68: string | undefined;
    if (value[at] === ' ') {
      while (value[at] === ' ') at++;
      const start = at;
      while (at < value.length && TCHAR.test(value[at]!)) at++;
      const isParam = at > start && paramFollows();
      at = start;
      if (!isParam) {
        // A token68: its characters, then any "=" padding, then the end of the challenge.
        while (at < value.length && TOKEN68_CHAR.test(value[at]!)) at++;
        while (value[at] === '=') at++;
        token68 = value.slice(start, at);
        if (token68 === '') fail('a token68 or auth-param expected');
      } else {
        param(params);
        // #auth-param: further parameters after OWS "," OWS, until a comma starts another challenge.
        for (;;) {
          const save = at;
          skipOws();
          if (value[at] !== ',') {
            at = save;
            break;
          }
          at++;
          skipOws();
          const nameStart = at;
          const next = token();
          at = nameStart + next.length;
          if (paramFollows()) {
            at = nameStart;
            param(params);
          } else {
            at = save;
            break;
          }
        }
      }
    }
    challenges.push(token68 === undefined ? { scheme, params } : { scheme, token68, params });
    if (at === value.length) return challenges;
    skipOws();
    if (value[at] !== ',') fail('"," expected between challenges');
    at++;
    skipOws();
    if (at === value.length || value[at] === ',') fail('an empty list element');
  }
}

/** Parses several field lines of `WWW-Authenticate` as one list (RFC 9110 §5.3), each line strictly. */
export function parseWwwAuthenticateLines(lines: readonly string[]): ParsedChallenge[] {
  return lines.flatMap((line) => parseWwwAuthenticate(line));
}

// RFC 6750 §3: error and error_description are %x20-21 / %x23-5B / %x5D-7E; error_uri the same less the
// space; scope = scope-token *( SP scope-token ), scope-token = 1*( %x21 / %x23-5B / %x5D-7E ).
const NQSCHAR = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;
const NQCHAR = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const SPACE_SEPARATED = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;
const ERROR_CODE = /^[\x20\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Throws when a challenge's OAuth parameters break their own grammar: RFC 6750 §3 (`error`,
 * `error_description`, `error_uri`, `scope`), RFC 9449 §7.1 (`algs`, space-separated algorithm names),
 * RFC 9470 §3 (`acr_values` space-separated, `max_age` a non-negative integer).
 */
export function checkOAuthChallengeParams(challenge: ParsedChallenge): void {
  const { params } = challenge;
  const check = (name: string, rule: RegExp) => {
    const paramValue = params[name];
    if (paramValue !== undefined && !rule.test(paramValue))
      throw new Error(`${challenge.scheme} ${name}=${JSON.stringify(paramValue)} breaks its grammar`);
  };
  check('error', ERROR_CODE);
  check('error_description', NQSCHAR);
  check('error_uri', NQCHAR);
  check('scope', SPACE_SEPARATED);
  check('algs', SPACE_SEPARATED);
  check('acr_values', SPACE_SEPARATED);
  check('max_age', /^[0-9]+$/);
  check('realm', NQSCHAR);
}

/** What middleware before the resource server put on the response, in the earlier-headers tests. */
export interface EarlierHeaders {
  /** The origin `Access-Control-Allow-Origin` was set to (a CORS middleware's). */
  readonly origin: string;
  /** The `X-Request-Id` the application set. */
  readonly requestId: string;
}

/**
 * Asserts a refusal (401 without a token, 403 for a token without `read`) that middleware running before
 * the resource server had put headers on: core's `Cache-Control`, challenges (Bearer and DPoP, realm
 * `test`) and JSON body were sent, and the application's other headers came through, CORS's among them.
 * The same check for every adapter, whose frameworks merge earlier headers each their own way.
 */
export async function expectRefusalOverEarlierHeaders(
  response: Response,
  status: 401 | 403,
  earlier: EarlierHeaders,
): Promise<void> {
  expect(response.status).toBe(status);
  expect(response.headers.get('cache-control')).toBe('no-store');
  const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate')!);
  expect(challenges.map((challenge) => challenge.scheme)).toEqual(['Bearer', 'DPoP']);
  expect(challenges[0]!.params.realm).toBe('test');
  if (status === 403)
    expect(challenges[0]!.params).toMatchObject({ error: 'insufficient_scope', scope: 'read' });
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(response.headers.get('access-control-allow-origin')).toBe(earlier.origin);
  expect(response.headers.get('x-request-id')).toBe(earlier.requestId);
  expect(await response.json()).toMatchObject({
    code: status === 401 ? 'token_missing' : 'insufficient_scope',
  });
}
