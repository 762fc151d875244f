import { RsConfigError, requireOption } from '../config/config-error.js';
import { checkOptions, nonEmptyString, type OptionSchema, stringOrStrings } from '../config/option-schema.js';
import { stringSetOption } from '../config/option-values.js';
import { MAX_DOCUMENT_DEPTH, parseBoundedJson } from '../encoding/bounded-json.js';
import { isObject } from '../encoding/json-object.js';
import { jwkSetKeys } from '../secrets/jwk-set-store.js';
import type { SecretStore } from '../secrets/secret-store.js';
import { filePathInMessage } from '../secrets/shown-in-messages.js';
import {
  maxFileBytesOption,
  maxFileBytesRule,
  readBoundedFile,
  textWithoutByteOrderMark,
} from './bounded-file.js';

/** Options of {@link jwkSetFileStore}. */
export interface JwkSetFileStoreOptions {
  /**
   * A JSON file holding a JWK set (`{ "keys": [...] }`): public, private or `oct` keys. It may open with a
   * byte order mark, and be UTF-16 when it does (as Windows PowerShell 5 writes it).
   */
  readonly file: string;
  /** The secret IDs this store answers. Default: every ID (keys are chosen by the token's `kid`). */
  readonly secretIds?: string | readonly string[] | undefined;
  /** Largest file read, in bytes: a whole number up to 64 MiB. Default 256 KiB. */
  readonly maxFileBytes?: number | undefined;
}

const JWK_SET_FILE_STORE_OPTIONS: OptionSchema<JwkSetFileStoreOptions> = {
  file: nonEmptyString,
  secretIds: stringOrStrings,
  maxFileBytes: maxFileBytesRule,
};

/**
 * A JWK set read from a file when the store is built, answering like {@link jwkSetStore}: keys are chosen
 * by the token's `kid`, whatever the secret ID. Private keys verify through their public half and decrypt;
 * `oct` keys verify HMAC tokens or decrypt `dir` and `A*KW` tokens.
 *
 * @example
 * ```ts
 * const store = jwkSetFileStore({ file: '/etc/rs/jwks.json', secretIds: ['am.signing'] });
 * ```
 */
export function jwkSetFileStore(options: JwkSetFileStoreOptions): SecretStore {
  checkOptions(options, JWK_SET_FILE_STORE_OPTIONS, 'jwkSetFileStore');
  requireOption(
    isObject(options) && typeof options.file === 'string' && options.file.length > 0,
    'jwkSetFileStore.file',
    'is required',
  );
  const { file } = options;
  const maxBytes = maxFileBytesOption(options.maxFileBytes, 256 * 1024, 'jwkSetFileStore.maxFileBytes');
  const secretIds = stringSetOption(options.secretIds, 'jwkSetFileStore.secretIds', false);
  // A byte order mark (Windows editors write one; PowerShell 5 writes UTF-16) is no part of the JSON.
  const text = textWithoutByteOrderMark(readBoundedFile(file, maxBytes, 'jwkSetFileStore.file'));
  // The file was read, so `file` is a path; it is still shown only if it looks like one, as everywhere.
  const shown = filePathInMessage(file);
  // Nesting is checked before parsing, as for a JWK set fetched from a URL: with maxFileBytes raised, a
  // file of nested arrays would take seconds and hundreds of megabytes to parse before any check ran.
  const read = parseBoundedJson(text, MAX_DOCUMENT_DEPTH);
  if (!read.ok)
    throw new RsConfigError(
      'jwkSetFileStore.file',
      read.problem === 'invalid'
        ? `${shown} is not JSON`
        : `${shown} nests objects and arrays deeper than ${MAX_DOCUMENT_DEPTH} levels`,
    );
  const name = `jwkSetFileStore(${shown})`;
  const keys = jwkSetKeys(read.value, name, 'jwkSetFileStore.file');
  return {
    name,
    keys: (secretId) => (secretIds === undefined || secretIds.has(secretId) ? keys : undefined),
  };
}
