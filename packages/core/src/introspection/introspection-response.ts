import { checkValidityPeriod } from '../claims/validity.js';
import { isObject } from '../encoding/json-object.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';

/** What an introspection answer must satisfy besides `active: true`. */
export interface IntrospectionChecks {
  /** When set, a present `iss` must equal one of these. */
  readonly issuers: ReadonlySet<string> | undefined;
  /** When set, `aud` must be present and contain one of these. */
  readonly audiences: ReadonlySet<string> | undefined;
  readonly skewSeconds: number;
}

/**
 * Turns a parsed RFC 7662 answer into token info. Only the boolean `true` is active: `"true"`, `1` or a
 * missing `active` are not (a server answering them is broken, and broken fails closed). Every member
 * is kept in `claims`, whatever shape the server uses.
 */
export function interpretIntrospection(
  answer: unknown,
  checks: IntrospectionChecks,
  nowMs: number,
): Outcome<TokenInfo> {
  if (!isObject(answer))
    return refusal(
      'introspection_unavailable',
      'The authorization server answered an invalid introspection response',
    );
  if (answer.active !== true) {
    if (answer.active === false) return refusal('token_inactive', 'The access token is not active');
    return refusal(
      'introspection_unavailable',
      'The authorization server answered an invalid introspection response',
    );
  }
  const kind = tokenKindProblem(answer);
  if (kind !== undefined) return refusal('token_type_invalid', kind);
  const info = tokenInfoFromClaims(answer, 'introspection');
  if (
    checks.issuers !== undefined &&
    answer.iss !== undefined &&
    (info.issuer === undefined || !checks.issuers.has(info.issuer))
  ) {
    return refusal('issuer_mismatch', 'The access token issuer is not trusted');
  }
  if (checks.audiences !== undefined && !info.audience.some((aud) => checks.audiences!.has(aud))) {
    return refusal('audience_mismatch', 'The access token is not meant for this resource server');
  }
  const validity = checkValidityPeriod(info, nowMs, checks.skewSeconds, false);
  if (validity !== undefined) return { ok: false, failure: validity };
  return success(info);
}

// RFC 7662 `token_type` is an OAuth token type (RFC 6749 §7.1: `Bearer`, RFC 9449 `DPoP`); some servers
// write `access_token` or the RFC 8693 URI. Anything else (`refresh_token`, `id_token`, `N_A`, …) says the
// token is not an access token: a client must not get through with its refresh token because the server
// answers `active: true` for it.
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set([
  'bearer',
  'dpop',
  'access_token',
  'urn:ietf:params:oauth:token-type:access_token',
]);
// Keycloak writes `typ` instead, and says `Refresh`, `Offline` or `ID` for tokens that are no access tokens.
const KEYCLOAK_OTHER_TYPES: ReadonlySet<string> = new Set(['refresh', 'offline', 'id', 'logout']);

function tokenKindProblem(answer: Readonly<Record<string, unknown>>): string | undefined {
  const { token_type: tokenType, typ } = answer;
  if (
    tokenType !== undefined &&
    (typeof tokenType !== 'string' || !ACCESS_TOKEN_TYPES.has(tokenType.toLowerCase()))
  )
    return 'The authorization server says the token is not an access token ("token_type")';
  if (typeof typ === 'string' && KEYCLOAK_OTHER_TYPES.has(typ.toLowerCase()))
    return 'The authorization server says the token is not an access token ("typ")';
  return undefined;
}
