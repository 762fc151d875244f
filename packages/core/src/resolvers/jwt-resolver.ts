import { checkValidityPeriod } from '../claims/validity.js';
import { requireOption } from '../config/config-error.js';
import { nonNegativeOption, stringSetOption } from '../config/option-values.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import type { UntrustedJwsHeader } from '../jose/compact-jws.js';
import { signedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
import type { AccessTokenResolver, ResolveContext } from './resolver.js';

/** Options of {@link jwtResolver}. */
export interface JwtResolverOptions {
  /** The trusted issuer(s). The token's `iss` must equal one of them exactly. */
  readonly issuer: string | readonly string[];
  /** When set, the token's `aud` must contain at least one of these. */
  readonly audience?: string | readonly string[];
  /** Where verification keys come from, tried in order. */
  readonly keys: VerificationKeySource | readonly VerificationKeySource[];
  /**
   * Accepted JWS algorithms. Default: RS/PS/ES 256/384/512 and EdDSA, plus HS256/384/512 when a source
   * holds shared secrets. `none` is never accepted.
   */
  readonly algorithms?: readonly string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 0, as in a zero-trust gateway. */
  readonly skewAllowance?: number;
  /**
   * `'rfc9068'` enforces the JWT access-token profile: header `typ` `at+jwt` (case-insensitive, with or
   * without `application/`) and claims `iss exp aud sub client_id iat jti`. Default: no profile.
   */
  readonly profile?: 'rfc9068';
  /** Claims that must be present besides `iss` and `exp`. */
  readonly requiredClaims?: readonly string[];
  /** Longest accepted token, in characters. Default 16 384. */
  readonly maxTokenLength?: number;
}

const RFC9068_CLAIMS = ['iss', 'exp', 'aud', 'sub', 'client_id', 'iat', 'jti'] as const;

/**
 * Validates signed JWT access tokens locally: signature with the issuer's keys, then issuer, audience,
 * validity period and the optional RFC 9068 profile. Any failure is `invalid_token` with a description
 * of what failed.
 *
 * @example
 * ```ts
 * const resolver = jwtResolver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 *   profile: 'rfc9068',
 * });
 * ```
 */
export function jwtResolver(options: JwtResolverOptions): AccessTokenResolver {
  const issuers = stringSetOption(options.issuer, 'jwt.issuer', true)!;
  const audiences = stringSetOption(options.audience, 'jwt.audience', false);
  const verifier = signedJwtVerifier(options.keys, options.algorithms, 'jwt');
  const skew = nonNegativeOption(options.skewAllowance, 0, 'jwt.skewAllowance');
  requireOption(
    options.profile === undefined || options.profile === 'rfc9068',
    'jwt.profile',
    'the only profile is "rfc9068"',
  );
  const rfc9068 = options.profile === 'rfc9068';
  const requiredClaims = [...(rfc9068 ? RFC9068_CLAIMS : []), ...(options.requiredClaims ?? [])];
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  requireOption(
    Number.isInteger(maxTokenLength) && maxTokenLength > 0,
    'jwt.maxTokenLength',
    'must be a positive integer',
  );
  const checkType = rfc9068
    ? (header: UntrustedJwsHeader): Failure | undefined =>
        isAccessTokenType(header.typ)
          ? undefined
          : { code: 'token_type_invalid', description: 'The JWT "typ" header is not "at+jwt"' }
    : undefined;

  async function verify(token: string, now: number): Promise<Outcome<Record<string, unknown>>> {
    if (token.length > maxTokenLength) return refusal('token_too_large', 'The access token is too large');
    const segments = countDots(token) + 1;
    if (segments === 5) return refusal('token_unsupported', 'Encrypted access tokens are not accepted here');
    if (segments !== 3) return refusal('token_malformed', 'The access token is not a JWT');
    const verified = await verifier.verify(token, now, checkType);
    return verified.ok ? success(verified.value.claims) : verified;
  }

  function checkClaims(info: TokenInfo, now: number): Failure | undefined {
    const claims = info.claims;
    if (info.issuer === undefined || !issuers.has(info.issuer)) {
      return { code: 'issuer_mismatch', description: 'The JWT issuer is not trusted' };
    }
    if (audiences !== undefined && !info.audience.some((aud) => audiences.has(aud))) {
      return { code: 'audience_mismatch', description: 'The JWT is not meant for this resource server' };
    }
    const validity = checkValidityPeriod(info, now, skew, true);
    if (validity !== undefined) return validity;
    for (const claim of requiredClaims) {
      if (!Object.hasOwn(claims, claim) || claims[claim] === undefined)
        return { code: 'claim_missing', description: `The JWT has no "${claim}" claim` };
    }
    return undefined;
  }

  return {
    async resolve(token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      const verified = await verify(token, context.now);
      if (!verified.ok) return verified;
      const info = tokenInfoFromClaims(verified.value, 'jwt');
      const problem = checkClaims(info, context.now);
      return problem === undefined ? success(info) : { ok: false, failure: problem };
    },
  };
}

function isAccessTokenType(typ: string | undefined): boolean {
  if (typ === undefined) return false;
  const lower = typ.toLowerCase();
  return lower === 'at+jwt' || lower === 'application/at+jwt';
}

function countDots(token: string): number {
  let dots = 0;
  for (let i = token.indexOf('.'); i !== -1; i = token.indexOf('.', i + 1)) dots++;
  return dots;
}
