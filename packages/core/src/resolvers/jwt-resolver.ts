import { type JwtProfile, presentClaim, profileRules } from '../claims/token-profiles.js';
import { checkValidityPeriod } from '../claims/validity.js';
import { audienceOption } from '../config/audience-option.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  arrayOf,
  boolean,
  checkOptions,
  integerBetween,
  nonEmptyString,
  type OptionSchema,
  objectWith,
  oneOf,
  shape,
  skewSeconds,
  stringList,
  stringOrStrings,
} from '../config/option-schema.js';
import { nonNegativeOption, stringSetOption } from '../config/option-values.js';
import { type CacheNamespace, cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { tokenHash } from '../crypto/token-hash.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import { validateIssuerUrl } from '../http/endpoint-url.js';
import { JWE_DECRYPTION_OPTIONS, type JweDecryptionOptions, jweDecryptor } from '../jose/jwe-decryptor.js';
import { jwtReader, type ReadJwt } from '../jose/jwt-reader.js';
import { type SignatureVerifierChoice, signedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import { checkAlgorithmsServed } from '../keys/algorithms-served.js';
import { collectHealth } from '../observability/dependency-health.js';
import type { RevocationList } from '../revocation/revocation-list.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
import { issuerJwks } from './issuer-jwks.js';
import type { AccessTokenResolver, ResolveContext } from './resolver.js';
import {
  RESOLVER_KEY_OPTIONS,
  type ResolverKeyOptions,
  type ResolverKeySources,
  resolverKeySources,
} from './resolver-key-sources.js';
import {
  VERIFIED_TOKEN_CACHE_OPTIONS,
  VerifiedTokenCache,
  type VerifiedTokenCacheOptions,
} from './verified-token-cache.js';

/**
 * Options of {@link jwtResolver}. Keys come directly (`keys` to verify signatures, `decryption` to open
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
  readonly audience?: string | readonly string[];
  /**
   * `true` accepts tokens whatever their `aud`, instead of giving `audience`. Only for an authorization
   * server that issues tokens to this one API; the name says what it does, on purpose.
   */
  readonly acceptAnyAudience?: boolean;
  /**
   * Accepted JWS algorithms. Default: RS/PS/ES 256/384/512 and EdDSA, plus HS256/384/512 when a source
   * holds shared secrets. `none` is never accepted.
   */
  readonly algorithms?: readonly string[];
  /** Clock skew allowed on `exp`, `nbf` and `iat`, in seconds. Default 0, as in a zero-trust gateway. */
  readonly skewAllowance?: number;
  /**
   * `'rfc9068'` enforces the JWT access-token profile: header `typ` `at+jwt` (case-insensitive, with or
   * without `application/`) and claims `iss exp aud sub client_id iat jti`. `'access-management'`
   * accepts Access Management client-based tokens and refuses its refresh tokens (`tokenName`).
   * Default: no profile.
   */
  readonly profile?: JwtProfile;
  /** Claims that must be present besides `iss` and `exp`; `null` counts as absent. */
  readonly requiredClaims?: readonly string[];
  /** Longest accepted token, in characters. Default 16 384. */
  readonly maxTokenLength?: number;
  /**
   * How signatures are checked. `'auto'` (default): with `node:crypto` on Node (several times faster),
   * with jose's WebCrypto path on other runtimes; both accept and refuse exactly the same tokens.
   * `'portable'`: with jose everywhere.
   */
  readonly signatureVerifier?: SignatureVerifierChoice;
  /**
   * Remember verified signed tokens (by the SHA-256 of the token, never the token itself) so that a
   * client reusing its token skips the signature check. Each hit still checks the claims (expiry,
   * issuer, audience, profile) and that the key which verified the token is still in the key set; the
   * resource server still checks confirmation (`cnf`) and policy after every resolve. Entries end at the
   * token's `exp`. Encrypted tokens are not remembered. Default: off.
   */
  readonly verifiedTokenCache?: VerifiedTokenCacheOptions;
  /**
   * Refuses (`token_revoked`) tokens that a revocation of the list names (by itself, its `jti`, or its
   * subject, client or session when issued before the revocation), and drops them from the
   * verified-token cache. A JWT is checked locally: without such a list, a revoked JWT is accepted until
   * its `exp`.
   */
  readonly revocations?: RevocationList;
}

const JWT_RESOLVER_OPTIONS: OptionSchema<JwtResolverOptions> = {
  issuer: stringOrStrings,
  audience: stringOrStrings,
  acceptAnyAudience: boolean,
  algorithms: stringList,
  skewAllowance: skewSeconds,
  profile: oneOf('rfc9068', 'access-management'),
  requiredClaims: arrayOf(nonEmptyString),
  maxTokenLength: integerBetween(1, 1024 * 1024),
  signatureVerifier: oneOf('auto', 'portable'),
  verifiedTokenCache: shape(VERIFIED_TOKEN_CACHE_OPTIONS),
  revocations: objectWith('a revocation list', 'refuses', 'attach'),
  ...RESOLVER_KEY_OPTIONS,
  ...JWE_DECRYPTION_OPTIONS,
};

const DECRYPTION_OPTIONS = [
  'keyManagementAlgorithms',
  'contentEncryptionAlgorithms',
  'maxDecompressedBytes',
] as const;

/**
 * Validates JWT access tokens locally: signed (JWS), encrypted (JWE) or both (a signed JWT inside a JWE),
 * then issuer, audience, validity period and the optional profile. Any failure is `invalid_token` with a
 * description of what failed.
 *
 * Without a key source, the keys are discovered from the one issuer's metadata (`jwks_uri`); until the
 * metadata and the set are had, requests are answered 503 `keys_unavailable`. Give
 * `keys: issuerJwks({ issuer, … })` to tune that set or preload it.
 *
 * @example
 * ```ts
 * const resolver = jwtResolver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
 *   profile: 'rfc9068',
 * });
 * // Keys from the issuer's metadata:
 * const discovering = jwtResolver({ issuer: 'https://as.example.com', audience: 'https://api.example.com' });
 * ```
 */
export function jwtResolver(options: JwtResolverOptions): AccessTokenResolver {
  checkOptions(options, JWT_RESOLVER_OPTIONS, 'jwtResolver');
  const issuers = stringSetOption(options.issuer, 'jwtResolver.issuer', true)!;
  const keySources = resolverKeySources(withDiscoveredKeys(options, issuers), 'jwtResolver');
  const verifier =
    keySources.verification === undefined
      ? undefined
      : signedJwtVerifier(
          keySources.verification.sources,
          options.algorithms,
          'jwtResolver',
          options.signatureVerifier,
        );
  if (verifier === undefined && options.algorithms !== undefined) {
    throw new RsConfigError(
      'jwtResolver.algorithms',
      'applies to signed tokens: give keys or verificationSecretId',
    );
  }
  if (keySources.verification !== undefined)
    checkAlgorithmsServed(options.algorithms, keySources.verification.sources, 'jwtResolver.algorithms');
  const decryptor =
    keySources.decryption === undefined
      ? undefined
      : jweDecryptor(keySources.decryption.sources, options, keySources.decryption.option, 'jwtResolver');
  for (const option of DECRYPTION_OPTIONS) {
    requireOption(
      decryptor !== undefined || options[option] === undefined,
      `jwtResolver.${option}`,
      'applies to encrypted tokens: give decryption or decryptionSecretId',
    );
  }
  const skew = nonNegativeOption(options.skewAllowance, 0, 'jwtResolver.skewAllowance');
  const profile = profileRules(options.profile, 'jwtResolver.profile');
  const requiredClaims = [...profile.requiredClaims, ...(options.requiredClaims ?? []).map(presentClaim)];
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  requireOption(
    Number.isInteger(maxTokenLength) && maxTokenLength > 0,
    'jwtResolver.maxTokenLength',
    'must be a positive integer',
  );
  const audiences = audienceOption(options, 'jwtResolver');
  const reader = jwtReader(verifier, decryptor, profile.checkType);

  function checkClaims(info: TokenInfo, now: number): Failure | undefined {
    const claims = info.claims;
    // First, so that a required claim that is null or of the wrong type is reported as missing.
    for (const { name, expected, accepts } of requiredClaims) {
      const value = Object.hasOwn(claims, name) ? claims[name] : undefined;
      if (value === undefined || value === null)
        return { code: 'claim_missing', description: `The JWT has no "${name}" claim` };
      // A value of the wrong type is no better than none: the claim is missing.
      if (!accepts(value))
        return { code: 'claim_missing', description: `The JWT "${name}" claim is not ${expected}` };
    }
    if (info.issuer === undefined || !issuers.has(info.issuer)) {
      return { code: 'issuer_mismatch', description: 'The JWT issuer is not trusted' };
    }
    if (audiences !== undefined && !info.audience.some((aud) => audiences.has(aud))) {
      return { code: 'audience_mismatch', description: 'The JWT is not meant for this resource server' };
    }
    const validity = checkValidityPeriod(info, now, skew, true);
    if (validity !== undefined) return validity;
    return profile.checkClaims?.(claims);
  }

  const cache =
    options.verifiedTokenCache === undefined || verifier === undefined
      ? undefined
      : new VerifiedTokenCache(
          options.verifiedTokenCache,
          'jwtResolver.verifiedTokenCache',
          options.revocations !== undefined,
        );
  const revocations = options.revocations;
  if (cache !== undefined) revocations?.attach(cache);

  function accept(info: TokenInfo, now: number): Outcome<TokenInfo> {
    const problem = checkClaims(info, now);
    return problem === undefined ? success(info) : { ok: false, failure: problem };
  }

  // Synchronous wherever nothing is pending (the Node signature path with imported keys, a cache hit):
  // the resource server then waits for one promise per request, not one per stage.
  function verify(
    token: string,
    now: number,
    cacheKey: string | undefined,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    const read = reader.read(token, now, alphabetChecked);
    return read instanceof Promise
      ? read.then((settled) => accepted(settled, now, cacheKey))
      : accepted(read, now, cacheKey);
  }

  function accepted(read: Outcome<ReadJwt>, now: number, cacheKey: string | undefined): Outcome<TokenInfo> {
    if (!read.ok) return read;
    const info = tokenInfoFromClaims(read.value.claims, 'jwt');
    const outcome = accept(info, now);
    const signedBy = read.value.signedBy;
    // Only accepted tokens are remembered, until their `exp` (checkClaims made sure there is one).
    if (outcome.ok && cacheKey !== undefined && signedBy !== undefined && info.expiresAt !== undefined) {
      cache!.set(cacheKey, {
        claims: info.claims,
        key: signedBy.key,
        selector: signedBy.selector,
        expiresAt: info.expiresAt,
      });
    }
    return outcome;
  }

  function fromCache(
    token: string,
    cacheKey: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    const hit = cache!.get(cacheKey, now);
    if (hit === undefined) return verify(token, now, cacheKey, alphabetChecked);
    const trusted = verifier!.trusts(hit.selector, hit.key, now);
    if (trusted === true) return accept(tokenInfoFromClaims(hit.claims, 'jwt'), now);
    if (trusted === false) return verifyAgain(token, cacheKey, now, alphabetChecked);
    return trusted.then((keyKept) =>
      keyKept
        ? accept(tokenInfoFromClaims(hit.claims, 'jwt'), now)
        : verifyAgain(token, cacheKey, now, alphabetChecked),
    );
  }

  /** The key that verified a remembered token left the key set: forget it, and verify it anew. */
  function verifyAgain(
    token: string,
    cacheKey: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    cache!.delete(cacheKey);
    return verify(token, now, cacheKey, alphabetChecked);
  }

  // The hash recall() computed for a token it could not answer, for the resolve() that follows it in
  // the same request: a token is hashed once. Only the last one, and only its hash and reference.
  let recalledToken: string | undefined;
  let recalledKey: string | undefined;

  function resolveNow(
    token: string,
    context: ResolveContext,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    if (token.length > maxTokenLength) return refusal('token_too_large', 'The access token is too large');
    const now = context.now;
    const alphabetChecked = context.jwsAlphabetChecked === true;
    if (cache === undefined) return verify(token, now, undefined, alphabetChecked);
    const cacheKey = token === recalledToken ? recalledKey! : cache.keyOf(token);
    recalledToken = recalledKey = undefined;
    return typeof cacheKey === 'string'
      ? fromCache(token, cacheKey, now, alphabetChecked)
      : cacheKey.then((key) => fromCache(token, key, now, alphabetChecked));
  }

  function recall(token: string, context: ResolveContext): Outcome<TokenInfo> | undefined {
    if (token.length > maxTokenLength) return undefined;
    const cacheKey = cache!.keyOf(token);
    if (typeof cacheKey !== 'string') return undefined;
    const hit = cache!.get(cacheKey, context.now);
    if (hit !== undefined && verifier!.trusts(hit.selector, hit.key, context.now) === true) {
      return accept(tokenInfoFromClaims(hit.claims, 'jwt'), context.now);
    }
    recalledToken = token;
    recalledKey = cacheKey;
    return undefined;
  }

  /** The outcome, unless a revocation of the list names the token. */
  async function checkRevocation(
    token: string,
    pending: Promise<Outcome<TokenInfo>>,
    now: number,
    revocations: RevocationList,
  ): Promise<Outcome<TokenInfo>> {
    const outcome = await pending;
    if (!outcome.ok) return outcome;
    const hash = revocations.needsTokenHash() ? await tokenHash(token) : undefined;
    return revocations.refuses(outcome.value, now, hash)
      ? refusal('token_revoked', 'The token was revoked')
      : outcome;
  }

  return {
    cacheNamespace: jwtCacheNamespace(options, keySources),
    health: (now) => collectHealth(now, keySources.verification?.sources ?? []),
    // A remembered token is answered without the revocation check: with a list, every token goes through it.
    ...(cache === undefined || revocations !== undefined ? {} : { recall }),
    resolve(token, context) {
      try {
        const outcome = resolveNow(token, context);
        // Without a list, no extra step on the hot path.
        if (revocations === undefined) return Promise.resolve(outcome);
        return checkRevocation(token, Promise.resolve(outcome), context.now, revocations);
      } catch (error) {
        // A bug, reported the way an async function would: as a rejected promise.
        return Promise.reject(error);
      }
    },
  };
}

/** The options as given, or with the keys of the issuer's metadata when no key source is given. */
function withDiscoveredKeys(options: JwtResolverOptions, issuers: ReadonlySet<string>): JwtResolverOptions {
  const { keys, decryption, secrets, verificationSecretId, decryptionSecretId } = options;
  const anySource = [keys, decryption, secrets, verificationSecretId, decryptionSecretId].some(
    (source) => source !== undefined,
  );
  if (anySource) return options;
  if (issuers.size !== 1) {
    throw new RsConfigError(
      'jwtResolver.keys',
      'is required with several issuers (keys are discovered for one issuer only): give keys, or one ' +
        'jwtResolver per issuer under issuerRouter',
    );
  }
  const issuer = [...issuers][0]!;
  // Checked here first, so that an issuer discovery cannot use is refused under the option written.
  validateIssuerUrl(issuer, 'jwtResolver.issuer');
  return { ...options, keys: issuerJwks({ issuer }) };
}

/**
 * Every option that can change an answer, with the keys as their sources' namespaces (a secret ID names
 * keys that differ between deployments; the keys it resolved to do not).
 */
function jwtCacheNamespace(
  options: JwtResolverOptions,
  keys: ResolverKeySources,
): CacheNamespace | undefined {
  const {
    keys: _keys,
    decryption: _decryption,
    secrets: _secrets,
    verificationSecretId: _verificationSecretId,
    decryptionSecretId: _decryptionSecretId,
    // How signatures are computed and whether verified tokens are remembered change no answer.
    signatureVerifier: _signatureVerifier,
    verifiedTokenCache: _verifiedTokenCache,
    // Revocations refuse tokens at every request, cached or not: they are not part of a cached answer.
    revocations: _revocations,
    ...settings
  } = options;
  return cacheNamespaceOf('jwt', {
    settings,
    verification: keys.verification?.sources,
    decryption: keys.decryption?.sources,
  });
}
