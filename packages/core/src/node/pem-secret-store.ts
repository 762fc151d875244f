import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  arrayOf,
  checkOptions,
  either,
  exactName,
  nonEmptyString,
  type OptionSchema,
  recordOf,
  shape,
} from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { requireExactSecretId } from '../secrets/exact-names.js';
import type { SecretKey, SecretStore } from '../secrets/secret-store.js';
import { type SecretValue, secretText, secretValue } from '../secrets/secret-value.js';
import { filePathInMessage } from '../secrets/shown-in-messages.js';
import {
  maxFileBytesOption,
  maxFileBytesRule,
  readBoundedFile,
  textWithoutByteOrderMark,
} from './bounded-file.js';
import { pemKey } from './pem-key.js';

/**
 * One PEM file of a {@link pemSecretStore}: a path, or a path with the key's password and `kid`.
 *
 * @example
 * ```ts
 * const files: PemSecretFile[] = ['/etc/rs/am.cert.pem', { file: '/etc/rs/rs.key.pem', password: 'changeit', kid: 'rs-1' }];
 * ```
 */
export type PemSecretFile =
  | string
  | {
      /** The path of the PEM file. */
      readonly file: string;
      /**
       * The password of an encrypted private key (`ENCRYPTED PRIVATE KEY` or legacy OpenSSL PEM): a
       * string, or `{ store, secretId }` to read it from another store.
       */
      readonly password?: SecretValue | undefined;
      /**
       * Give the key a `kid`: it then serves only tokens naming that `kid` (or none). Compared exactly:
       * an empty `kid`, or one with white space at either end or a control character, is refused.
       */
      readonly kid?: string | undefined;
    };

/** Options of {@link pemSecretStore}. */
export interface PemSecretStoreOptions {
  /**
   * Secret ID → PEM file(s), active first. IDs are compared exactly: an empty one, or one with white
   * space at either end or a control character, is refused.
   */
  readonly secrets: Readonly<Record<string, PemSecretFile | readonly PemSecretFile[]>>;
  /** Largest PEM file read, in bytes: a whole number up to 64 MiB. Default 64 KiB. */
  readonly maxFileBytes?: number | undefined;
}

const PEM_FILE = either(
  nonEmptyString,
  shape<Exclude<PemSecretFile, string>>({ file: nonEmptyString, password: secretValue, kid: exactName }),
);
const PEM_SECRET_STORE_OPTIONS: OptionSchema<PemSecretStoreOptions> = {
  secrets: recordOf(either(PEM_FILE, arrayOf(PEM_FILE, true))),
  maxFileBytes: maxFileBytesRule,
};

/**
 * Keys from PEM files, read when the store is built: SPKI public keys (`PUBLIC KEY`), X.509
 * certificates, PKCS#1 (`RSA PRIVATE KEY`), SEC1 (`EC PRIVATE KEY`), PKCS#8 (`PRIVATE KEY`) and
 * password-protected PKCS#8 (`ENCRYPTED PRIVATE KEY`) private keys. A file gives one key; several files
 * under one ID rotate, the first being active. A private key verifies (through its public half) and
 * decrypts. A file is read as UTF-8, or as UTF-16 when it opens with that byte order mark (what Windows
 * PowerShell 5 writes), as `jwkSetFileStore` reads its files.
 *
 * @example
 * ```ts
 * const store = pemSecretStore({
 *   secrets: {
 *     'am.signing': ['/etc/rs/am-2025.cert.pem', '/etc/rs/am-2024.cert.pem'],
 *     'am.encryption': { file: '/etc/rs/rs-enc.key.pem', password: process.env.RS_KEY_PASSWORD! },
 *   },
 * });
 * ```
 */
export function pemSecretStore(options: PemSecretStoreOptions): SecretStore {
  checkOptions(options, PEM_SECRET_STORE_OPTIONS, 'pemSecretStore');
  requireOption(isObject(options) && isObject(options.secrets), 'pemSecretStore.secrets', 'is required');
  requireOption(Object.keys(options.secrets).length > 0, 'pemSecretStore.secrets', 'names no secret');
  const maxBytes = maxFileBytesOption(options.maxFileBytes, 64 * 1024, 'pemSecretStore.maxFileBytes');
  const byId = new Map<string, readonly SecretKey[]>();
  // Every ID is checked before any file is read: a slip in a name is reported as such.
  for (const secretId of Object.keys(options.secrets))
    requireExactSecretId(secretId, 'pemSecretStore.secrets');
  for (const [secretId, value] of Object.entries(options.secrets)) {
    const idPath = `pemSecretStore.secrets[${JSON.stringify(secretId)}]`;
    const files: readonly PemSecretFile[] = Array.isArray(value) ? value : [value as PemSecretFile];
    requireOption(files.length > 0, 'pemSecretStore.secrets', `secret "${secretId}" names no file`);
    byId.set(
      secretId,
      // The schema refused holes already; Array.from would still hand one to loadPem, never skip it.
      Array.from(files, (entry, position) =>
        loadPem(entry, secretId, Array.isArray(value) ? `${idPath}[${position}]` : idPath, maxBytes),
      ),
    );
  }
  return { name: 'pemSecretStore', keys: (secretId) => byId.get(secretId) };
}

/** The key of one PEM file; `entryPath` (`pemSecretStore.secrets["id"][0]`) names its password option. */
function loadPem(entry: PemSecretFile, secretId: string, entryPath: string, maxBytes: number): SecretKey {
  const option = 'pemSecretStore.secrets';
  const spec = typeof entry === 'string' ? { file: entry } : entry;
  if (!isObject(spec) || typeof spec.file !== 'string' || spec.file.length === 0)
    throw new RsConfigError(
      option,
      `secret "${secretId}": each entry must be a path or { file, password?, kid? }`,
    );
  const password =
    spec.password === undefined ? undefined : secretText(spec.password, `${entryPath}.password`);
  // UTF-16 by its byte order mark (Windows PowerShell 5 writes `>` so), UTF-8 otherwise.
  const pem = textWithoutByteOrderMark(readBoundedFile(spec.file, maxBytes, option));
  const key = pemKey(pem, filePathInMessage(spec.file), option, password);
  return spec.kid === undefined ? key : { ...key, jwk: { ...key.jwk, kid: spec.kid } };
}
