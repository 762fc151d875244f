import { statSync } from 'node:fs';
import { join } from 'node:path';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  nonEmptyString,
  type OptionSchema,
  oneOf,
  positiveNumber,
} from '../config/option-schema.js';
import { positiveOption } from '../config/option-values.js';
import { isObject } from '../encoding/json-object.js';
import { decodeBase64, octKey } from '../secrets/secret-bytes.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { readBoundedFile } from './bounded-file.js';

/** Options of {@link directorySecretStore}. */
export interface DirectorySecretStoreOptions {
  /** The directory: one file per secret, named by its secret ID (a Kubernetes secret volume, say). */
  readonly directory: string;
  /** How files are written: `plain` (the bytes as they are) or `base64` (line breaks ignored). */
  readonly format: 'plain' | 'base64';
  /** Appended to the secret ID to name the file, e.g. `.txt`. Default none. */
  readonly suffix?: string;
  /** Largest file read. Default 64 KiB. */
  readonly maxFileBytes?: number;
}

const DIRECTORY_SECRET_STORE_OPTIONS: OptionSchema<DirectorySecretStoreOptions> = {
  directory: nonEmptyString,
  format: oneOf('plain', 'base64'),
  // May be empty; checked below for path separators.
  suffix: anyValue,
  maxFileBytes: positiveNumber,
};

// A secret ID names a file in the directory, never a path: no separators, no `.` or `..`, no NUL.
const UNSAFE_ID = /[/\\\0]/;

/**
 * Secrets held in a directory, one file per secret ID, like ForgeRock Identity Gateway's FileSystemSecretStore
 * (`keystore.pass` holds the secret ID `keystore.pass`). A missing file means the store does not know the
 * ID; a file is read when a resolver asks for its secret. Plain files are used byte for byte, so a
 * trailing newline is part of the secret (`echo -n` writes none). Values are shared secrets: HMAC or AES
 * keys, or the passwords of other stores.
 *
 * @example
 * ```ts
 * const files = directorySecretStore({ directory: '/run/secrets/rs', format: 'plain' });
 * const keystore = pkcs12SecretStore({
 *   file: '/etc/rs/keystore.p12',
 *   storePassword: { store: files, secretId: 'keystore.pass' },
 *   mappings: [{ secretId: 'am.signing', aliases: ['signature-key'] }],
 * });
 * ```
 */
export function directorySecretStore(options: DirectorySecretStoreOptions): SecretStore {
  checkOptions(options, DIRECTORY_SECRET_STORE_OPTIONS, 'directorySecretStore');
  requireOption(
    isObject(options) && typeof options.directory === 'string' && options.directory.length > 0,
    'directorySecretStore.directory',
    'is required',
  );
  const { directory } = options;
  requireOption(
    options.format === 'plain' || options.format === 'base64',
    'directorySecretStore.format',
    'must be "plain" or "base64"',
  );
  const suffix = options.suffix ?? '';
  requireOption(
    typeof suffix === 'string' && !UNSAFE_ID.test(suffix),
    'directorySecretStore.suffix',
    'must be a file-name suffix',
  );
  const maxBytes = positiveOption(options.maxFileBytes, 64 * 1024, 'directorySecretStore.maxFileBytes');
  requireOption(
    statSync(directory, { throwIfNoEntry: false })?.isDirectory() === true,
    'directorySecretStore.directory',
    `${directory} is not a directory`,
  );
  return {
    name: `directorySecretStore(${directory})`,
    keys(secretId) {
      if (secretId === '.' || secretId === '..' || UNSAFE_ID.test(secretId)) return undefined;
      const file = join(directory, `${secretId}${suffix}`);
      if (statSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
      const content = readBoundedFile(file, maxBytes, 'directorySecretStore');
      const bytes =
        options.format === 'plain' ? new Uint8Array(content) : decodeBase64(content.toString('utf8'));
      if (bytes === undefined) throw new RsConfigError('directorySecretStore', `${file} is not base64`);
      if (bytes.byteLength === 0) throw new RsConfigError('directorySecretStore', `${file} is empty`);
      return [octKey(bytes, file)];
    },
  };
}
