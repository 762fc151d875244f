import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  arrayOf,
  checkOptions,
  exactName,
  nonEmptyString,
  type OptionSchema,
  recordOf,
  refuseGivenUndefined,
  shape,
  stringList,
} from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import { octKey } from '../secrets/secret-bytes.js';
import type { SecretKey, SecretStore } from '../secrets/secret-store.js';
import { type SecretValue, secretText, secretValue } from '../secrets/secret-value.js';
import { aliasInMessage, filePathInMessage } from '../secrets/shown-in-messages.js';
import { maxFileBytesOption, maxFileBytesRule, readBoundedFile } from './bounded-file.js';
import { keyObjectJwk } from './key-object-jwk.js';
import { nodeForge } from './node-forge.js';
import { type Pkcs12EntryContent, Pkcs12Error, type Pkcs12KeyStore, readPkcs12 } from './pkcs12-reader.js';

/**
 * Secret ID → keystore aliases, active first (ForgeRock Identity Gateway's KeyStoreSecretStore `mappings`).
 *
 * @example
 * ```ts
 * const mapping: Pkcs12Mapping = { secretId: 'am.signing', aliases: ['signing-2025', 'signing-2024'] };
 * ```
 */
export interface Pkcs12Mapping {
  /**
   * The secret ID resolvers ask for. Compared exactly: an empty ID, or one with white space at either
   * end or a control character, is refused.
   */
  readonly secretId: string;
  /**
   * The keystore aliases that hold the secret's keys, active first (case-insensitive, as in the JDK). A key
   * entry without a friendly name (`openssl pkcs12 -export` without `-name`) is `"1"`, `"2"`, … as
   * `keytool -list` shows it.
   */
  readonly aliases: readonly string[];
}

/** Options of {@link pkcs12SecretStore}. */
export interface Pkcs12SecretStoreOptions {
  /** The PKCS#12 keystore file (`.p12`, `.pfx`). */
  readonly file: string;
  /**
   * The store password: checks the keystore's integrity and decrypts its certificates. A string, or
   * `{ store, secretId }` to read it from another store.
   */
  readonly storePassword: SecretValue;
  /**
   * The password of key and secret-key entries. Default: the store password (keytool's only choice).
   * Leave it out to use the store password: given as `undefined` (an unset environment variable) it is
   * refused rather than silently replaced by the store password.
   */
  readonly keyEntryPassword?: SecretValue;
  /**
   * Passwords of particular entries, by alias, over `keyEntryPassword`. Every alias must be one a mapping
   * uses (case-insensitively): another is most often a misspelled alias, whose entry would be opened
   * with the wrong password. A password given as `undefined` is refused.
   */
  readonly entryPasswords?: Readonly<Record<string, SecretValue>> | undefined;
  /** Which entries serve which secret IDs. Only mapped entries are decrypted. */
  readonly mappings: readonly Pkcs12Mapping[];
  /** Largest keystore file read, in bytes: a whole number up to 64 MiB. Default 1 MiB. */
  readonly maxFileBytes?: number | undefined;
}

const PKCS12_SECRET_STORE_OPTIONS: OptionSchema<Pkcs12SecretStoreOptions> = {
  file: nonEmptyString,
  storePassword: secretValue,
  keyEntryPassword: secretValue,
  // recordOf checks every value, `undefined` included: `{ alias: undefined }` is refused.
  entryPasswords: recordOf(secretValue),
  mappings: arrayOf(shape<Pkcs12Mapping>({ secretId: exactName, aliases: stringList }), true),
  maxFileBytes: maxFileBytesRule,
};

// JDK key-algorithm OIDs of secret-key entries: AES keys encrypt, HMAC keys sign. The JWK `use` keeps
// each to its purpose, so an AES key mapped for verification is refused rather than used as an HMAC key.
// A secret key of any other algorithm (3DES, whose 24 bytes would pass for an AES-192 key) is refused.
const AES_OID = '2.16.840.1.101.3.4.1';
const HMAC_OIDS: ReadonlySet<string> = new Set([
  '1.2.840.113549.2.7',
  '1.2.840.113549.2.8',
  '1.2.840.113549.2.9',
  '1.2.840.113549.2.10',
  '1.2.840.113549.2.11',
]);
const JOSE_SECRET_KEY_OIDS: ReadonlySet<string> = new Set([AES_OID, ...HMAC_OIDS]);

/**
 * Keys from a PKCS#12 keystore, as written by `openssl pkcs12 -export` (OpenSSL 3 defaults or
 * `-legacy`) or JDK `keytool`: private-key entries (which verify through their public half and decrypt),
 * trusted-certificate entries (verify) and secret-key entries (`-genseckey`: AES keys decrypt, HMAC keys
 * verify). The file is read and every mapped entry decrypted when the store is built: a wrong password,
 * a missing alias or an unreadable file throws {@link RsConfigError} naming the file and the alias (the
 * file by its path only when that looks like one, never a base64 keystore given in its place).
 * Aliases are case-insensitive, as in the JDK.
 *
 * @example
 * ```ts
 * const env = envSecretStore({ env: process.env });
 * const keystore = pkcs12SecretStore({
 *   file: '/etc/rs/IG_keystore.p12',
 *   storePassword: { store: env, secretId: 'keystore.secret.id' },
 *   mappings: [{ secretId: 'stateless.access.token.verification.key', aliases: ['verification-key'] }],
 * });
 * ```
 */
export function pkcs12SecretStore(options: Pkcs12SecretStoreOptions): SecretStore {
  checkOptions(options, PKCS12_SECRET_STORE_OPTIONS, 'pkcs12SecretStore');
  // Without node-forge no keystore can be read: say so before looking at the file.
  nodeForge();
  requireOption(
    isObject(options) && typeof options.file === 'string' && options.file.length > 0,
    'pkcs12SecretStore.file',
    'is required',
  );
  // The path as error messages show it: never key material given in its place (a base64 keystore).
  const fileInMessage = filePathInMessage(options.file);
  requireOption(
    Array.isArray(options.mappings) && options.mappings.length > 0,
    'pkcs12SecretStore.mappings',
    `must map at least one secret ID to aliases of ${fileInMessage}`,
  );
  // Written out but unset (`process.env.KEY_PASSWORD`), it would silently become the store password.
  refuseGivenUndefined(
    options,
    'keyEntryPassword',
    'pkcs12SecretStore.keyEntryPassword',
    'is undefined: give the password of the key entries, or leave the option out to use the store password',
  );
  requireEntryPasswordsMapped(options.entryPasswords, options.mappings);
  const maxBytes = maxFileBytesOption(options.maxFileBytes, 1024 * 1024, 'pkcs12SecretStore.maxFileBytes');
  const storePassword = secretText(options.storePassword, 'pkcs12SecretStore.storePassword');
  const bytes = readBoundedFile(options.file, maxBytes, 'pkcs12SecretStore.file');
  const keystore = openKeystore(bytes, storePassword, fileInMessage);
  const name = `pkcs12SecretStore(${fileInMessage})`;
  const byId = new Map<string, readonly SecretKey[]>();
  for (const mapping of options.mappings) {
    requireOption(
      isObject(mapping) &&
        typeof mapping.secretId === 'string' &&
        mapping.secretId.length > 0 &&
        Array.isArray(mapping.aliases) &&
        mapping.aliases.length > 0 &&
        mapping.aliases.every((alias) => typeof alias === 'string' && alias.length > 0),
      'pkcs12SecretStore.mappings',
      'each mapping must be { secretId, aliases: [at least one alias] }',
    );
    const keys = mapping.aliases.map((alias) => {
      const [password, passwordOption] = entryPassword(options, alias, storePassword);
      return entryKey(keystore, alias, password, passwordOption, fileInMessage);
    });
    byId.set(mapping.secretId, [...(byId.get(mapping.secretId) ?? []), ...keys]);
  }
  return { name, keys: (secretId) => byId.get(secretId) };
}

/**
 * Refuses `entryPasswords` naming an alias no mapping uses, or one alias twice (aliases match
 * case-insensitively, so `Sig` and `sig` are one entry): either is most often a misspelled alias, whose
 * entry would then be opened with another password. Alias names are shown, as elsewhere; passwords never.
 */
function requireEntryPasswordsMapped(
  entryPasswords: Pkcs12SecretStoreOptions['entryPasswords'],
  mappings: readonly Pkcs12Mapping[],
): void {
  if (entryPasswords === undefined) return;
  const aliases = mappings.flatMap((mapping) => mapping.aliases);
  const mapped = new Set(aliases.map((alias) => alias.toLowerCase()));
  const seen = new Set<string>();
  for (const alias of Object.keys(entryPasswords)) {
    const key = alias.toLowerCase();
    requireOption(
      !seen.has(key),
      'pkcs12SecretStore.entryPasswords',
      `alias ${aliasInMessage(alias)} is given twice (aliases are case-insensitive)`,
    );
    seen.add(key);
    requireOption(
      mapped.has(key),
      'pkcs12SecretStore.entryPasswords',
      `alias ${aliasInMessage(alias)} is in no mapping (mapped aliases: ${[...new Set(aliases)].map(aliasInMessage).join(', ')}); is it misspelled?`,
    );
  }
}

function openKeystore(bytes: Uint8Array, password: string, fileInMessage: string): Pkcs12KeyStore {
  // A JKS (0xFEEDFEED) or JCEKS (0xCECECECE) keystore starts with a magic number; say so, with the
  // command that converts it, rather than "not PKCS#12".
  const javaKeystore = javaKeystoreType(bytes);
  if (javaKeystore !== undefined)
    throw new RsConfigError(
      'pkcs12SecretStore.file',
      `${fileInMessage} is a ${javaKeystore} keystore: convert it with keytool -importkeystore -srcstoretype ${javaKeystore} -deststoretype PKCS12`,
    );
  const text = keystoreTextKind(bytes);
  if (text !== undefined)
    throw new RsConfigError(
      'pkcs12SecretStore.file',
      text === 'PEM'
        ? `${fileInMessage} holds PEM text, not a PKCS#12 keystore: give PEM files to pemSecretStore, or make a keystore of them with openssl pkcs12 -export`
        : `${fileInMessage} holds base64 text, not a PKCS#12 keystore: write the decoded bytes to the file (base64 -d)`,
    );
  try {
    return readPkcs12(bytes, password);
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error;
    const option =
      error.code === 'ERR_RS_PKCS12_PASSWORD' ? 'pkcs12SecretStore.storePassword' : 'pkcs12SecretStore.file';
    // The Pkcs12Error as `cause`: its code (`ERR_RS_PKCS12_PASSWORD`, `…_FORMAT`) says which check failed.
    throw new RsConfigError(option, `${fileInMessage}: ${error.message}${lineBreakHint(error, password)}`, {
      cause: error,
    });
  }
}

/** The JDK's own keystore formats, told by their first four bytes: PKCS#12 has none (it is DER). */
function javaKeystoreType(bytes: Uint8Array): 'JKS' | 'JCEKS' | undefined {
  if (bytes.length < 4) return undefined;
  const magic = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (magic === 0xfeedfeed) return 'JKS';
  return magic === 0xcececece ? 'JCEKS' : undefined;
}

// The standard and URL-safe base64 alphabets, padding, and the white space of line-wrapped base64.
const BASE64_TEXT = /^[A-Za-z0-9+/=_\-\s]+$/;

/**
 * Whether a keystore file is text a keystore was mistaken for: PEM (a key or certificate, or `openssl
 * pkcs12 -nodes` output), or the keystore in base64 (as a Kubernetes secret manifest or Identity Gateway's
 * Base64EncodedSecretStore holds it). A PKCS#12 file is DER and starts with a SEQUENCE tag, which neither
 * text can; the file's content is never repeated.
 */
function keystoreTextKind(bytes: Uint8Array): 'PEM' | 'base64' | undefined {
  if (bytes.length === 0 || bytes[0] === 0x30) return undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (/^\s*-----BEGIN /.test(text)) return 'PEM';
  return BASE64_TEXT.test(text) && /[A-Za-z0-9]/.test(text) ? 'base64' : undefined;
}

/**
 * Why a password that looks right fails: it ends with a line break, as a password file written with
 * `echo` does (Identity Gateway's guides write `keystore.pass` that way, and read it whole). The password
 * is never shown; its last character is named.
 */
function lineBreakHint(error: Pkcs12Error, password: string): string {
  if (error.code !== 'ERR_RS_PKCS12_PASSWORD' || !/[\r\n]$/.test(password)) return '';
  return '; the password ends with a line break (a file written by echo): write it with printf, or without the final newline';
}

function entryPassword(
  options: Pkcs12SecretStoreOptions,
  alias: string,
  storePassword: string,
): [string, string] {
  const perEntry =
    options.entryPasswords === undefined ? undefined : findAlias(options.entryPasswords, alias);
  if (perEntry !== undefined) {
    const option = 'pkcs12SecretStore.entryPasswords';
    return [secretText(perEntry, option), option];
  }
  if (options.keyEntryPassword !== undefined) {
    const option = 'pkcs12SecretStore.keyEntryPassword';
    return [secretText(options.keyEntryPassword, option), option];
  }
  return [storePassword, 'pkcs12SecretStore.storePassword'];
}

function findAlias<T>(byAlias: Readonly<Record<string, T>>, alias: string): T | undefined {
  const wanted = alias.toLowerCase();
  const match = Object.keys(byAlias).find((candidate) => candidate.toLowerCase() === wanted);
  return match === undefined ? undefined : byAlias[match];
}

function entryKey(
  keystore: Pkcs12KeyStore,
  alias: string,
  password: string,
  passwordOption: string,
  fileInMessage: string,
): SecretKey {
  let content: Pkcs12EntryContent | undefined;
  try {
    content = keystore.open(alias, password);
  } catch (error) {
    if (!(error instanceof Pkcs12Error)) throw error;
    const option = error.code === 'ERR_RS_PKCS12_PASSWORD' ? passwordOption : 'pkcs12SecretStore.file';
    throw new RsConfigError(
      option,
      `${fileInMessage} alias ${aliasInMessage(alias)}: ${error.message}${lineBreakHint(error, password)}`,
      { cause: error },
    );
  }
  if (content === undefined)
    throw new RsConfigError(
      'pkcs12SecretStore.mappings',
      `${fileInMessage} has no entry with alias ${aliasInMessage(alias)} (aliases: ${aliasesInMessage(keystore.aliases)})`,
    );
  const origin = `${fileInMessage} alias ${aliasInMessage(alias)}`;
  if (content.kind === 'secret-key' && !JOSE_SECRET_KEY_OIDS.has(content.algorithm))
    throw new RsConfigError(
      'pkcs12SecretStore.mappings',
      `${origin} holds a secret key of an algorithm JOSE does not use (OID ${content.algorithm}): only AES ` +
        '(keytool -genseckey -keyalg AES) and HMAC (-keyalg HmacSHA256, …) secret keys serve',
    );
  const jwk = contentJwk(content);
  if (jwk === undefined)
    throw new RsConfigError('pkcs12SecretStore.mappings', `${origin} holds a key that JOSE cannot use`);
  const problem = jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : undefined;
  if (problem !== undefined)
    throw new RsConfigError(
      'pkcs12SecretStore.mappings',
      `${origin} holds an RSA key that is refused: ${problem}`,
    );
  return { jwk, origin };
}

// Enough to spot the alias meant; a keystore of thousands of entries would otherwise fill the message.
const MAX_ALIASES_SHOWN = 20;

/**
 * The aliases a keystore holds, for the message about one it lacks: each as {@link aliasInMessage} shows
 * an alias, since they are the file's text. A friendly name holding a line break would otherwise forge a
 * log line, and one holding key material would be repeated.
 */
function aliasesInMessage(aliases: readonly string[]): string {
  if (aliases.length === 0) return 'none';
  const shown = aliases.slice(0, MAX_ALIASES_SHOWN).map(aliasInMessage);
  if (aliases.length > MAX_ALIASES_SHOWN) shown.push(`${aliases.length - MAX_ALIASES_SHOWN} more`);
  return shown.join(', ');
}

function contentJwk(content: Pkcs12EntryContent): JWK | undefined {
  try {
    switch (content.kind) {
      case 'private-key':
        return keyObjectJwk(createPrivateKey({ key: content.privateKeyInfo, format: 'der', type: 'pkcs8' }));
      case 'trusted-certificate':
        return keyObjectJwk(new X509Certificate(content.certificate).publicKey);
      case 'secret-key': {
        const { jwk } = octKey(content.key, '');
        return content.algorithm === AES_OID ? { ...jwk, use: 'enc' } : { ...jwk, use: 'sig' };
      }
    }
  } catch {
    return undefined;
  }
}
