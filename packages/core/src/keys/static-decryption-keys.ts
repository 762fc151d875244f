import { base64url, importJWK, type JSONWebKeySet, type JWK, type CryptoKey as WebCryptoKey } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { isObject } from '../encoding/json-object.js';
import { kidLabel } from '../encoding/quoted-excerpt.js';
import { success } from '../errors/failure.js';
import { certificateKeyProblem } from './certificate-key-match.js';
import type { DecryptionKeySelector, DescribedDecryptionKeySource } from './decryption-key-source.js';
import {
  CONTENT_ENCRYPTION_KEY_BYTES,
  keyWrapBytes,
  SUPPORTED_KEY_MANAGEMENT_ALGORITHMS,
} from './jwe-algorithms.js';
import { MAX_JWKS_KEYS } from './jwk-index.js';
import { type JwkPurposeProblem, jwkPurposeProblem, keyTypeFitsKeyManagement } from './jwk-purpose.js';
import { privateJwkProblem } from './private-jwk-problem.js';
import { MIN_RSA_BITS } from './rsa-key-checks.js';
import { publicMembersProblem } from './verification-jwk.js';
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
  /**
   * Whether the token's key-management input could have been made for this key: an ECDH-ES `epk` on
   * its curve, an RSA-OAEP encrypted key as long as its modulus (see {@link DecryptionKeySelector}).
   */
  fits(selector: DecryptionKeySelector): boolean;
  keyFor(alg: string): Promise<DecryptionKey | undefined>;
}

/**
 * Decryption keys given in configuration: a JWK set of private keys (`RSA` for RSA-OAEP, `EC`/`OKP`
 * X25519 for ECDH-ES) and `oct` shared secrets, or WebCrypto keys and raw secret bytes. Each key is
 * offered only for the algorithms it can serve, and only for a token it could have been used for (an
 * ECDH-ES `epk` on its curve, an RSA-OAEP encrypted key of its modulus length); a token's `kid` picks
 * the key carrying it, else the keys that carry none. Of those, at most {@link MAX_KEYS_TRIED} are
 * offered, as for signed tokens: for a token without `kid` (or whose `kid` no key carries), the keys that
 * name its `alg` first, then those marked `use: "enc"`, then the rest, each group in the order given; a
 * key ranked beyond is never tried.
 *
 * Throws {@link RsConfigError} when no key can decrypt (saying why each JWK was left out), and for a key
 * that could never decrypt ({@link decryptionJwkProblem}): members that contradict its purpose or that
 * WebCrypto would refuse (`key_ops` also for signing or not unique, `ext` not a boolean, an `alg` of
 * another key type), an RSA key under {@link MIN_RSA_BITS} bits or with an unsound exponent, an EC point
 * off its curve, private key material WebCrypto could not import ({@link privateJwkProblem}), or a
 * `CryptoKey` whose usages do not allow decrypting. Keys are imported at the first token (only their key
 * material, so that no other member can fail the import); without these checks such a key would answer
 * every token 401 `unknown_key`. A JWK marked for signatures (`use`, `key_ops`, a JWS `alg`) or a public
 * key is left out, as in a set that holds both. Messages name the key by `kid` (or position), never its
 * material.
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
  const leftOut: string[] = [];
  const entries = list
    .map((key, position) => entryFor(key, position, leftOut))
    .filter((entry): entry is KeyEntry => entry !== undefined);
  if (entries.length === 0) {
    const shown = leftOut.slice(0, MAX_REASONS);
    if (leftOut.length > MAX_REASONS) shown.push(`${leftOut.length - MAX_REASONS} more`);
    throw new RsConfigError(
      'staticDecryptionKeys',
      'no key can decrypt: give private keys (RSA, EC, X25519) or secrets (oct, AES keys, bytes)' +
        (shown.length === 0 ? '' : ` (${shown.join('; ')})`),
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
        if (!entry.serves(selector.alg, selector.enc) || !entry.fits(selector)) continue;
        const key = await entry.keyFor(selector.alg);
        if (key !== undefined) found.push(key);
      }
      return success(found);
    },
  };
}

// Enough reasons to see what is wrong without turning a set of 100 keys into a wall of text.
const MAX_REASONS = 5;

function entryFor(key: unknown, position: number, leftOut: string[]): KeyEntry | undefined {
  if (key instanceof Uint8Array) return secretEntry(key, undefined, undefined, 2);
  if (isCryptoKey(key)) return cryptoKeyEntry(key, position);
  // Anything else was meant as a key: skipping it would leave the set without the key it was meant to be.
  if (!isObject(key))
    throw new RsConfigError(
      'staticDecryptionKeys',
      `key #${position} is not a JWK, a CryptoKey or a Uint8Array of secret bytes`,
    );
  const jwk = key as JWK;
  const name = `key ${kidLabel(jwk.kid, position)}`;
  const problem = decryptionJwkProblem(jwk);
  if (problem === undefined) return jwkEntry(jwk);
  // A key that could never decrypt is refused now, by name: the import is lazy, so left alone it would
  // fail at the first token, and every token after, as 401 unknown_key.
  if (problem.broken) throw new RsConfigError('staticDecryptionKeys', `${name}: ${problem.reason}`);
  leftOut.push(`${name}: ${problem.reason}`);
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
    fits: () => true,
    keyFor: async () => bytes,
  };
}

function secretServes(length: number, alg: string, enc: string): boolean {
  if (alg === 'dir') return CONTENT_ENCRYPTION_KEY_BYTES[enc] === length;
  if (alg.startsWith('PBES2')) return length > 0;
  return !alg.startsWith('ECDH') && keyWrapBytes(alg) === length;
}

// The usage jose asks of a CryptoKey of each WebCrypto algorithm when it decrypts a token with it.
const DECRYPTING_USAGE: Readonly<Record<string, KeyUsage>> = {
  'RSA-OAEP': 'decrypt',
  ECDH: 'deriveBits',
  X25519: 'deriveBits',
  'AES-KW': 'unwrapKey',
  'AES-GCM': 'decrypt',
};

function cryptoKeyEntry(key: CryptoKey, position: number): KeyEntry | undefined {
  if (key.type === 'public') return undefined;
  const algorithm = key.algorithm as Partial<RsaHashedKeyAlgorithm & AesKeyAlgorithm>;
  if (algorithm.modulusLength !== undefined && algorithm.modulusLength < MIN_RSA_BITS)
    throw new RsConfigError(
      'staticDecryptionKeys',
      `an RSA key of ${algorithm.modulusLength} bits: RSA keys need ${MIN_RSA_BITS} bits or more`,
    );
  // A CryptoKey's usages are its purpose markers: without the one decrypting needs, jose refuses the key
  // at every token.
  const usage =
    algorithm.name !== undefined && Object.hasOwn(DECRYPTING_USAGE, algorithm.name)
      ? DECRYPTING_USAGE[algorithm.name]
      : undefined;
  if (usage !== undefined && !key.usages.includes(usage))
    throw new RsConfigError(
      'staticDecryptionKeys',
      `key #${position} is a CryptoKey for ${algorithm.name} whose usages lack "${usage}", which decrypting needs`,
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
  const fits = (selector: DecryptionKeySelector): boolean => {
    if (algorithm.name === 'RSA-OAEP' && algorithm.modulusLength !== undefined)
      return fitsModulus(Math.ceil(algorithm.modulusLength / 8), selector);
    if (algorithm.name === 'X25519') return fitsCurve('X25519', selector);
    if (algorithm.name === 'ECDH')
      return fitsCurve((algorithm as Partial<EcKeyAlgorithm>).namedCurve, selector);
    return true;
  };
  return { kid: undefined, rank: 2, serves, fits, keyFor: async () => key };
}

function fitsCurve(curve: string | undefined, selector: DecryptionKeySelector): boolean {
  return selector.epkCurve === undefined || selector.epkCurve === curve;
}

function fitsModulus(modulusBytes: number, selector: DecryptionKeySelector): boolean {
  return selector.encryptedKeyBytes === undefined || selector.encryptedKeyBytes === modulusBytes;
}

/** The length of an RSA JWK's modulus in bytes, leading zero bytes (which RFC 7518 §6.3.1.1 forbids) aside. */
function modulusBytesOf(n: unknown): number | undefined {
  const modulus = decodeSecret(n);
  if (modulus === undefined) return undefined;
  const firstNonZero = modulus.findIndex((byte) => byte !== 0);
  return firstNonZero === -1 ? 0 : modulus.length - firstNonZero;
}

function rsaOaepName(hash: string | undefined): string | undefined {
  if (hash === 'SHA-1') return 'RSA-OAEP';
  return hash?.startsWith('SHA-') ? `RSA-OAEP-${hash.slice(4)}` : undefined;
}

/**
 * Why a JWK cannot decrypt, or `undefined` when it can serve some JWE algorithm: the one check of every
 * decryption key given as a JWK (static decryption keys, secret stores, RFC 9701 `decryptionKeys`).
 * `broken` when the key was meant to decrypt and cannot: members that say otherwise or that WebCrypto
 * would refuse ({@link jwkPurposeProblem}), an `oct` key without a readable `k`, an unknown `kty`, unsound
 * public members ({@link publicMembersProblem}: an RSA key under 2048 bits, an EC point off its curve),
 * private members WebCrypto could not import ({@link privateJwkProblem}), an `x5c` whose first
 * certificate holds another key ({@link certificateKeyProblem}). Not broken, only for something
 * else, when marked for signatures, a public key, or a key on a curve ECDH-ES does not derive keys on.
 * Reasons read after the key's name and never repeat key material.
 *
 * @example
 * ```ts
 * decryptionJwkProblem({ ...rsaPrivateJwk, ext: 'no' }); // { broken: true, reason: '"ext" is not a boolean' }
 * ```
 */
export function decryptionJwkProblem(jwk: Readonly<Record<string, unknown>>): JwkPurposeProblem | undefined {
  if (typeof jwk.kty !== 'string') return { broken: true, reason: 'no "kty"' };
  const marked = jwkPurposeProblem(jwk, 'decrypt');
  if (marked !== undefined) return marked;
  if (jwk.kty === 'oct')
    return decodeSecret(jwk.k) === undefined
      ? { broken: true, reason: '"k" is missing or not base64url' }
      : undefined;
  if (jwk.kty !== 'RSA' && jwk.kty !== 'EC' && jwk.kty !== 'OKP')
    return { broken: true, reason: 'unknown "kty"' };
  // Only private keys decrypt; a public key here is a configuration slip, left out like a signing key.
  if (jwk.d === undefined)
    return { broken: false, reason: 'it is a public key (decryption needs the private key)' };
  if (jwk.kty !== 'RSA' && !keyTypeFitsKeyManagement(jwk.kty, jwk.crv, 'ECDH-ES'))
    return { broken: false, reason: `a key on ${String(jwk.crv)}, which ECDH-ES does not derive keys on` };
  // The public members as WebCrypto checks them at import, then the private ones.
  const problem = publicMembersProblem(jwk) ?? privateJwkProblem(jwk) ?? certificateKeyProblem(jwk);
  return problem === undefined ? undefined : { broken: true, reason: problem };
}

// The members that make up a key (RFC 7518 §6): all that is imported. The others were judged by
// decryptionJwkProblem; handed to jose and WebCrypto (`ext`, `key_ops`) they could still fail the import
// at the first token, and only quietly. `oth` (a multi-prime RSA key) is not among them: WebCrypto
// imports none, and without it the key is read from `d`.
const KEY_MATERIAL = ['kty', 'crv', 'x', 'y', 'n', 'e', 'd', 'p', 'q', 'dp', 'dq', 'qi'] as const;

/** The entry of a JWK that passed {@link decryptionJwkProblem}. */
function jwkEntry(jwk: JWK): KeyEntry {
  const kid = jwk.kid;
  const jwkAlg = jwk.alg;
  // A key that names its algorithm is the issuer's own statement; `use: "enc"` is the next best hint.
  const rank = jwkAlg !== undefined ? 0 : jwk.use === 'enc' ? 1 : 2;
  if (jwk.kty === 'oct') return secretEntry(decodeSecret(jwk.k)!, kid, jwkAlg, rank);
  const material: Record<string, unknown> = {};
  for (const member of KEY_MATERIAL) if (jwk[member] !== undefined) material[member] = jwk[member];
  const imported = new Map<string, Promise<CryptoKey | undefined>>();
  const modulusBytes = jwk.kty === 'RSA' ? modulusBytesOf(jwk.n) : undefined;
  return {
    kid,
    rank,
    serves: (alg) =>
      keyTypeFitsKeyManagement(jwk.kty, jwk.crv, alg) && (jwkAlg === undefined || jwkAlg === alg),
    fits: (selector) =>
      jwk.kty === 'RSA'
        ? modulusBytes === undefined || fitsModulus(modulusBytes, selector)
        : fitsCurve(jwk.crv, selector),
    keyFor(alg) {
      // WebCrypto binds an RSA key to its OAEP hash, but one ECDH key serves every ECDH-ES variant.
      const importAs = alg.startsWith('ECDH-ES') ? 'ECDH-ES' : alg;
      let pending = imported.get(importAs);
      if (pending === undefined) {
        // A key that fails to import is unusable, not fatal: the other keys are still tried.
        pending = importJWK(material as JWK, importAs, { extractable: false }).then(
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
