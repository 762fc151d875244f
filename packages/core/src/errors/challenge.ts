import type { OAuthErrorCode } from './failure.js';

/** The parameters of one RFC 6750 §3 challenge. Each is sent at most once. */
export interface ChallengeParams {
  /** `realm`: the protection space the challenge is for. */
  readonly realm?: string | undefined;
  /** `error`: the OAuth error code; absent when the request carried no credentials (RFC 6750 §3.1). */
  readonly error?: OAuthErrorCode | undefined;
  /** `error_description`: a sentence for the developer; characters RFC 6750 does not allow are dropped. */
  readonly errorDescription?: string | undefined;
  /** `error_uri`: a page explaining the error. */
  readonly errorUri?: string | undefined;
  /** `scope`: the scopes the request needed, sent space-separated; left out when empty. */
  readonly scope?: readonly string[] | undefined;
  /** DPoP challenges only: the accepted proof algorithms (RFC 9449 §7.1). */
  readonly algs?: readonly string[] | undefined;
  /** RFC 9470 §3: the authentication context classes that would satisfy the route. */
  readonly acrValues?: readonly string[] | undefined;
  /** RFC 9470 §3: the maximum age of the authentication, in seconds. */
  readonly maxAge?: number | undefined;
  /** RFC 9728 §5.1: the URL of this resource's metadata document. */
  readonly resourceMetadata?: string | undefined;
}

// RFC 6750 §3: error, error_description and error_uri values use %x20-21 / %x23-5B / %x5D-7E, so no
// quote, no backslash, nothing outside printable ASCII. Anything else is dropped, never escaped.
const NOT_QUOTABLE = /[^\x20\x21\x23-\x5B\x5D-\x7E]/g;

/** True when `value` can stand inside a quoted challenge parameter unchanged. */
export function isQuotableChallengeValue(value: string): boolean {
  NOT_QUOTABLE.lastIndex = 0;
  return !NOT_QUOTABLE.test(value);
}

/**
 * Builds one challenge such as
 * `Bearer realm="api", error="invalid_token", error_description="The access token expired"` or
 * `DPoP realm="api", algs="ES256 PS256"`.
 */
export function buildChallenge(scheme: 'Bearer' | 'DPoP', params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(`realm="${clean(params.realm)}"`);
  if (params.error !== undefined) parts.push(`error="${params.error}"`);
  if (params.errorDescription !== undefined)
    parts.push(`error_description="${clean(params.errorDescription)}"`);
  if (params.errorUri !== undefined) parts.push(`error_uri="${clean(params.errorUri)}"`);
  if (params.scope !== undefined && params.scope.length > 0)
    parts.push(`scope="${clean(params.scope.join(' '))}"`);
  if (params.algs !== undefined && params.algs.length > 0)
    parts.push(`algs="${clean(params.algs.join(' '))}"`);
  if (params.acrValues !== undefined && params.acrValues.length > 0)
    parts.push(`acr_values="${clean(params.acrValues.join(' '))}"`);
  if (params.maxAge !== undefined) parts.push(`max_age="${Math.trunc(params.maxAge)}"`);
  if (params.resourceMetadata !== undefined)
    parts.push(`resource_metadata="${clean(params.resourceMetadata)}"`);
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}

function clean(value: string): string {
  return value.replace(NOT_QUOTABLE, '');
}
