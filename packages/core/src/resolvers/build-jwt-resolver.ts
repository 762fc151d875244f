import { memberTypeProblem } from '../claims/member-types.js';
import { isSecurityEventToken } from '../claims/security-event-claim.js';
import { tokenKindProblem } from '../claims/token-kind.js';
import { presentClaim, profileRules } from '../claims/token-profiles.js';
import { checkValidityPeriod } from '../claims/validity.js';
import { audienceOption } from '../config/audience-option.js';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { refusedInLite } from '../config/lite-refusal.js';
import { refuseGivenUndefined } from '../config/option-schema.js';
import { nonNegativeOption, stringSetOption } from '../config/option-values.js';
import { refusePatternValue } from '../config/pattern-value.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import { checkComparedIssuer } from '../http/endpoint-url.js';
import type { encryptedJwtReader } from '../jose/encrypted-jwt-reader.js';
import type { jweDecryptor } from '../jose/jwe-decryptor.js';
import { jwtReader, type ReadJwt, signedJwtReader } from '../jose/jwt-reader.js';
import { signedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import { checkAlgorithmsServed } from '../keys/algorithms-served.js';
import { requireVerificationKeySources } from '../keys/key-source-purpose.js';
import { collectHealth } from '../observability/dependency-health.js';
import type { RevocationList } from '../revocation/revocation-list.js';
import { tokenRevocationHashes } from '../revocation/signing-input.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
import { recordAcceptedIssuers } from './accepted-issuers.js';
import type { jwtCacheNamespace } from './jwt-cache-namespace.js';
import type { JwtResolverOptions } from './jwt-resolver-options.js';
import type { rememberedTokens } from './remembered-tokens.js';
import type { AccessTokenResolver, ResolveContext } from './resolver.js';
import type { ResolverKeySources, resolverKeySources } from './resolver-key-sources.js';
import { recordMaxTokenLength } from './token-length-limits.js';

/**
 * The optional parts of a JWT resolver, each the code that implements it. `@rs/core`'s `jwtResolver`
 * passes every one; `@rs/core/lite`'s passes none, so that a bundle holds only what its entry can reach.
 */
export interface JwtResolverFeatures {
  /**
   * Opens encrypted tokens (JWE). Without it, no decryption key may be configured and a five-part token
   * is refused `invalid_token` (`token_unsupported`).
   */
  readonly decryption?:
    | {
        readonly decryptor: typeof jweDecryptor;
        readonly reader: typeof encryptedJwtReader;
      }
    | undefined;
  /**
   * The options with the keys to use when none is given: the issuer's metadata (`jwks_uri`). Without
   * it, a key source is required.
   */
  readonly keyDiscovery?:
    | ((options: JwtResolverOptions, issuers: ReadonlySet<string>) => JwtResolverOptions)
    | undefined;
  /**
   * Keys from a secrets provider (`secrets` with `verificationSecretId` or `decryptionSecretId`) as well
   * as given directly. Without it, `keys` is the one source.
   */
  readonly keySources?: typeof resolverKeySources | undefined;
  /**
   * The resolver's `cacheNamespace`, which `tokenCache` requires of what it wraps. Without it, the
   * resolver has none, and `tokenCache` refuses it at start-up.
   */
  readonly cacheNamespace?: typeof jwtCacheNamespace | undefined;
  /** `verifiedTokenCache`. Without it, every token's signature is checked. */
  readonly verifiedTokens?: typeof rememberedTokens | undefined;
}

const DECRYPTION_OPTIONS = [
  'keyManagementAlgorithms',
  'contentEncryptionAlgorithms',
  'maxDecompressedBytes',
] as const;

/**
 * Builds a JWT resolver from options already checked against its factory's schema, with the optional
 * parts `features` supplies. The one resolver both `@rs/core` and `@rs/core/lite` run.
 */
export function buildJwtResolver(
  options: JwtResolverOptions,
  features: JwtResolverFeatures,
): AccessTokenResolver {
  // Left out, each requires nothing more; written out unset (`process.env.CLAIMS?.split(',')`, a list
  // that failed to load), it is a requirement lost, never read as left out.
  refuseGivenUndefined(
    options,
    'requiredClaims',
    'jwtResolver.requiredClaims',
    'is undefined: a list that failed to load? Leave the option out to require no claims besides iss and exp',
  );
  refuseGivenUndefined(
    options,
    'revocations',
    'jwtResolver.revocations',
    'is undefined: a revocation list that failed to load? Leave the option out for a resolver that ' +
      'checks none',
  );
  const issuers = stringSetOption(options.issuer, 'jwtResolver.issuer', true)!;
  // Compared exactly with `iss` whatever the keys: an issuer no token could state is refused now, with
  // static keys as with discovered ones (which check it further before fetching from it).
  for (const issuer of issuers) {
    checkComparedIssuer(issuer, 'jwtResolver.issuer');
    refusePatternValue(
      issuer,
      'jwtResolver.issuer',
      'list each issuer as its tokens state it in iss (issuerRouter for issuers with keys of their own)',
    );
  }
  const keyOptions = features.keyDiscovery?.(options, issuers) ?? options;
  const keySources =
    features.keySources?.(keyOptions, 'jwtResolver') ?? givenKeys(keyOptions.keys, 'jwtResolver.keys');
  // A decryption source among them would verify nothing: every signed token would be refused.
  if (keySources.verification !== undefined)
    requireVerificationKeySources(keySources.verification.sources, keySources.verification.option);
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
  const decryption = keySources.decryption;
  const opening = features.decryption;
  if (decryption !== undefined && opening === undefined) throw refusedInLite(decryption.option);
  const decryptor =
    decryption === undefined
      ? undefined
      : opening!.decryptor(decryption.sources, options, decryption.option, 'jwtResolver');
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
  const readSigned = verifier === undefined ? undefined : signedJwtReader(verifier, profile.checkType);
  const reader = jwtReader(
    readSigned,
    decryptor === undefined
      ? undefined
      : opening!.reader(decryptor, readSigned, profile.checkType, profile.signatureRequired),
  );

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
    // Whatever the profile, as introspection checks its answers: a claim of the wrong type is the token's
    // fault, never read as absent (a `client_id` of the wrong type would let `azp` name the client).
    const mistyped = memberTypeProblem(claims);
    if (mistyped !== undefined) {
      return {
        code: 'claim_invalid',
        description: `The access token "${mistyped.member}" is not ${mistyped.expected}`,
      };
    }
    // Whatever the profile: a refresh or ID token signed (or encrypted) with the access tokens' key is no
    // access token.
    const kind = tokenKindProblem(claims);
    if (kind !== undefined)
      return { code: 'token_type_invalid', description: `The JWT is not an access token ("${kind}")` };
    // A logout token or another SET whose header does not say so (its `typ` is only recommended).
    if (isSecurityEventToken(claims))
      return { code: 'token_type_invalid', description: 'The JWT is a security event token ("events")' };
    return checkValidityPeriod(info, now, skew, true);
  }

  function accept(info: TokenInfo, now: number): Outcome<TokenInfo> {
    const problem = checkClaims(info, now);
    return problem === undefined ? success(info) : { ok: false, failure: problem };
  }

  // A remembered token passed checkClaims when it was verified; of its checks only the time may turn.
  function acceptAgain(info: TokenInfo, now: number): Outcome<TokenInfo> {
    const problem = checkValidityPeriod(info, now, skew, true);
    return problem === undefined ? success(info) : { ok: false, failure: problem };
  }

  const revocations = options.revocations;
  const remember = features.verifiedTokens;
  if (options.verifiedTokenCache !== undefined && remember === undefined) {
    throw refusedInLite('jwtResolver.verifiedTokenCache');
  }
  const remembered =
    options.verifiedTokenCache === undefined || verifier === undefined
      ? undefined
      : remember!(options.verifiedTokenCache, 'jwtResolver.verifiedTokenCache', revocations !== undefined, {
          read: reader.read,
          accept,
          acceptAgain,
          verifier,
        });
  if (remembered !== undefined) revocations?.attach(remembered.cache);

  // Synchronous wherever nothing is pending (the Node signature path with imported keys):
  // the resource server then waits for one promise per request, not one per stage.
  function verify(
    token: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    const read = reader.read(token, now, alphabetChecked);
    return read instanceof Promise ? read.then((settled) => accepted(settled, now)) : accepted(read, now);
  }

  function accepted(read: Outcome<ReadJwt>, now: number): Outcome<TokenInfo> {
    return read.ok ? accept(tokenInfoFromClaims(read.value.claims, 'jwt'), now) : read;
  }

  function resolveNow(
    token: string,
    context: ResolveContext,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    if (token.length > maxTokenLength) return refusal('token_too_large', 'The access token is too large');
    const alphabetChecked = context.jwsAlphabetChecked === true;
    return remembered === undefined
      ? verify(token, context.now, alphabetChecked)
      : remembered.resolve(token, context.now, alphabetChecked);
  }

  function recall(token: string, context: ResolveContext): Outcome<TokenInfo> | undefined {
    return token.length > maxTokenLength ? undefined : remembered!.recall(token, context.now);
  }

  /** The outcome, unless a revocation of the list names the token. */
  async function checkRevocation(
    token: string,
    pending: Promise<Outcome<TokenInfo>>,
    now: number,
    revocations: RevocationList,
  ): Promise<Outcome<TokenInfo>> {
    const outcome = await pending;
    if (!outcome.ok || !revocations.needsTokenHash())
      return outcome.ok && revocations.refuses(outcome.value, now) ? revokedRefusal() : outcome;
    // A revocation by token also names the signing input of the JWS the token is or holds: the same
    // claims under their other valid ECDSA signature, or wrapped in a JWE, are the same token.
    const hashes = await tokenRevocationHashes(token, outcome.value.claims);
    return revocations.refuses(outcome.value, now, hashes.tokenHash, hashes.signingInputHash)
      ? revokedRefusal()
      : outcome;
  }

  const resolver: AccessTokenResolver = {
    cacheNamespace: features.cacheNamespace?.(options, keySources),
    revocationLists: revocations === undefined ? undefined : [revocations],
    health: (now) => collectHealth(now, keySources.verification?.sources ?? []),
    // A remembered token is answered without the revocation check: with a list, every token goes through it.
    ...(remembered === undefined || revocations !== undefined ? {} : { recall }),
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
  // Every token is refused `issuer_mismatch` unless its `iss` is one of these, and `token_too_large`
  // when longer than maxTokenLength: told to issuerRouter.
  recordAcceptedIssuers(resolver, issuers);
  recordMaxTokenLength(resolver, maxTokenLength);
  return resolver;
}

function revokedRefusal(): Outcome<TokenInfo> {
  return refusal('token_revoked', 'The token was revoked');
}

/** The key sources without a secrets provider: `keys`, required. */
function givenKeys(keys: JwtResolverOptions['keys'], option: string): ResolverKeySources {
  requireOption(keys !== undefined, option, 'is required: give a key source such as remoteJwks(…)');
  return { verification: { sources: Array.isArray(keys) ? keys : [keys], option }, decryption: undefined };
}
