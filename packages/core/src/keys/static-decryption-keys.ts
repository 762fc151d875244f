import { base64url, importJWK, type JSONWebKeySet, type JWK, type CryptoKey as WebCryptoKey } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { isObject } from '../encoding/json-object.js';
import { success } from '../errors/failure.js';
import type { DecryptionKeySelector, DescribedDecryptionKeySource } from './decryption-key-source.js';
import {
  CONTENT_ENCRYPTION_KEY_BYTES,
  keyWrapBytes,
  SUPPORTED_KEY_MANAGEMENT_ALGORITHMS,
} from './jwe-algorithms.js';
import { MAX_JWKS_KEYS } from './jwk-index.js';
import { privateJwkProblem } from './private-jwk-problem.js';
import { MIN_RSA_BITS, rsaKeyProblem } from './rsa-key-checks.js';
import { MAX_KEYS_TRIED } from './verification-key-source.js';

// Declared beside DecryptionKeySource, so that checking a source's purpose need not load this file;
// still exported from here, where the root entry and callers found them.
export {
  type DescribedDecryptionKeySource,
  isDescribedDecryptionKeySource,
} from './decryption-key-source.js';

// jose's CryptoKey type: the declarations then compile without the DOM lib.
type DecryptionKey = WebCryptoKey | Uint8Array;

interface KeyEntry {
  readonly kid: string | undefined;
  /**
   * For a token without `kid` (or whose `kid` no key carries): 0 for a JWK naming an `alg` (it serves
   * only that one, so it names the token's), 1 for a JWK marked `use: "enc"`, 2 for any other key.
   */
  readonly rank: number;
  serves(alg: string, enc: string): boolean;
  keyFor(alg: string): Promise<DecryptionKey | undefined>;
}

/**
 * Decryption keys given in configuration: a JWK set of private keys (`RSA` for RSA-OAEP, `EC`/`OKP`
 * X25519 for ECDH-ES) and `oct` shared secrets, or WebCrypto keys and raw secret bytes. Each key is
 * offered only for the algorithms it can serve; a token's `kid` picks the key carrying it, else the keys
 * that carry none. Of those, at most {@link MAX_KEYS_TRIED} are offered, as for signed tokens: for a
 * token without `kid` (or whose `kid` no key carries), the keys that name its `alg` first, then those
 * marked `use: "enc"`, then the rest, each group in the order given; a key ranked beyond is never tried.
 *
 * Throws {@link RsConfigError} when no key can decrypt, and for a private JWK that could never decrypt:
 * an RSA key under {@link MIN_RSA_BITS} bits or with an unsound exponent, or key material WebCrypto could
 * not import ({@link privateJwkProblem}: a `d` not of its curve's length or all zero, an RSA key without
 * its CRT members). Keys are imported at the first token; without this check such a key would answer
 * every token 401 `unknown_key`. Messages name the key by `kid` (or position), never its material.
 *
 * @example
 * ```ts
 * // Access Management's direct encryption (`dir` + A128CBC-HS256) uses one 32-byte AES secret.
 * const decryption = staticDecryptionKeys([new Uint8Array(32)]);
 * ```
 */
export function staticDecryptionKeys(
  keys: JSONWebKeySet | readonly DecryptionKey[],
): DescribedDecryptionKeySource {
  const list: unknown = Array.isArray(keys) ? keys : (keys as Partial<JSONWebKeySet> | undefined)?.keys;
  requireOption(
    Array.isArray(list) && list.length > 0,
    'staticDecryptionKeys',
    'give a JWK set or a non-empty array of keys',
  );
  requireOption(list.length <= MAX_JWKS_KEYS, 'staticDecryptionKeys', `at most ${MAX_JWKS_KEYS} keys`);
  const entries = list
    .map((key, position) => entryFor(key, position))
    .filter((entry): entry is KeyEntry => entry !== undefined);
  if (entries.length === 0) {
    throw new RsConfigError(
      'staticDecryptionKeys',
      'no key can decrypt: give private keys (RSA, EC, X25519) or secrets (oct, AES keys, bytes)',
    );
  }
  // Stable: keys of one rank stay in the order given (the active key first).
  const ranked = [...entries].sort((a, b) => a.rank - b.rank);
  const served = new Set(
    [...SUPPORTED_KEY_MANAGEMENT_ALGORITHMS].filter((alg) =>
      entries.some((entry) =>
        Object.keys(CONTENT_ENCRYPTION_KEY_BYTES).some((enc) => entry.serves(alg, enc)),
      ),
    ),
  );
  return {
    keyManagementAlgorithms: served,
    // WebCrypto keys cannot be exported to describe them: such a source has no namespace.
    cacheNamespace: cacheNamespaceOf('staticDecryptionKeys', list),
    async keysFor(selector: DecryptionKeySelector) {
      const named = selector.kid === undefined ? [] : entries.filter((entry) => entry.kid === selector.kid);
      const candidates =
        named.length > 0 || selector.kidOnly === true
          ? named
          : ranked.filter((entry) => selector.kid === undefined || entry.kid === undefined);
      const found: DecryptionKey[] = [];
      for (const entry of candidates) {
        // No more keys than a token is tried against, none imported beyond: forged tokens cost nothing.
        if (found.length === MAX_KEYS_TRIED) break;
        if (!entry.serves(selector.alg, selector.enc)) continue;
        const key = await entry.keyFor(selector.alg);
        if (key !== undefined) found.push(key);
      }
      return success(found);
    },
  };
}

function entryFor(key: unknown, position: number): KeyEntry | undefined {
  if (key instanceof Uint8Array) return secretEntry(key, undefined, undefined, 2);
  if (isCryptoKey(key)) return cryptoKeyEntry(key);
  if (isObject(key)) return jwkEntry(key as JWK, position);
  return undefined;
}

function isCryptoKey(key: unknown): key is CryptoKey {
  return typeof CryptoKey !== 'undefined' && key instanceof CryptoKey;
}

/** A shared secret: direct encryption with a content key of its size, or AES key wrap of its size. */
function secretEntry(
  bytes: Uint8Array,
  kid: string | undefined,
  jwkAlg: string | undefined,
  rank: number,
): KeyEntry {
  return {
    kid,
    rank,
    serves: (alg, enc) =>
      (jwkAlg === undefined || jwkAlg === alg || (alg === 'dir' && jwkAlg === enc)) &&
      secretServes(bytes.byteLength, alg, enc),
    keyFor: async () => bytes,
  };
}

function secretServes(length: number, alg: string, enc: string): boolean {
  if (alg === 'dir') return CONTENT_ENCRYPTION_KEY_BYTES[enc] === length;
  if (alg.startsWith('PBES2')) return length > 0;
  return !alg.startsWith('ECDH') && keyWrapBytes(alg) === length;
}

function cryptoKeyEntry(key: CryptoKey): KeyEntry | undefined {
  if (key.type === 'public') return undefined;
  const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm & AesKeyAlgorithm>;
  if (algorithm.modulusLength !== undefined && algorithm.modulusLength < MIN_RSA_BITS)
    throw new RsConfigError(
      'staticDecryptionKeys',
      `an RSA key of ${algorithm.modulusLength} bits: RSA keys need ${MIN_RSA_BITS} bits or more`,
    );
  const serves = (alg: string, enc: string): boolean => {
    switch (algorithm.name) {
      case 'RSA-OAEP':
        return alg === rsaOaepName(algorithm.hash?.name);
      case 'ECDH':
      case 'X25519':
        return alg.startsWith('ECDH-ES');
      case 'AES-KW':
        return alg === `A${algorithm.length}KW`;
      case 'AES-GCM':
        return alg === `A${algorithm.length}GCMKW` || (alg === 'dir' && enc === `A${algorithm.length}GCM`);
      default:
        return false;
    }
  };
  return { kid: undefined, rank: 2, serves, keyFor: async () => key };
}

function rsaOaepName(hash: string | undefined): string | undefined {
  if (hash === 'SHA-1') return 'RSA-OAEP';
  return hash?.startsWith('SHA-') ? `RSA-OAEP-${hash.slice(4)}` : undefined;
}

const DECRYPTING_OPS = ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'];
const ECDH_CURVES: ReadonlySet<unknown> = new Set(['P-256', 'P-384', 'P-521', 'X25519']);

function jwkEntry(jwk: JWK, position: number): KeyEntry | undefined {
  if (typeof jwk.kty !== 'string') return undefined;
  if (jwk.use !== undefined && jwk.use !== 'enc') return undefined;
  if (
    jwk.key_ops !== undefined &&
    !(Array.isArray(jwk.key_ops) && jwk.key_ops.some((op) => DECRYPTING_OPS.includes(op)))
  )
    return undefined;
  const kid = typeof jwk.kid === 'string' ? jwk.kid : undefined;
  const jwkAlg = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  // A key that names its algorithm is the issuer's own statement; `use: "enc"` is the next best hint.
  const rank = jwkAlg !== undefined ? 0 : jwk.use === 'enc' ? 1 : 2;
  if (jwk.kty === 'oct') {
    const bytes = decodeSecret(jwk.k);
    return bytes === undefined ? undefined : secretEntry(bytes, kid, jwkAlg, rank);
  }
  // Only private keys decrypt; a public key here is a configuration slip, left out like an unusable key.
  if (typeof jwk.d !== 'string') return undefined;
  let family: (alg: string) => boolean;
  if (jwk.kty === 'RSA') family = (alg) => alg.startsWith('RSA-OAEP');
  else if ((jwk.kty === 'EC' || jwk.kty === 'OKP') && ECDH_CURVES.has(jwk.crv))
    family = (alg) => alg.startsWith('ECDH-ES');
  else return undefined;
  // A weak RSA key, or one WebCrypto could not import, is refused now, by name: the import is lazy, so
  // left alone it would fail at the first token, and every token after, as 401 unknown_key.
  const problem = (jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : undefined) ?? privateJwkProblem(jwk);
  if (problem !== undefined)
    throw new RsConfigError(
      'staticDecryptionKeys',
      `key ${kid === undefined ? `#${position}` : `"${kid}"`}: ${problem}`,
    );
  const { key_ops: _ops, use: _use, alg: _alg, ...material } = jwk;
  const imported = new Map<string, Promise<CryptoKey | undefined>>();
  return {
    kid,
    rank,
    serves: (alg) => family(alg) && (jwkAlg === undefined || jwkAlg === alg),
    keyFor(alg) {
      // WebCrypto binds an RSA key to its OAEP hash, but one ECDH key serves every ECDH-ES variant.
      const importAs = alg.startsWith('ECDH-ES') ? 'ECDH-ES' : alg;
      let pending = imported.get(importAs);
      if (pending === undefined) {
        // A key that fails to import is unusable, not fatal: the other keys are still tried.
        pending = importJWK(material, importAs, { extractable: false }).then(
          (key) => (key instanceof Uint8Array ? undefined : key),
          () => undefined,
        );
        imported.set(importAs, pending);
      }
      return pending;
    },
  };
}

function decodeSecret(k: unknown): Uint8Array | undefined {
  if (typeof k !== 'string' || k.length === 0) return undefined;
  try {
    return base64url.decode(k);
  } catch {
    return undefined;
  }
}
