import { RsConfigError, requireOption } from '../config/config-error.js';
import { integerBetween, type OptionSchema, stringList } from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { type Failure, type Outcome, refusal, success } from '../errors/failure.js';
import {
  type DecryptionKeySelector,
  type DecryptionKeySource,
  isDescribedDecryptionKeySource,
} from '../keys/decryption-key-source.js';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
  SUPPORTED_KEY_MANAGEMENT_ALGORITHMS,
} from '../keys/jwe-algorithms.js';
import { requireDecryptionKeySources } from '../keys/key-source-purpose.js';
import { MAX_KEYS_TRIED } from '../keys/verification-key-source.js';
import {
  decodeJweHeader,
  decryptCompactJwe,
  decryptionFailure,
  type JwePolicy,
  type UntrustedJweHeader,
} from './compact-jwe.js';

/** Settings of encrypted-token decryption; the option names are those of `jwtResolver`. */
export interface JweDecryptionOptions {
  /** Accepted key-management algorithms (`alg`). Default: all but PBES2; `RSA1_5` is never accepted. */
  readonly keyManagementAlgorithms?: readonly string[] | undefined;
  /** Accepted content-encryption algorithms (`enc`). Default: A128/192/256CBC-HS*, A128/192/256GCM. */
  readonly contentEncryptionAlgorithms?: readonly string[] | undefined;
  /** Largest size `zip: "DEF"` may inflate to, in bytes (at most 1 MiB); `0` refuses compressed tokens. Default 32 KiB. */
  readonly maxDecompressedBytes?: number | undefined;
}

// A token inflating to more is no access token: every inflation would cost that much memory and time.
const MAX_DECOMPRESSED_BYTES_LIMIT = 1024 * 1024;

/** The rules of {@link JweDecryptionOptions}, part of the schema of `jwtResolver`. */
export const JWE_DECRYPTION_OPTIONS: OptionSchema<JweDecryptionOptions> = {
  keyManagementAlgorithms: stringList,
  contentEncryptionAlgorithms: stringList,
  maxDecompressedBytes: integerBetween(0, MAX_DECOMPRESSED_BYTES_LIMIT),
};

/** A JWE that opened with a configured key: its header and plaintext. */
export interface DecryptedJwe {
  readonly header: UntrustedJweHeader;
  readonly plaintext: Uint8Array;
}

/**
 * Decrypts compact JWEs with the keys of configured sources, within the configured allow-lists: at most
 * {@link MAX_KEYS_TRIED} keys per token, the sources' best first, as for signed tokens.
 */
export interface JweDecryptor {
  decrypt(token: string, now: number): Promise<Outcome<DecryptedJwe>>;
}

/** The decompression cap Access Management applies to compressed JWTs. */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 32 * 1024;

/**
 * Builds a {@link JweDecryptor}, checking the sources and allow-lists at start-up: `sourceOption` names
 * the option the sources came from, `prefix` the resolver (`jwt`). A verification key source given as a
 * decryption source (`staticJwks(…)` where `staticDecryptionKeys(…)` belongs) is refused.
 */
export function jweDecryptor(
  sources: readonly DecryptionKeySource[],
  options: JweDecryptionOptions,
  sourceOption: string,
  prefix: string,
): JweDecryptor {
  requireOption(sources.length > 0, sourceOption, 'at least one decryption key source is required');
  for (const source of sources) {
    requireOption(
      typeof source?.keysFor === 'function',
      sourceOption,
      'each entry must be a decryption key source such as staticDecryptionKeys(…)',
    );
  }
  requireDecryptionKeySources(sources, sourceOption);
  const policy: JwePolicy = {
    keyManagementAlgorithms: keyManagementAlgorithms(
      sources,
      options.keyManagementAlgorithms,
      sourceOption,
      prefix,
    ),
    contentEncryptionAlgorithms: contentEncryptionAlgorithms(options.contentEncryptionAlgorithms, prefix),
    maxDecompressedBytes: maxDecompressedBytes(options.maxDecompressedBytes, prefix),
  };

  return {
    async decrypt(token, now) {
      const decoded = decodeJweHeader(token, policy);
      if (!decoded.ok) return decoded;
      const header = decoded.value;
      // The sources rank their keys best first; no more than MAX_KEYS_TRIED are tried in all, so a forged
      // token, above all one without `kid`, costs at most that many decryptions however many keys there
      // are. Once the first sources offer that many, the others are not asked. A token with `kid` is first
      // offered the keys of that `kid` from every source, so that one source's unnamed keys (a rotation of
      // raw secrets, which carry no `kid`) cannot fill the tries before another source's named key.
      const selector = keySelectorOf(token, header);
      const keys: (CryptoKey | Uint8Array)[] = [];
      let unavailable: Failure | undefined;
      const gather = async (wanted: DecryptionKeySelector) => {
        for (const source of sources) {
          if (keys.length >= MAX_KEYS_TRIED) break;
          const found = await source.keysFor(wanted, now);
          if (found.ok) keys.push(...found.value.slice(0, MAX_KEYS_TRIED - keys.length));
          else unavailable ??= found.failure;
        }
      };
      if (header.kid !== undefined) await gather({ ...selector, kidOnly: true });
      if (keys.length === 0) {
        unavailable = undefined;
        await gather(selector);
      }
      if (keys.length === 0 && (selector.epkCurve ?? selector.encryptedKeyBytes) !== undefined) {
        // Keys of its algorithm exist, but its `epk` curve or encrypted-key length rules each out: it was
        // made for none of them, as a tampered token is, and answers as one does.
        unavailable = undefined;
        await gather({ alg: header.alg, enc: header.enc, kid: header.kid });
        if (keys.length > 0) return decryptionFailure();
      }
      if (keys.length === 0) {
        if (unavailable !== undefined) return { ok: false, failure: unavailable };
        return refusal('unknown_key', 'No decryption key matches the encrypted token');
      }
      const plaintext = await decryptCompactJwe(token, keys, policy);
      return plaintext.ok ? success({ header, plaintext: plaintext.value }) : plaintext;
    },
  };
}

/**
 * What chooses the keys for `token`: its `alg`, `enc` and `kid`, and what the key-management input says
 * of the key that made it: the curve of an ECDH-ES `epk`, the length of an RSA-OAEP encrypted key (its
 * modulus length). A token without `kid` is tried against a few keys only, so a key that could not open
 * it (on another curve, of another size) must not take the place of one that could.
 */
function keySelectorOf(token: string, header: UntrustedJweHeader): DecryptionKeySelector {
  const { alg, enc, kid } = header;
  if (alg.startsWith('ECDH-ES')) {
    const epk = header.raw.epk;
    const curve = isObject(epk) && typeof epk.crv === 'string' ? epk.crv : undefined;
    return { alg, enc, kid, epkCurve: curve };
  }
  if (alg.startsWith('RSA-OAEP')) {
    // Canonical base64url (checked with the header): every 4 characters are 3 bytes, 2 or 3 left over 1 or 2.
    const firstDot = token.indexOf('.');
    const characters = token.indexOf('.', firstDot + 1) - firstDot - 1;
    return { alg, enc, kid, encryptedKeyBytes: Math.floor((characters * 3) / 4) };
  }
  return { alg, enc, kid };
}

function keyManagementAlgorithms(
  sources: readonly DecryptionKeySource[],
  configured: readonly string[] | undefined,
  sourceOption: string,
  prefix: string,
): ReadonlySet<string> {
  const option = `${prefix}.keyManagementAlgorithms`;
  const list = configured ?? DEFAULT_KEY_MANAGEMENT_ALGORITHMS;
  requireOption(Array.isArray(list) && list.length > 0, option, 'must be a non-empty array');
  for (const alg of list) {
    if (alg === 'RSA1_5') throw new RsConfigError(option, '"RSA1_5" is never accepted (RFC 8725 §3.2)');
    requireOption(
      typeof alg === 'string' && SUPPORTED_KEY_MANAGEMENT_ALGORITHMS.has(alg),
      option,
      `"${String(alg)}" is not a supported JWE key-management algorithm`,
    );
  }
  // Sources that say what their keys serve let a mismatch surface now rather than as 401s in production.
  if (!sources.every(isDescribedDecryptionKeySource)) return new Set(list);
  const served = new Set(sources.flatMap((source) => [...source.keyManagementAlgorithms]));
  if (configured !== undefined) {
    const orphan = configured.find((alg) => !served.has(alg));
    requireOption(orphan === undefined, option, `no configured decryption key can serve "${orphan}"`);
    return new Set(configured);
  }
  const usable = list.filter((alg) => served.has(alg));
  requireOption(
    usable.length > 0,
    sourceOption,
    'no key can serve an allowed key-management algorithm (PBES2 must be listed in keyManagementAlgorithms)',
  );
  return new Set(usable);
}

function contentEncryptionAlgorithms(
  configured: readonly string[] | undefined,
  prefix: string,
): ReadonlySet<string> {
  if (configured === undefined) return new Set(CONTENT_ENCRYPTION_ALGORITHMS);
  const option = `${prefix}.contentEncryptionAlgorithms`;
  requireOption(Array.isArray(configured) && configured.length > 0, option, 'must be a non-empty array');
  for (const enc of configured) {
    requireOption(
      CONTENT_ENCRYPTION_ALGORITHMS.includes(enc),
      option,
      `"${String(enc)}" is not a supported JWE content-encryption algorithm`,
    );
  }
  return new Set(configured);
}

function maxDecompressedBytes(value: number | undefined, prefix: string): number {
  if (value === undefined) return DEFAULT_MAX_DECOMPRESSED_BYTES;
  requireOption(
    Number.isSafeInteger(value) && value >= 0 && value <= MAX_DECOMPRESSED_BYTES_LIMIT,
    `${prefix}.maxDecompressedBytes`,
    `must be an integer from 0 (refusing compressed tokens) to ${MAX_DECOMPRESSED_BYTES_LIMIT}`,
  );
  return value;
}
