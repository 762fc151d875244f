import { type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  exactName,
  nonEmptyString,
  type OptionSchema,
  oneOf,
} from '../config/option-schema.js';
import { decodeBase64 } from '../encoding/base64.js';
import { isObject } from '../encoding/json-object.js';
import { octKey } from '../secrets/secret-bytes.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { filePathInMessage } from '../secrets/shown-in-messages.js';
import {
  maxFileBytesOption,
  maxFileBytesRule,
  readBoundedFile,
  textWithoutByteOrderMark,
} from './bounded-file.js';

/** Options of {@link directorySecretStore}. */
export interface DirectorySecretStoreOptions {
  /** The directory: one file per secret, named by its secret ID (a Kubernetes secret volume, say). */
  readonly directory: string;
  /**
   * How files are written: `plain` (the bytes as they are) or `base64` (line breaks, and a byte order mark
   * opening the file, ignored; UTF-16 with a byte order mark, as Windows PowerShell 5 writes, read as such).
   */
  readonly format: 'plain' | 'base64';
  /**
   * Appended to the secret ID to name the file, e.g. `.txt`. Default none. Compared exactly with file
   * names: an empty suffix, one with white space at either end, a control character or a path separator
   * is refused.
   */
  readonly suffix?: string | undefined;
  /** Largest file read, in bytes: a whole number up to 64 MiB. Default 64 KiB. */
  readonly maxFileBytes?: number | undefined;
}

const DIRECTORY_SECRET_STORE_OPTIONS: OptionSchema<DirectorySecretStoreOptions> = {
  directory: nonEmptyString,
  format: oneOf('plain', 'base64'),
  // Checked below for path separators too.
  suffix: exactName,
  maxFileBytes: maxFileBytesRule,
};

// A secret ID names a file in the directory, never a path: no separators, no `.` or `..`, no NUL.
const UNSAFE_ID = /[/\\\0]/;

/** The longest file name Linux and macOS file systems take, in bytes (NAME_MAX). */
const MAX_FILE_NAME_BYTES = 255;

/**
 * Secrets held in a directory, one file per secret ID, like ForgeRock Identity Gateway's FileSystemSecretStore
 * (`keystore.pass` holds the secret ID `keystore.pass`). A missing file means the store does not know the
 * ID; a file is read when a resolver asks for its secret. Plain files are used byte for byte, so a
 * trailing newline is part of the secret (`echo -n` writes none). Values are shared secrets: HMAC or AES
 * keys, or the passwords of other stores. A file that is key material of another kind (a PEM public
 * key, a DER key, a JWK's JSON) is refused by the secrets provider when a resolver would verify or
 * decrypt with it (a PEM key belongs in `pemSecretStore`); as another store's password it is read as it is.
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
  const directoryInMessage = filePathInMessage(directory);
  // Node would throw a TypeError of its own: no path can hold a NUL character.
  requireOption(
    !directory.includes('\0'),
    'directorySecretStore.directory',
    'must not hold a NUL character (no path can)',
  );
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
  const maxBytes = maxFileBytesOption(options.maxFileBytes, 64 * 1024, 'directorySecretStore.maxFileBytes');
  requireOption(
    statOrUndefined(directory, 'directorySecretStore.directory')?.isDirectory() === true,
    'directorySecretStore.directory',
    `${directoryInMessage} is not a directory`,
  );
  return {
    name: `directorySecretStore(${directoryInMessage})`,
    keys(secretId) {
      if (secretId === '.' || secretId === '..' || UNSAFE_ID.test(secretId)) return undefined;
      const fileName = `${secretId}${suffix}`;
      // No file name is longer (NAME_MAX): such an ID, the secret itself given as its ID, say, is unknown.
      if (Buffer.byteLength(fileName) > MAX_FILE_NAME_BYTES) return undefined;
      const file = join(directory, fileName);
      if (statOrUndefined(file, 'directorySecretStore') === undefined) return undefined;
      const content = readBoundedFile(file, maxBytes, 'directorySecretStore');
      const fileInMessage = filePathInMessage(file);
      const bytes =
        options.format === 'plain'
          ? new Uint8Array(content)
          : // A byte order mark (Windows editors write one; PowerShell 5 writes UTF-16) is no part of base64 text.
            decodeBase64(textWithoutByteOrderMark(content));
      if (bytes === undefined)
        throw new RsConfigError('directorySecretStore', `${fileInMessage} is not base64`);
      if (bytes.byteLength === 0)
        throw new RsConfigError('directorySecretStore', `${fileInMessage} is empty`);
      return [octKey(bytes, fileInMessage)];
    },
  };
}

/**
 * `statSync`, `undefined` when nothing is there; any other failure (a name too long, no permission) is an
 * {@link RsConfigError} rather than Node's own error, whose message would repeat the path.
 */
function statOrUndefined(path: string, option: string): Stats | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') return undefined;
    throw new RsConfigError(option, `cannot read ${filePathInMessage(path)}: ${code ?? 'error'}`);
  }
}
