import type { JwtProfile } from '../claims/token-profiles.js';
import {
  boolean,
  exactName,
  integerBetween,
  type OptionSchema,
  objectWith,
  oneOf,
  requirementList,
  shape,
  skewSeconds,
  stringList,
  stringOrStrings,
} from '../config/option-schema.js';
import type { JweDecryptionOptions } from '../jose/jwe-decryptor.js';
import type { SignatureVerifierChoice } from '../jose/signed-jwt-verifier.js';
import type { RevocationList } from '../revocation/revocation-list.js';
import { REVOCATION_LIST_METHODS } from '../revocation/revocation-list-methods.js';
import type { ResolverKeyOptions } from './resolver-key-sources.js';
import { VERIFIED_TOKEN_CACHE_OPTIONS, type VerifiedTokenCacheOptions } from './verified-token-cache.js';

/**
 * Options of `jwtResolver`. Keys come directly (`keys` to verify signatures, `decryption` to open
 * encrypted tokens), from a secrets provider (`secrets` with `verificationSecretId` xor
 * `decryptionSecretId`), or, when none of these is given, from the issuer's metadata
 * (`issuerJwks({ issuer })`: its `jwks_uri`, found by RFC 8414 / OpenID Connect discovery).
 */
export interface JwtResolverOptions extends ResolverKeyOptions, JweDecryptionOptions {
  /** The trusted issuer(s). The token's `iss` must equal one of them exactly. */
  readonly issuer: string | readonly string[];
  /**
   * This resource server's identifier(s): the token's `aud` must contain at least one of them. Required,
   * unless `acceptAnyAudience` says otherwise: without an audience check, a token the same authorization
   * server issued for another API is accepted here too.
   */
  readonly audience?: string | readonly string[] | undefined;
  /**
   * `true` accepts tokens whatever their `aud`, instead of giving `audience`. Only for an authorization
   * server that issues tokens to this one API; the name says what it does, on purpose.
   */
  readonly acceptAnyAudience?: boolean | undefined;
  /**
   * Accepted JWS algorithms. Default: RS/PS/ES 256/384/512 and EdDSA, plus HS256/384/512 when a source
   * holds shared secrets. `none` is never accepted.
   */
  readonly algorithms?: readonly string[] | undefined;
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 0, as in a zero-trust gateway. */
  readonly skewAllowance?: number | undefined;
  /**
   * `'rfc9068'` enforces the JWT access-token profile: header `typ` `at+jwt` (case-insensitive, with or
   * without `application/`) and claims `iss exp aud sub client_id iat jti`. `'access-management'`
   * accepts Access Management client-based tokens and refuses its refresh tokens (`tokenName`).
   * Default: no profile.
   */
  readonly profile?: JwtProfile | undefined;
  /**
   * Claims that must be present besides `iss` and `exp`; `null` counts as absent. An empty list is
   * refused: it would require nothing (leave the option out instead).
   */
  readonly requiredClaims?: readonly string[] | undefined;
  /** Longest accepted token, in characters. Default 16 384. */
  readonly maxTokenLength?: number | undefined;
  /**
   * How signatures are checked. `'auto'` (default): with `node:crypto` on Node (several times faster),
   * with jose's WebCrypto path on other runtimes; both accept and refuse exactly the same tokens.
   * `'portable'`: with jose everywhere.
   */
  readonly signatureVerifier?: SignatureVerifierChoice | undefined;
  /**
   * Remember verified signed tokens (by the SHA-256 of the token, never the token itself) so that a
   * client reusing its token skips the signature check. Each hit still checks the claims (expiry,
   * issuer, audience, profile) and that the key which verified the token is still in the key set; the
   * resource server still checks confirmation (`cnf`) and policy after every resolve. Entries end at the
   * token's `exp`. Encrypted tokens are not remembered. Default: off.
   */
  readonly verifiedTokenCache?: VerifiedTokenCacheOptions | undefined;
  /**
   * Refuses (`token_revoked`) tokens that a revocation of the list names (by itself, its `jti`, or its
   * subject, client or session when issued before the revocation), and drops them from the
   * verified-token cache. A JWT is checked locally: without such a list, a revoked JWT is accepted until
   * its `exp`.
   */
  readonly revocations?: RevocationList | undefined;
}

/** The options about signed tokens and their claims: every `jwtResolver` takes them, the lite one too. */
export type JwtVerificationOptions = Omit<
  JwtResolverOptions,
  keyof ResolverKeyOptions | keyof JweDecryptionOptions
>;

/** The rules of {@link JwtVerificationOptions}. */
export const JWT_VERIFICATION_OPTIONS: OptionSchema<JwtVerificationOptions> = {
  issuer: stringOrStrings,
  audience: stringOrStrings,
  acceptAnyAudience: boolean,
  algorithms: stringList,
  skewAllowance: skewSeconds,
  profile: oneOf('rfc9068', 'access-management'),
  // `requiredClaims: process.env.CLAIMS?.split(',') ?? []` with the variable unset would require nothing.
  requiredClaims: requirementList(
    exactName,
    'a list of required claims needs at least one claim (an empty one requires nothing; leave requiredClaims out to require none besides iss and exp)',
  ),
  maxTokenLength: integerBetween(1, 1024 * 1024),
  signatureVerifier: oneOf('auto', 'portable'),
  verifiedTokenCache: shape(VERIFIED_TOKEN_CACHE_OPTIONS),
  revocations: objectWith('a revocation list', ...REVOCATION_LIST_METHODS),
};
