import type { CacheIdentity } from '../crypto/cache-namespace.js';
import type { Outcome } from '../errors/failure.js';

/** The parts of a JWS header that choose a key. Nothing else in the header is ever trusted for that. */
export interface KeySelector {
  readonly alg: string;
  /** `kid`; absent when the issuer does not send one (then every key that fits `alg` is tried). */
  readonly kid: string | undefined;
}

/**
 * Supplies verification keys for signed tokens. Implementations: {@link remoteJwks}, {@link staticJwks},
 * {@link sharedSecret}.
 */
export interface VerificationKeySource extends CacheIdentity {
  /** True when the source holds shared (HMAC) secrets; HS* algorithms are only allowed then. */
  readonly symmetric: boolean;
  /**
   * Keys that may have signed a token with this header, best match first. An empty list means this
   * source knows no such key; a failure means it could not tell (keys unavailable).
   */
  keysFor(selector: KeySelector, now: number): Promise<Outcome<readonly CryptoKey[]>>;
}
