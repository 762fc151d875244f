import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  exactName,
  isPlainObject,
  type OptionRule,
  type OptionSchema,
} from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { octBytes } from './key-usability.js';
import type { SecretKey, SecretStore } from './secret-store.js';
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
 * A secret held by another store under `secretId`; its first (active) value is used, as UTF-8 text. The
 * store must answer with `keys(secretId)` (a live key source cannot hold a password), and `secretId` is
 * compared exactly: an empty ID, or one with white space at either end or a control character, is refused.
 *
 * @example
 * ```ts
 * const password: SecretReference = { store: directorySecretStore({ directory, format: 'plain' }), secretId: 'keystore.pass' };
 * ```
 */
export interface SecretReference {
  /** The store holding the secret; it must answer `keys(secretId)`. */
  readonly store: SecretStore;
  /** The secret's ID in that store, compared exactly. */
  readonly secretId: string;
}

/** A store a password can be read from: named, and answering `keys(secretId)`. */
const passwordStore: OptionRule = {
  expected: 'a secret store with a name and keys(secretId)',
  check(value, path) {
    const store = value as Partial<SecretStore> | null;
    requireOption(
      isObject(store) &&
        typeof store.name === 'string' &&
        store.name.length > 0 &&
        typeof store.keys === 'function',
      path,
      'must be a secret store with a name and keys(secretId), such as envSecretStore(…)',
    );
  },
};

const SECRET_REFERENCE: OptionSchema<SecretReference> = { store: passwordStore, secretId: exactName };

/**
 * The rule of a {@link SecretValue} option: a string, or `{ store, secretId }` with both given and no
 * other key (a misspelled `secretID` would otherwise leave the ID unset). Used by the stores' option
 * schemas, and by {@link secretText} for callers that check nothing before it.
 */
export const secretValue: OptionRule = {
  expected: 'a string or { store, secretId }',
  check(value, path) {
    if (typeof value === 'string') return;
    requireOption(isPlainObject(value), path, 'must be a string or { store, secretId }');
    checkOptions(value, SECRET_REFERENCE, path);
    requireOption(value.store !== undefined, `${path}.store`, 'is required: the store that holds the secret');
    requireOption(value.secretId !== undefined, `${path}.secretId`, 'is required');
  },
};

/**
 * The text of a {@link SecretValue}: a referenced secret must be a shared secret holding UTF-8 text.
 * Throws {@link RsConfigError} naming `option` when the value is malformed or the reference cannot be
 * read, a store that throws included (its error kept as the `cause`).
 */
export function secretText(value: SecretValue, option: string): string {
  secretValue.check(value, option);
  if (typeof value === 'string') return value;
  const { store, secretId } = value;
  // A password given in place of its ID would otherwise be repeated in the messages below.
  const shownId = secretIdInMessage(secretId);
  const key = firstKey(store, secretId, option, shownId);
  if (key.jwk.kty !== 'oct')
    throw new RsConfigError(option, `the secret ${shownId} from ${store.name} is a key, not a password`);
  try {
    return decodeUtf8(octBytes(key.jwk));
  } catch {
    // Most often a plain password read by a store that decodes base64: `export KEYSTORE_SECRET_ID=changeit`
    // beside envSecretStore's default format decodes to bytes that are no text.
    throw new RsConfigError(
      option,
      `the secret ${shownId} from ${store.name} is not UTF-8 text: was a plain-text password read as base64 (envSecretStore's default format)? Base64-encode it, or give the store format: 'plain'`,
    );
  }
}

/** The active key `store` holds under `secretId`, its failures and odd answers as {@link RsConfigError}. */
function firstKey(store: SecretStore, secretId: string, option: string, shownId: string): SecretKey {
  let keys: unknown;
  try {
    keys = store.keys?.(secretId);
  } catch (error) {
    throw storeFailure(option, `the secret store ${store.name} cannot read the secret ID ${shownId}`, error);
  }
  if (keys === undefined)
    throw new RsConfigError(option, `the secret store ${store.name} does not know the secret ID ${shownId}`);
  const key: unknown = Array.isArray(keys) ? keys[0] : undefined;
  if (!isObject(key) || !isObject(key.jwk))
    throw new RsConfigError(
      option,
      `the secret store ${store.name} answered the secret ID ${shownId} with no key (keys(secretId) must return [{ jwk, origin }, …] or undefined)`,
    );
  return key as unknown as SecretKey;
}

/**
 * An {@link RsConfigError} for a store that threw. Another RsConfigError's problem is repeated (this
 * package's messages never hold secrets); any other error only by its name, for a store's own message
 * may quote what it read (a token, a password). The error itself is kept as the `cause`.
 */
export function storeFailure(option: string, problem: string, error: unknown): RsConfigError {
  const detail =
    error instanceof RsConfigError
      ? error.problem
      : `it threw ${error instanceof Error && /^\w{1,64}$/.test(error.name) ? `a ${error.name}` : 'a value that is not an Error'} (not repeated, as it may quote a secret; see this error's cause)`;
  return new RsConfigError(option, `${problem}: ${detail}`, { cause: error });
}
