import { requireOption } from '../config/config-error.js';
import { type Failure, failure } from '../errors/failure.js';
import type { TypeCheck } from '../jose/jwt-reader.js';

/**
 * A JWT access-token profile:
 *
 * - `'rfc9068'`: header `typ` `at+jwt` and claims `iss exp aud sub client_id iat jti` (RFC 9068);
 * - `'access-management'`: the client-based tokens of Access Management. Its claim set (`sub` such as
 *   `(usr!demo)`, `cts`, `realm`, `authGrantId`, `auditTrackingId`, `scope` as an array) is accepted as
 *   is; `tokenName` must be `access_token`, because its refresh tokens are JWTs signed with the same key.
 */
export type JwtProfile = 'rfc9068' | 'access-management';

/** What a profile adds to the resolver's checks. */
export interface ProfileRules {
  readonly requiredClaims: readonly string[];
  readonly checkType: TypeCheck | undefined;
  readonly checkClaims: ((claims: Readonly<Record<string, unknown>>) => Failure | undefined) | undefined;
}

const NO_PROFILE: ProfileRules = { requiredClaims: [], checkType: undefined, checkClaims: undefined };

const RFC9068: ProfileRules = {
  requiredClaims: ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'],
  checkType: (typ) =>
    isAccessTokenType(typ)
      ? undefined
      : failure('token_type_invalid', 'The JWT "typ" header is not "at+jwt"'),
  checkClaims: undefined,
};

const ACCESS_MANAGEMENT: ProfileRules = {
  requiredClaims: ['tokenName'],
  checkType: undefined,
  checkClaims: (claims) =>
    claims.tokenName === 'access_token'
      ? undefined
      : failure('token_type_invalid', 'The JWT is not an access token ("tokenName")'),
};

/** The rules of `profile`, validated as the option named `option`. */
export function profileRules(profile: JwtProfile | undefined, option: string): ProfileRules {
  if (profile === undefined) return NO_PROFILE;
  requireOption(
    profile === 'rfc9068' || profile === 'access-management',
    option,
    'must be "rfc9068" or "access-management"',
  );
  return profile === 'rfc9068' ? RFC9068 : ACCESS_MANAGEMENT;
}

function isAccessTokenType(typ: string | undefined): boolean {
  if (typ === undefined) return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}
