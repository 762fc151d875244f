import type { JWK } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { anyValue, checkOptions, type OptionSchema } from '../config/option-schema.js';
import { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import { staticDecryptionKeys } from '../keys/static-decryption-keys.js';
import { octBytes, verificationJwk, whyNotDecryptionKey } from './key-usability.js';
import { refuseUnreachableKidlessKeys, type UsableKey } from './kidless-key-limit.js';
import type { SecretKey, SecretStore } from './secret-store.js';
import { storeFailure } from './secret-value.js';
import { secretVerificationKeys } from './secret-verification-keys.js';
import type { SecretPurpose, SecretsProvider } from './secrets-provider.js';
import { secretIdInMessage } from './shown-in-messages.js';

/** Options of {@link secretsProvider}. */
export interface SecretsProviderOptions {
  /** Where secrets come from, asked in order; the first store that knows a secret ID answers for it. */
  readonly stores: readonly SecretStore[];
}

// Each store is checked below, with a message that says what a store needs.
const SECRETS_PROVIDER_OPTIONS: OptionSchema<SecretsProviderOptions> = { stores: anyValue };

// Enough reasons to see what is wrong without turning a keystore of 100 entries into a wall of text.
const MAX_REASONS = 5;

/**
 * Resolves secret IDs to keys from ordered stores, like ForgeRock Identity Gateway's secrets provider. For each secret ID
 * the stores are asked in order and the **first store that knows the ID answers alone**: its keys, active
 * first, are the secret's keys (so a store placed earlier overrides a later one, as an environment
 * variable overrides a file). Keys that cannot serve the purpose (an encryption key asked to verify, a
 * public key asked to decrypt, an EC key for RSA-OAEP) are not used; a secret with no usable key, or an
 * ID no store knows, throws {@link RsConfigError} naming the resolver option and the ID when the resolver
 * is built.
 *
 * @example
 * ```ts
 * const secrets = secretsProvider({
 *   stores: [
 *     envSecretStore({ env: process.env }),
 *     jwkSetStore({ jwks: remoteJwks({ url: 'https://am.example.com/oauth2/connect/jwk_uri' }) }),
 *   ],
 * });
 * const keys = secrets.verificationKeys('stateless.access.token.verification.key', 'jwt.verificationSecretId');
 * ```
 */
export function secretsProvider(options: SecretsProviderOptions): SecretsProvider {
  checkOptions(options, SECRETS_PROVIDER_OPTIONS, 'secretsProvider');
  requireOption(
    typeof options === 'object' && options !== null && Array.isArray(options.stores),
    'secretsProvider.stores',
    'must be an array of secret stores',
  );
  const stores = [...options.stores];
  requireOption(stores.length > 0, 'secretsProvider.stores', 'must hold at least one secret store');
  for (const store of stores) {
    requireOption(
      typeof store === 'object' &&
        store !== null &&
        typeof store.name === 'string' &&
        (store.keys !== undefined ||
          store.verificationSource !== undefined ||
          store.decryptionSource !== undefined),
      'secretsProvider.stores',
      'each store must have a name and at least one of keys, verificationSource, decryptionSource',
    );
  }

  function find<T>(
    secretId: string,
    option: string,
    purpose: SecretPurpose,
    live: (store: SecretStore) => T | undefined,
    fixed: (keys: readonly SecretKey[], store: SecretStore) => T,
  ): T {
    requireOption(
      typeof secretId === 'string' && secretId.length > 0,
      option,
      'must be a non-empty secret ID',
    );
    for (const store of stores) {
      let source: T | undefined;
      let keys: readonly SecretKey[] | undefined;
      try {
        source = live(store);
        keys = source === undefined ? answeredKeys(store.keys?.(secretId)) : undefined;
      } catch (error) {
        // A store of the application's that throws: an RsConfigError naming it, its own message not
        // repeated (it may quote what it read), the error kept as the cause.
        throw storeFailure(
          option,
          `the secret store ${store.name} cannot read the secret ID ${secretIdInMessage(secretId)}`,
          error,
        );
      }
      if (source !== undefined) return source;
      if (keys !== undefined) {
        refuseUnsafeKeys(keys, secretId, store, option);
        return fixed(keys, store);
      }
    }
    throw new RsConfigError(
      option,
      `no secret store knows the secret ID ${secretIdInMessage(secretId)} for ${purpose === 'verify' ? 'verification' : 'decryption'} (stores: ${stores.map((store) => store.name).join(', ')})`,
    );
  }

  return {
    verificationKeys(secretId, option) {
      return find(
        secretId,
        option,
        'verify',
        (store) => store.verificationSource?.(secretId),
        (keys, store) => {
          const usable = usableKeys(keys, (jwk) => verificationJwk(jwk));
          requireUsable(usable, secretId, store, option, 'verify signatures');
          refuseUnreachableKidlessKeys(usable.keys, secretId, store.name, option);
          return secretVerificationKeys(usable.jwks);
        },
      );
    },
    decryptionKeys(secretId, option) {
      return find(
        secretId,
        option,
        'decrypt',
        (store) => store.decryptionSource?.(secretId),
        (keys, store) => {
          const usable = usableKeys(keys, (jwk) => whyNotDecryptionKey(jwk) ?? jwk);
          requireUsable(usable, secretId, store, option, 'decrypt tokens');
          return staticDecryptionKeys({ keys: usable.jwks });
        },
      );
    },
  };
}

/**
 * A key no purpose may use makes the secret an error, not a key to skip: whoever put it in the store
 * meant it to be used. The stores in this package refuse weak RSA keys when they load; this covers
 * others. A shared secret that is key material of another kind (a public key's PEM text, a JWK's JSON)
 * is refused here for every store: it is where a store's value becomes a key, and an environment
 * variable or a file may as well hold the password of another store, which is no key.
 */
/**
 * What a store's `keys(secretId)` answered, read once into plain copies: an answer of another shape (a
 * promise, a single key, a JWK without its `{ jwk, origin }`) is refused with an `RsConfigError` saying
 * what is expected, thrown where the store's own failures are caught, rather than a `TypeError` such as
 * "keys is not iterable", or the message of a getter that threw, repeated as it is.
 */
function answeredKeys(answer: unknown): readonly SecretKey[] | undefined {
  if (answer === undefined) return undefined;
  const expected = 'keys(secretId) must return [{ jwk, origin }, …] or undefined, synchronously';
  if (!Array.isArray(answer)) throw new RsConfigError('keys', `answered no array: ${expected}`);
  return answer.map((key: unknown, index) => {
    const jwk: unknown = isObject(key) ? key.jwk : undefined;
    const origin: unknown = isObject(key) ? key.origin : undefined;
    if (!isObject(jwk) || typeof origin !== 'string')
      throw new RsConfigError('keys', `answered no key at index ${index}: ${expected}`);
    return { jwk: jwk as JWK, origin };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refuseUnsafeKeys(keys: readonly SecretKey[], secretId: string, store: SecretStore, option: string) {
  for (const key of keys) {
    const problem = unsafeKeyProblem(key.jwk);
    if (problem !== undefined)
      throw new RsConfigError(
        option,
        `secret ${secretIdInMessage(secretId)} (from ${store.name}): ${key.origin}: ${problem}`,
      );
  }
}

function unsafeKeyProblem(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return rsaKeyProblem(jwk);
  if (jwk.kty !== 'oct') return undefined;
  // As an HMAC key, a public key lets anyone who has it sign; as an AES key or password, it hides nothing.
  const foreign = foreignKeyMaterialProblem(octBytes(jwk));
  return foreign === undefined ? undefined : `the secret is ${foreign}`;
}

interface UsableKeys {
  readonly jwks: JWK[];
  /** {@link jwks} with the origin of each. */
  readonly keys: UsableKey[];
  readonly reasons: string[];
}

/** The keys that can serve a purpose (as `check` turns them), and why the others cannot. */
function usableKeys(keys: readonly SecretKey[], check: (jwk: JWK) => JWK | string): UsableKeys {
  const usable: UsableKey[] = [];
  const reasons: string[] = [];
  for (const key of keys) {
    const checked = check(key.jwk);
    if (typeof checked === 'string') reasons.push(`${key.origin}: ${checked}`);
    else usable.push({ jwk: checked, origin: key.origin });
  }
  return { jwks: usable.map((key) => key.jwk), keys: usable, reasons };
}

function requireUsable(
  usable: UsableKeys,
  secretId: string,
  store: SecretStore,
  option: string,
  task: string,
): void {
  if (usable.jwks.length > 0) return;
  const shown = usable.reasons.slice(0, MAX_REASONS);
  if (usable.reasons.length > MAX_REASONS) shown.push(`${usable.reasons.length - MAX_REASONS} more`);
  const detail = shown.length === 0 ? 'it holds no key' : shown.join('; ');
  throw new RsConfigError(
    option,
    `no key of secret ${secretIdInMessage(secretId)} (from ${store.name}) can ${task}: ${detail}`,
  );
}
