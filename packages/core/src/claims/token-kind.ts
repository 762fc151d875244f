import { asciiLowerCase } from '../encoding/ascii-case.js';

/**
 * The claim or introspection member saying a token is no access token: `token_type` (RFC 7662, and the
 * claim Access Management and others write), Keycloak's `typ` claim, Access Management's `tokenName`,
 * Amazon Cognito's `token_use`.
 */
export type TokenKindClaim = 'token_type' | 'typ' | 'tokenName' | 'token_use';

// An OAuth token type (RFC 6749 §7.1: `Bearer`, RFC 9449 `DPoP`); some servers write `access_token` or
// the RFC 8693 URI. Anything else (`refresh_token`, `id_token`, `N_A`, …) says the token is not an
// access token.
const ACCESS_TOKEN_TYPES: ReadonlySet<string> = new Set([
  'bearer',
  'dpop',
  'access_token',
  'urn:ietf:params:oauth:token-type:access_token',
]);

// Keycloak writes a `typ` claim (not the JOSE header) of `Bearer` in its access tokens, and `Refresh`,
// `Offline`, `ID` or `Logout` in the other tokens it signs with the same key.
const KEYCLOAK_OTHER_TYPES: ReadonlySet<string> = new Set(['refresh', 'offline', 'id', 'logout']);

/**
 * The claim of `claims` (a JWT claim set or an introspection answer) that says the token is not an access
 * token, or `undefined` when none does. A client must not get through with its refresh token or ID token
 * because the issuer signed it with the key it signs access tokens with, or because the authorization
 * server answers `active: true` for it. Identity Gateway's stateless resolver likewise checks
 * `tokenName`.
 *
 * - `token_type`, when a string, must be an access-token type (in any ASCII case);
 * - `typ`, when present, must be a string other than Keycloak's other token types (any case);
 * - `tokenName`, when present, must be `access_token` exactly (Access Management's refresh tokens are
 *   JWTs signed or encrypted with the access tokens' key, `tokenName: "refresh_token"`);
 * - `token_use`, when present, must be `access` exactly (Amazon Cognito signs its ID tokens,
 *   `token_use: "id"`, with the access tokens' key).
 *
 * A token with none of these claims (an RFC 9068 token, most JWT access tokens) passes. A `token_type`
 * that is no string is a question of member types (`member-types.ts`), asked first.
 */
export function tokenKindProblem(claims: Readonly<Record<string, unknown>>): TokenKindClaim | undefined {
  const { token_type: tokenType, typ, tokenName, token_use: tokenUse } = claims;
  if (typeof tokenType === 'string' && !ACCESS_TOKEN_TYPES.has(asciiLowerCase(tokenType)))
    return 'token_type';
  // A `typ` that is no string says nothing a reader can trust to mean "access token": refused, as a
  // `tokenName` or `token_use` of another type is.
  if (typ !== undefined && (typeof typ !== 'string' || KEYCLOAK_OTHER_TYPES.has(typ.toLowerCase())))
    return 'typ';
  if (tokenName !== undefined && tokenName !== 'access_token') return 'tokenName';
  // Cognito's ID tokens carry `token_use: "id"` and an `aud`, its access tokens `"access"` and none: with
  // `acceptAnyAudience`, or an audience of the app client's ID, only this tells them apart.
  if (tokenUse !== undefined && tokenUse !== 'access') return 'token_use';
  return undefined;
}
