import { RsConfigError, requireOption } from '../config/config-error.js';
import { arrayOf, either, nonEmptyString, type OptionSchema, objectWith } from '../config/option-schema.js';
import type { DecryptionKeySource } from '../keys/decryption-key-source.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { storeFailure } from '../secrets/secret-value.js';
import type { SecretsProvider } from '../secrets/secrets-provider.js';

/** Where a resolver's keys come from: given directly, or named by secret ID in a secrets provider. */
export interface ResolverKeyOptions {
  /** The keys that verify token signatures: one source or several. */
  readonly keys?: VerificationKeySource | readonly VerificationKeySource[] | undefined;
  /** The keys that decrypt encrypted tokens (JWE): one source or several. */
  readonly decryption?: DecryptionKeySource | readonly DecryptionKeySource[] | undefined;
  /** A secrets provider to read the keys from, by `verificationSecretId` or `decryptionSecretId`. */
  readonly secrets?: SecretsProvider | undefined;
  /** The secret ID, in `secrets`, of the keys that verify signatures. */
  readonly verificationSecretId?: string | undefined;
  /** The secret ID, in `secrets`, of the keys that decrypt encrypted tokens. */
  readonly decryptionSecretId?: string | undefined;
}

const verificationSource = objectWith('a verification key source such as remoteJwks(…)', 'keysFor');
const decryptionSource = objectWith('a decryption key source such as staticDecryptionKeys(…)', 'keysFor');

/** The rules of {@link ResolverKeyOptions}, for the schema of each resolver that takes them. */
export const RESOLVER_KEY_OPTIONS: OptionSchema<ResolverKeyOptions> = {
  keys: either(verificationSource, arrayOf(verificationSource, true)),
  decryption: either(decryptionSource, arrayOf(decryptionSource, true)),
  secrets: objectWith('a secrets provider such as secretsProvider(…)', 'verificationKeys', 'decryptionKeys'),
  verificationSecretId: nonEmptyString,
  decryptionSecretId: nonEmptyString,
};

/** Key sources for one purpose, and the option they came from (for configuration errors). */
export interface KeySources<T> {
  readonly sources: readonly T[];
  readonly option: string;
}

/** The key sources of a resolver; at least one purpose is present. */
export interface ResolverKeySources {
  readonly verification: KeySources<VerificationKeySource> | undefined;
  readonly decryption: KeySources<DecryptionKeySource> | undefined;
}

/**
 * Resolves a resolver's key options at start-up. The rule of ForgeRock Identity Gateway's stateless resolver holds:
 * `verificationSecretId` xor `decryptionSecretId`, since a server that signs and encrypts is read with
 * the decryption key (encryption takes precedence); the keys for a signature nested inside an encrypted
 * token are then given directly with `keys`. A secret ID the provider does not know is reported here,
 * naming the option, not at the first request.
 */
export function resolverKeySources(options: ResolverKeyOptions, prefix: string): ResolverKeySources {
  const { secrets, verificationSecretId, decryptionSecretId } = options;
  const verificationOption = `${prefix}.verificationSecretId`;
  const decryptionOption = `${prefix}.decryptionSecretId`;
  if (verificationSecretId !== undefined && decryptionSecretId !== undefined) {
    throw new RsConfigError(
      verificationOption,
      'give verificationSecretId or decryptionSecretId, not both: when the authorization server signs and ' +
        'encrypts, encryption takes precedence (give decryptionSecretId, and keys for a nested signature)',
    );
  }
  if (secrets !== undefined) {
    requireOption(
      typeof secrets?.verificationKeys === 'function' && typeof secrets.decryptionKeys === 'function',
      `${prefix}.secrets`,
      'must be a secrets provider',
    );
    requireOption(
      verificationSecretId !== undefined || decryptionSecretId !== undefined,
      `${prefix}.secrets`,
      'name the secret to use: verificationSecretId (signed tokens) or decryptionSecretId (encrypted tokens)',
    );
  } else if (verificationSecretId !== undefined || decryptionSecretId !== undefined) {
    throw new RsConfigError(`${prefix}.secrets`, 'is required to resolve a secret ID');
  }

  let verification: KeySources<VerificationKeySource> | undefined;
  if (verificationSecretId !== undefined) {
    requireOption(
      options.keys === undefined,
      verificationOption,
      'give keys or verificationSecretId, not both',
    );
    const source = fromProvider(
      () => secrets!.verificationKeys(verificationSecretId, verificationOption),
      verificationSecretId,
      verificationOption,
    );
    verification = { sources: [source], option: verificationOption };
  } else if (options.keys !== undefined) {
    verification = { sources: listOf(options.keys), option: `${prefix}.keys` };
  }

  let decryption: KeySources<DecryptionKeySource> | undefined;
  if (decryptionSecretId !== undefined) {
    requireOption(
      options.decryption === undefined,
      decryptionOption,
      'give decryption or decryptionSecretId, not both',
    );
    const source = fromProvider(
      () => secrets!.decryptionKeys(decryptionSecretId, decryptionOption),
      decryptionSecretId,
      decryptionOption,
    );
    decryption = { sources: [source], option: decryptionOption };
  } else if (options.decryption !== undefined) {
    decryption = { sources: listOf(options.decryption), option: `${prefix}.decryption` };
  }

  if (verification === undefined && decryption === undefined) {
    throw new RsConfigError(
      `${prefix}.keys`,
      'is required: give keys (signed tokens), decryption (encrypted tokens), or secrets with ' +
        'verificationSecretId or decryptionSecretId',
    );
  }
  return { verification, decryption };
}

function listOf<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? value : [value as T];
}

function fromProvider<T extends { keysFor: unknown }>(
  resolve: () => T,
  secretId: unknown,
  option: string,
): T {
  requireOption(typeof secretId === 'string' && secretId.length > 0, option, 'must be a non-empty secret ID');
  let source: T;
  try {
    source = resolve();
  } catch (error) {
    if (error instanceof RsConfigError) throw error;
    // A provider that fails another way still fails at start-up, and still names the option. What it
    // threw is not repeated (a store's error may quote the secret it read), as the secret stores do.
    throw storeFailure(option, 'the secrets provider cannot resolve it', error);
  }
  requireOption(typeof source?.keysFor === 'function', option, 'the secrets provider returned no key source');
  return source;
}
