import type { CryptoKey } from 'jose';
import type { CacheIdentity } from '../crypto/cache-namespace.js';
import type { Outcome } from '../errors/failure.js';
import type { HealthReporter } from '../observability/dependency-health.js';

/** The parts of a JWS header that choose a key. Nothing else in the header is ever trusted for that. */
export interface KeySelector {
  /** The signing algorithm (`RS256`, `ES256`, `EdDSA`, …): only keys that fit it are offered. */
  readonly alg: string;
  /**
   * `kid`; absent when the issuer does not send one (then the keys that fit `alg` are tried, at most
   * {@link MAX_KEYS_TRIED} of them).
   */
  readonly kid: string | undefined;
}

/**
 * The most keys one token's signature is checked against. A token without `kid` fits every key of its
 * algorithm's type: with 100 keys in a set, a forged token that costs its sender nothing would cost
 * 100 verifications. Sources rank their keys (a JWK naming the token's `alg` first, then one marked
 * `use: "sig"`, then the rest); a token none of the first three verifies is refused. Three covers an
 * issuer's current, next and previous key during a rotation. Encrypted tokens are opened with at most as
 * many decryption keys, ranked the same way (`use: "enc"`).
 */
export const MAX_KEYS_TRIED = 3;

/**
 * Supplies verification keys for signed tokens. Implementations: {@link remoteJwks}, {@link staticJwks},
 * {@link sharedSecret}.
 */
export interface VerificationKeySource extends CacheIdentity, HealthReporter {
  /** True when the source holds shared (HMAC) secrets; HS* algorithms are only allowed then. */
  readonly symmetric: boolean;
  /**
   * The JWS algorithms some key of the source fits, for a source whose keys are fixed when it is built
   * ({@link staticJwks}, {@link sharedSecret}); absent when the keys can change (a remote set). Lets a
   * resolver refuse at start-up an `algorithms` entry no key could ever verify.
   */
  readonly algorithmsServed?: ReadonlySet<string> | undefined;
  /**
   * Keys that may have signed a token with this header, best match first. An empty list means this
   * source knows no such key; a failure means it could not tell (keys unavailable).
   */
  keysFor(selector: KeySelector, now: number): Promise<Outcome<readonly CryptoKey[]>>;
  /**
   * The answer of {@link keysFor} when the source has it at hand (keys imported, nothing to fetch), so
   * that a request does not wait for a promise; `undefined` when only {@link keysFor} can answer.
   * Optional: a source without it is always asked through {@link keysFor}.
   */
  keysAtHand?(selector: KeySelector, now: number): Outcome<readonly CryptoKey[]> | undefined;
}
