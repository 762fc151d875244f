import { requireOption } from '../config/config-error.js';
import { isNumericDate } from '../encoding/numeric-date.js';
import { failure } from '../errors/failure.js';
import { mediaTypeOf } from '../http/media-type.js';
import type { TypeCheck } from '../jose/jwt-reader.js';

/**
 * A JWT access-token profile:
 *
 * - `'rfc9068'`: header `typ` `at+jwt` and claims `iss exp aud sub client_id iat jti` (RFC 9068);
 * - `'access-management'`: the client-based tokens of Access Management. Its claim set (`sub` such as
 *   `(usr!demo)`, `cts`, `realm`, `authGrantId`, `auditTrackingId`, `scope` as an array) is accepted as
 *   is; `tokenName` must be present. That a present `tokenName` is `access_token` is checked with every
 *   profile and without one (`token-kind.ts`): AM's refresh tokens are JWTs signed with the same key.
 */
export type JwtProfile = 'rfc9068' | 'access-management';

/**
 * A claim a token must carry: `null`, or a value of the wrong type, counts as missing, so that a check
 * reading the claim never meets a value it does not expect.
 */
export interface RequiredClaim {
  readonly name: string;
  /** What the value must be, for the refusal's description. */
  readonly expected: string;
  readonly accepts: (value: unknown) => boolean;
}

/** A claim that must be present and not `null`, whatever its type (`requiredClaims` option). */
export function presentClaim(name: string): RequiredClaim {
  return { name, expected: 'a value', accepts: (value) => value !== undefined && value !== null };
}

const isNonEmptyString = (value: unknown) => typeof value === 'string' && value.length > 0;
const isAudience = (value: unknown) =>
  isNonEmptyString(value) ||
  (Array.isArray(value) && value.length > 0 && value.every((member) => isNonEmptyString(member)));

/** What a profile adds to the resolver's checks. */
export interface ProfileRules {
  readonly requiredClaims: readonly RequiredClaim[];
  readonly checkType: TypeCheck | undefined;
  /** Whether a token must carry a signature: an encrypted token that holds claims alone is refused. */
  readonly signatureRequired: boolean;
}

/**
 * RFC 8725 §3.11: a JWT typed as another kind of token is never an access token, whatever the profile: an
 * OpenID back-channel logout token (`logout+jwt`, with an `exp` and the client as `aud`), a Security Event
 * Token (`secevent+jwt`), a signed introspection answer (`token-introspection+jwt`), a DPoP proof
 * (`dpop+jwt`), any `…+jwt` but `at+jwt` (RFC 9068), and the issuer-signed JWT of an SD-JWT (RFC 9901,
 * the `+sd-jwt` suffix: `dc+sd-jwt` credentials an authorization server may sign with its keys and issue
 * without `aud`), with or without `application/`. A token without `typ`, or typed `JWT`, says nothing of
 * its kind and passes: most access tokens are typed so.
 */
function refuseOtherKindsOfJwt(typ: string | undefined): ReturnType<TypeCheck> {
  // The spellings issuers write, answered before any parsing: this runs for every token.
  if (typ === undefined || typ === 'JWT' || typ === 'at+jwt') return undefined;
  // A media type (RFC 7515 §4.1.9): its parameters and the spaces around it say nothing of its kind.
  const named = mediaTypeOf(typ);
  const mediaType = named.startsWith('application/') ? named.slice('application/'.length) : named;
  return (mediaType.endsWith('+jwt') && mediaType !== 'at+jwt') || mediaType.endsWith('+sd-jwt')
    ? failure('token_type_invalid', 'The JWT "typ" header names another kind of token')
    : undefined;
}

const NO_PROFILE: ProfileRules = {
  requiredClaims: [],
  checkType: refuseOtherKindsOfJwt,
  signatureRequired: false,
};

const text = (name: string): RequiredClaim => ({ name, expected: 'a string', accepts: isNonEmptyString });
const date = (name: string): RequiredClaim => ({ name, expected: 'a number', accepts: isNumericDate });

// RFC 9068 §2.2: `iss`, `sub`, `client_id` and `jti` are strings, `exp` and `iat` NumericDates, `aud` a
// string or an array of strings.
const RFC9068: ProfileRules = {
  requiredClaims: [
    text('iss'),
    date('exp'),
    { name: 'aud', expected: 'a string or an array of strings', accepts: isAudience },
    text('sub'),
    text('client_id'),
    date('iat'),
    text('jti'),
  ],
  checkType: (typ) =>
    isAccessTokenType(typ)
      ? undefined
      : failure('token_type_invalid', 'The JWT "typ" header is not "at+jwt"'),
  // RFC 9068 §2.1: "JWT access tokens MUST be signed"; §4: the resource server must validate the signature.
  signatureRequired: true,
};

// Without `tokenName`, nothing would tell an AM access token from its refresh token: both carry
// `token_type: "Bearer"`.
const ACCESS_MANAGEMENT: ProfileRules = {
  requiredClaims: [presentClaim('tokenName')],
  checkType: refuseOtherKindsOfJwt,
  signatureRequired: false,
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
  // Exactly, in any case: unlike the refusal of other kinds above, which reads `typ` as leniently as a
  // media type may be written, acceptance takes the two spellings RFC 9068 §2.1 names and nothing else.
  if (typ === undefined) return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}
