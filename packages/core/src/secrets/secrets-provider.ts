import type { DecryptionKeySource } from '../keys/decryption-key-source.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';

/**
 * What a secret is used for: verifying signed tokens or decrypting encrypted ones.
 *
 * @example
 * ```ts
 * const purpose: SecretPurpose = 'decrypt';
 * ```
 */
export type SecretPurpose = 'verify' | 'decrypt';

/**
 * Maps secret IDs to keys, from stores tried in order (like ForgeRock Identity Gateway's secrets service). A secret ID
 * may resolve to several keys at once (rotation: the active one first). Resolvers ask it for a key
 * source by secret ID; an ID no store knows is a configuration error, reported when the resolver is
 * built (`option` names the resolver option that holds the ID). {@link secretsProvider} builds one from
 * secret stores.
 *
 * @example
 * ```ts
 * const secrets: SecretsProvider = secretsProvider({ stores: [envSecretStore({ env: process.env })] });
 * const keys = secrets.verificationKeys('am.hmac', 'jwt.verificationSecretId'); // AM_HMAC, base64
 * ```
 */
export interface SecretsProvider {
  /**
   * The keys that verify signatures under `secretId`, from the first store that knows it. Throws an
   * `RsConfigError` naming `option` when none does.
   */
  verificationKeys(secretId: string, option: string): VerificationKeySource;
  /**
   * The keys that decrypt tokens under `secretId`, from the first store that knows it. Throws an
   * `RsConfigError` naming `option` when none does.
   */
  decryptionKeys(secretId: string, option: string): DecryptionKeySource;
}
