import type { CryptoKey } from 'jose';
import type { CacheIdentity } from '../crypto/cache-namespace.js';
import type { Outcome } from '../errors/failure.js';

/** The parts of a JWE header that choose a decryption key. */
export interface DecryptionKeySelector {
  /** Key management algorithm (`dir`, `A128KW`, `RSA-OAEP-256`, `ECDH-ES`, …). */
  readonly alg: string;
  /** Content encryption algorithm (`A128CBC-HS256`, `A256GCM`, …). */
  readonly enc: string;
  /** The header's `kid`; `undefined` when the token names no key. */
  readonly kid: string | undefined;
  /**
   * Only keys whose `kid` is {@link kid}, without the usual fallback to keys that have none: asked of
   * every source first, so that a key named by the token is tried before another source's unnamed ones.
   */
  readonly kidOnly?: boolean | undefined;
  /**
   * The curve of the header's ephemeral key (`epk.crv`, ECDH-ES): a key on another curve cannot derive
   * the content key, so it is not offered, and does not use up one of the keys a token is tried against.
   */
  readonly epkCurve?: string | undefined;
  /**
   * The length in bytes of the JWE encrypted key (RSA-OAEP): an RSA key decrypts only a value as long as
   * its modulus, so a key of another size is not offered either.
   */
  readonly encryptedKeyBytes?: number | undefined;
}

/**
 * Supplies keys that decrypt encrypted tokens: private keys (`CryptoKey`) or shared secrets (bytes),
 * best match first (active key first). An empty list means no such key; a failure means the source could
 * not tell. A token is tried against at most `MAX_KEYS_TRIED` (3) keys, of all sources together: a key
 * ranked beyond them is never tried.
 */
export interface DecryptionKeySource extends CacheIdentity {
  /** The keys that may decrypt a token with this header, best match first, at `now` (ms since the epoch). */
  keysFor(
    selector: DecryptionKeySelector,
    now: number,
  ): Promise<Outcome<readonly (CryptoKey | Uint8Array)[]>>;
}

/**
 * A decryption key source that knows, at start-up, which JWE key-management algorithms (`alg`) its keys
 * can serve, so that a resolver can refuse an allow-list no key can honour before the first request.
 */
export interface DescribedDecryptionKeySource extends DecryptionKeySource {
  /** The key-management algorithms (`alg`) its keys can serve. */
  readonly keyManagementAlgorithms: ReadonlySet<string>;
}

/** Whether a source says which algorithms it serves (see {@link DescribedDecryptionKeySource}). */
export function isDescribedDecryptionKeySource(
  source: DecryptionKeySource,
): source is DescribedDecryptionKeySource {
  return (source as Partial<DescribedDecryptionKeySource>).keyManagementAlgorithms instanceof Set;
}
