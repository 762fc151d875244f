import type { JWK } from 'jose';
import type { DecryptionKeySource } from '../keys/decryption-key-source.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';

/**
 * One key a store holds under a secret ID.
 *
 * @example
 * ```ts
 * const key: SecretKey = { jwk: { kty: 'oct', k: 'c2VjcmV0LWJ5dGVzLi4u' }, origin: 'vault secret/rs/am.hmac' };
 * ```
 */
export interface SecretKey {
  /** The key as a JWK: public, private (with `d`) or symmetric (`oct`). */
  readonly jwk: JWK;
  /** Where the key came from, for error messages (`keystore.p12 alias "signing"`); never the key itself. */
  readonly origin: string;
}

/**
 * A place secrets come from, asked by a {@link secretsProvider} for a secret ID when a resolver is built.
 * A store answers with fixed keys (`keys`) or, when its keys change while running (a remote JWK set),
 * with a live key source. Answering `undefined` means "I do not know this ID": the next store is asked.
 *
 * @example
 * ```ts
 * // A store holding one HMAC secret under one ID, written by hand.
 * const store: SecretStore = {
 *   name: 'vault',
 *   keys: (secretId) =>
 *     secretId === 'jwt.hmac' ? [{ jwk: { kty: 'oct', k: process.env.HMAC_B64URL! }, origin: 'vault' }] : undefined,
 * };
 * ```
 */
export interface SecretStore {
  /** Names the store in error messages, e.g. `pkcs12SecretStore(/etc/rs/ig.p12)`. */
  readonly name: string;
  /**
   * The keys held under `secretId`, active key first (rotation), or `undefined` when the store does not
   * know the ID. May throw {@link RsConfigError} for a secret it knows but cannot read.
   */
  keys?(secretId: string): readonly SecretKey[] | undefined;
  /** A live source of verification keys for `secretId`, or `undefined` when the store has none for it. */
  verificationSource?(secretId: string): VerificationKeySource | undefined;
  /** A live source of decryption keys for `secretId`, or `undefined` when the store has none for it. */
  decryptionSource?(secretId: string): DecryptionKeySource | undefined;
}
