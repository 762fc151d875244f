import { RsConfigError } from '../config/config-error.js';
import { isObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { octBytes } from './key-usability.js';
import type { SecretStore } from './secret-store.js';
import { secretIdInMessage } from './shown-in-messages.js';

/**
 * A password or similar secret in a store's options: given directly, or by secret ID from another store
 * (as ForgeRock Identity Gateway's KeyStoreSecretStore takes its `storePassword` from a SystemAndEnvSecretStore).
 *
 * @example
 * ```ts
 * const direct: SecretValue = 'changeit';
 * const fromEnv: SecretValue = { store: envSecretStore({ env: process.env }), secretId: 'keystore.secret.id' };
 * ```
 */
export type SecretValue = string | SecretReference;

/**
 * A secret held by another store under `secretId`; its first (active) value is used, as UTF-8 text.
 *
 * @example
 * ```ts
 * const password: SecretReference = { store: directorySecretStore({ directory, format: 'plain' }), secretId: 'keystore.pass' };
 * ```
 */
export interface SecretReference {
  readonly store: SecretStore;
  readonly secretId: string;
}

/**
 * The text of a {@link SecretValue}: a referenced secret must be a shared secret holding UTF-8 text.
 * Throws {@link RsConfigError} naming `option` when the reference cannot be read.
 */
export function secretText(value: SecretValue, option: string): string {
  if (typeof value === 'string') return value;
  if (!isObject(value) || !isObject(value.store) || typeof value.secretId !== 'string')
    throw new RsConfigError(option, 'must be a string or { store, secretId }');
  const { store, secretId } = value;
  // A password given in place of its ID would otherwise be repeated in the messages below.
  const shownId = secretIdInMessage(secretId);
  const key = store.keys?.(secretId)?.[0];
  if (key === undefined)
    throw new RsConfigError(option, `the secret store ${store.name} does not know the secret ID ${shownId}`);
  if (key.jwk.kty !== 'oct')
    throw new RsConfigError(option, `the secret ${shownId} from ${store.name} is a key, not a password`);
  try {
    return decodeUtf8(octBytes(key.jwk));
  } catch {
    throw new RsConfigError(option, `the secret ${shownId} from ${store.name} is not UTF-8 text`);
  }
}
