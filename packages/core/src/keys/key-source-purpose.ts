import { RsConfigError } from '../config/config-error.js';
import { isObject } from '../encoding/json-object.js';
import { type DecryptionKeySource, isDescribedDecryptionKeySource } from './decryption-key-source.js';
import type { VerificationKeySource } from './verification-key-source.js';

/**
 * Refuses, at start-up, a decryption key source given where signature verification keys are expected
 * (`jwtResolver({ keys: staticDecryptionKeys(…) })`): it would offer no key for any signature, so every
 * token would be refused. A source is taken for a decryption source when it lists the algorithms it
 * decrypts (`keyManagementAlgorithms`, as `staticDecryptionKeys` and the secrets provider's
 * decryption sources do) and does not say whether it holds shared secrets, as every verification source
 * does. A source of your own that says neither is accepted: its purpose cannot be told.
 *
 * @example
 * ```ts
 * requireVerificationKeySources([staticDecryptionKeys([aesKey])], 'jwtResolver.keys'); // throws
 * ```
 */
export function requireVerificationKeySources(sources: readonly unknown[], option: string): void {
  sources.forEach((source, position) => {
    if (isDecryptionSource(source) && !isVerificationSource(source))
      throw new RsConfigError(
        option,
        `${entry(sources, position)}holds decryption keys (a source such as staticDecryptionKeys(…)), not ` +
          'signature verification keys: verification takes a source such as staticJwks(…), remoteJwks(…) ' +
          'or sharedSecret(…), and decryption keys go in decryption',
      );
  });
}

/**
 * Refuses, at start-up, a signature verification key source given where decryption keys are expected
 * (`jwtResolver({ decryption: staticJwks(…) })`): it would offer no key for any encrypted token. A
 * source is taken for a verification source when it says whether it holds shared secrets
 * ({@link VerificationKeySource.symmetric}, which `staticJwks`, `remoteJwks`, `issuerJwks`,
 * `sharedSecret` and the secrets provider's verification sources state) and does not list the
 * algorithms it decrypts. A source of your own that says neither is accepted.
 *
 * @example
 * ```ts
 * requireDecryptionKeySources([remoteJwks({ url })], 'jwtResolver.decryption'); // throws
 * ```
 */
export function requireDecryptionKeySources(sources: readonly unknown[], option: string): void {
  sources.forEach((source, position) => {
    if (isVerificationSource(source) && !isDecryptionSource(source))
      throw new RsConfigError(
        option,
        `${entry(sources, position)}holds signature verification keys (a source such as staticJwks(…), ` +
          'remoteJwks(…) or sharedSecret(…)), not decryption keys: decryption takes a source such as ' +
          'staticDecryptionKeys(…), and verification keys go in keys',
      );
  });
}

function isDecryptionSource(source: unknown): boolean {
  return isObject(source) && isDescribedDecryptionKeySource(source as unknown as DecryptionKeySource);
}

function isVerificationSource(source: unknown): boolean {
  return isObject(source) && typeof (source as Partial<VerificationKeySource>).symmetric === 'boolean';
}

/** Which entry is at fault, when the option holds several. */
function entry(sources: readonly unknown[], position: number): string {
  return sources.length > 1 ? `entry #${position} ` : '';
}
