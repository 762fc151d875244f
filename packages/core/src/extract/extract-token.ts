import type { TokenLocation } from '../context.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { type RsRequest, singleHeader } from '../request.js';
import { isFormUrlEncoded } from './form-body.js';
import type { TokenLocations } from './token-locations.js';

/** A token found in the request, and where. */
export interface ExtractedToken {
  readonly token: string;
  readonly location: TokenLocation;
}

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 9110 §11: credentials = auth-scheme [ 1*SP token68 ]
const AUTHORIZATION = /^([A-Za-z0-9!#$%&'*+.^_`|~-]+)(?: +(.*))?$/s;

/** Validated, normalized {@link TokenLocations}. */
export interface ResolvedTokenLocations {
  readonly authorizationHeader: boolean;
  readonly formBody: boolean;
  readonly query: boolean;
  readonly header: string | undefined;
}

/**
 * Finds the access token per RFC 6750 §2: at most one method per request, `Bearer` compared
 * case-insensitively, the token checked against the b64token grammar.
 */
export function extractToken(request: RsRequest, locations: ResolvedTokenLocations): Outcome<ExtractedToken> {
  let found: ExtractedToken | undefined;
  let count = 0;

  if (locations.authorizationHeader) {
    const header = singleHeader(request.headers, 'authorization');
    if (header === null) return refusal('malformed_authorization', 'More than one Authorization header');
    if (header !== undefined) {
      const match = AUTHORIZATION.exec(header);
      if (match !== null && match[1]!.toLowerCase() === 'bearer') {
        const credentials = match[2];
        if (credentials === undefined || !B64TOKEN.test(credentials)) {
          return refusal('malformed_authorization', 'The Bearer credentials are not a valid b64token');
        }
        found = { token: credentials, location: 'authorization-header' };
        count++;
      }
      // Another scheme (Basic, …) is not ours: the request simply has no bearer token there.
    }
  }

  if (locations.header !== undefined) {
    const value = singleHeader(request.headers, locations.header);
    if (value === null) return refusal('multiple_token_methods', `More than one ${locations.header} header`);
    if (value !== undefined) {
      if (!B64TOKEN.test(value)) {
        return refusal('malformed_authorization', `The ${locations.header} header is not a valid b64token`);
      }
      found = { token: value, location: 'custom-header' };
      count++;
    }
  }

  if (
    locations.formBody &&
    request.form !== undefined &&
    request.method !== 'GET' &&
    request.method !== 'HEAD'
  ) {
    const contentType = singleHeader(request.headers, 'content-type');
    const value = Object.hasOwn(request.form, 'access_token') ? request.form.access_token : undefined;
    if (isFormUrlEncoded(contentType) && value !== undefined) {
      if (Array.isArray(value))
        return refusal('multiple_token_methods', 'More than one access_token parameter');
      if (typeof value !== 'string')
        return refusal('malformed_authorization', 'The access_token parameter is not a string');
      if (!B64TOKEN.test(value))
        return refusal('malformed_authorization', 'The access_token parameter is not a valid b64token');
      found = { token: value, location: 'form-body' };
      count++;
    }
  }

  if (locations.query) {
    const outcome = queryToken(request.url);
    if (!outcome.ok) return outcome;
    if (outcome.value !== undefined) {
      found = { token: outcome.value, location: 'query' };
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

function queryToken(url: string): Outcome<string | undefined> {
  const queryStart = url.indexOf('?');
  // Most requests have no query or no token in it: skip URL parsing for them.
  if (queryStart === -1 || !url.includes('access_token', queryStart)) return success(undefined);
  const values = new URLSearchParams(url.slice(queryStart + 1).split('#', 1)[0]).getAll('access_token');
  if (values.length === 0) return success(undefined);
  if (values.length > 1) return refusal('multiple_token_methods', 'More than one access_token parameter');
  if (!B64TOKEN.test(values[0]!))
    return refusal('malformed_authorization', 'The access_token parameter is not a valid b64token');
  return success(values[0]);
}
