import { freezeSharedAnswer } from '../claims/frozen-claims.js';
import type { Outcome } from '../errors/failure.js';
import type { ReadJwt } from '../jose/jwt-reader.js';
import type { SignedJwtVerifier } from '../jose/signed-jwt-verifier.js';
import type { RevocableCache } from '../revocation/revocation-list.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
import { VerifiedTokenCache, type VerifiedTokenCacheOptions } from './verified-token-cache.js';

/** How a JWT resolver reads a token and judges its claims: what remembering wraps. */
export interface JwtVerification {
  /** Reads and verifies the token (header, signature); synchronous when nothing is pending. */
  readonly read: (
    token: string,
    now: number,
    alphabetChecked: boolean,
  ) => Outcome<ReadJwt> | Promise<Outcome<ReadJwt>>;
  /** Checks the claims of the token info (expiry, issuer, audience, profile). */
  readonly accept: (info: TokenInfo, now: number) => Outcome<TokenInfo>;
  /**
   * Checks again what {@link accept} judged by the time: the claims of a remembered token and the
   * resolver's settings never change, so a hit needs only its validity period checked against `now`.
   */
  readonly acceptAgain: (info: TokenInfo, now: number) => Outcome<TokenInfo>;
  /** Whether a key still verifies for a selector: a remembered token's key must stay in the key set. */
  readonly verifier: SignedJwtVerifier;
}

/** A JWT resolver's resolution with a verified-token cache (`verifiedTokenCache`). */
export interface RememberedTokens {
  /** The cache, for a revocation list to drop what it names. */
  readonly cache: RevocableCache;
  /** Resolves a token (at most the resolver's longest), from the cache when it remembers it. */
  resolve(
    token: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>>;
  /**
   * The answer for a remembered token without waiting (the resource server's `recall`), or `undefined`:
   * then the token's hash is kept for the `resolve` that follows it in the same request.
   */
  recall(token: string, now: number): Outcome<TokenInfo> | undefined;
}

/**
 * Remembers verified signed tokens (by the SHA-256 of the token, never the token itself) so that a client
 * reusing its token skips the signature check. Each hit still checks the token's validity period and that
 * the key which verified the token is still in the key set. Only accepted tokens are remembered, until their `exp`.
 */
export function rememberedTokens(
  options: VerifiedTokenCacheOptions,
  option: string,
  withRevocations: boolean,
  verification: JwtVerification,
): RememberedTokens {
  const { read, accept, acceptAgain, verifier } = verification;
  const cache = new VerifiedTokenCache(options, option, withRevocations);

  // Synchronous wherever nothing is pending (the Node signature path with imported keys, a cache hit):
  // the resource server then waits for one promise per request, not one per stage.
  function verify(
    token: string,
    now: number,
    cacheKey: string,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    const outcome = read(token, now, alphabetChecked);
    return outcome instanceof Promise
      ? outcome.then((settled) => accepted(settled, now, cacheKey))
      : accepted(outcome, now, cacheKey);
  }

  function accepted(outcome: Outcome<ReadJwt>, now: number, cacheKey: string): Outcome<TokenInfo> {
    if (!outcome.ok) return outcome;
    const info = tokenInfoFromClaims(outcome.value.claims, 'jwt');
    const judged = accept(info, now);
    const signedBy = outcome.value.signedBy;
    // Only accepted tokens are remembered, until their `exp` (the claims check made sure there is one).
    if (judged.ok && signedBy !== undefined && info.expiresAt !== undefined) {
      // Each hit's context carries these claims: none may change them for the token's later requests.
      freezeSharedAnswer(info);
      cache.set(cacheKey, {
        claims: info.claims,
        key: signedBy.key,
        selector: signedBy.selector,
        expiresAt: info.expiresAt,
      });
    }
    return judged;
  }

  function fromCache(
    token: string,
    cacheKey: string,
    now: number,
    alphabetChecked: boolean,
  ): Outcome<TokenInfo> | Promise<Outcome<TokenInfo>> {
    const hit = cache.get(cacheKey, now);
    if (hit === undefined) return verify(token, now, cacheKey, alphabetChecked);
    const trusted = verifier.trusts(hit.selector, hit.key, now);
    if (trusted === true) return acceptAgain(tokenInfoFromClaims(hit.claims, 'jwt'), now);
    if (trusted === false) return verifyAgain(token, cacheKey, now, alphabetChecked);
    return trusted.then((keyKept) =>
      keyKept
        ? acceptAgain(tokenInfoFromClaims(hit.claims, 'jwt'), now)
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
    cache.delete(cacheKey);
    return verify(token, now, cacheKey, alphabetChecked);
  }

  // The hash recall() computed for a token it could not answer, for the resolve() that follows it in
  // the same request: a token is hashed once. Only the last one, and only its hash and reference.
  let recalledToken: string | undefined;
  let recalledKey: string | undefined;

  return {
    cache,
    resolve(token, now, alphabetChecked) {
      const cacheKey = token === recalledToken ? recalledKey! : cache.keyOf(token);
      recalledToken = recalledKey = undefined;
      return typeof cacheKey === 'string'
        ? fromCache(token, cacheKey, now, alphabetChecked)
        : cacheKey.then((key) => fromCache(token, key, now, alphabetChecked));
    },
    recall(token, now) {
      const cacheKey = cache.keyOf(token);
      if (typeof cacheKey !== 'string') return undefined;
      const hit = cache.get(cacheKey, now);
      if (hit !== undefined && verifier.trusts(hit.selector, hit.key, now) === true) {
        return acceptAgain(tokenInfoFromClaims(hit.claims, 'jwt'), now);
      }
      recalledToken = token;
      recalledKey = cacheKey;
      return undefined;
    },
  };
}
