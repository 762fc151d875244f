import { base64url, importJWK, type JWK } from 'jose';
import { isObject } from '../token-info.js';
import { HMAC_MIN_BYTES, keyTypeFitsAlgorithm, SUPPORTED_JWS_ALGORITHMS } from './algorithms.js';
import { MIN_RSA_BITS, rsaExponentProblem } from './rsa-key-checks.js';
import type { KeySelector } from './verification-key-source.js';

// Members that only private keys have. A verification set that carries them was published by mistake;
// such keys are left out rather than used.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

// RFC 8037's `EdDSA` and RFC 9864's fully specified `Ed25519` both name Ed25519 signatures.
const EDDSA_NAMES: ReadonlySet<string> = new Set(['EdDSA', 'Ed25519']);

/** Limits that keep a hostile or broken JWK set from costing memory or time. */
export const MAX_JWKS_KEYS = 100;

interface IndexedKey {
  readonly jwk: JWK;
  /** Imported keys, one per algorithm (WebCrypto binds a key to its algorithm). */
  readonly imported: Map<string, Promise<CryptoKey | undefined>>;
}

/** Why a JWK set could not be indexed. */
export class JwkSetError extends Error {
  override name = 'JwkSetError';
}

/**
 * The verification keys of one JWK set, indexed by `kid`, imported lazily and once per algorithm.
 * Keys that cannot verify (encryption keys, private keys, unknown types) are left out.
 *
 * A set that is ambiguous or unsafe is refused as a whole ({@link JwkSetError}), never half used:
 * - an RSA verification key whose public exponent is below 3 or even;
 * - two verification keys under one `kid` that could both verify one algorithm (which key the issuer
 *   meant cannot be told, and a key slipped in beside the real one would verify);
 * - shared secrets (`oct`) beside public keys: a set is either the issuer's public keys or a secret.
 */
export class JwkIndex {
  readonly size: number;
  readonly hasSymmetricKeys: boolean;
  private readonly byKid = new Map<string, IndexedKey[]>();
  private readonly all: IndexedKey[] = [];

  constructor(jwks: unknown, options: { allowSymmetric: boolean }) {
    if (!isObject(jwks) || !Array.isArray(jwks.keys))
      throw new JwkSetError('a JWK set must be an object with a "keys" array');
    if (jwks.keys.length > MAX_JWKS_KEYS)
      throw new JwkSetError(`a JWK set may hold at most ${MAX_JWKS_KEYS} keys`);
    let symmetric = false;
    for (const [position, candidate] of jwks.keys.entries()) {
      if (!isUsableVerificationKey(candidate, options.allowSymmetric)) continue;
      const problem = candidate.kty === 'RSA' ? rsaExponentProblem(candidate) : undefined;
      if (problem !== undefined) throw new JwkSetError(`key ${keyLabel(candidate, position)}: ${problem}`);
      const entry: IndexedKey = { jwk: candidate as JWK, imported: new Map() };
      this.all.push(entry);
      if (candidate.kty === 'oct') symmetric = true;
      if (typeof candidate.kid === 'string') {
        const list = this.byKid.get(candidate.kid);
        if (list === undefined) this.byKid.set(candidate.kid, [entry]);
        else list.push(entry);
      }
    }
    if (symmetric && this.all.some((entry) => entry.jwk.kty !== 'oct'))
      throw new JwkSetError('a JWK set must not mix shared secrets ("oct") with public keys');
    for (const [kid, entries] of this.byKid) {
      const shared =
        entries.length > 1 && [...SUPPORTED_JWS_ALGORITHMS].find((alg) => fitsMany(entries, alg));
      if (shared)
        throw new JwkSetError(`two keys carry the kid "${kid}" and both fit ${shared}: kids must be unique`);
    }
    this.size = this.all.length;
    this.hasSymmetricKeys = symmetric;
  }

  /** Whether any key carries this `kid`. */
  hasKid(kid: string): boolean {
    return this.byKid.has(kid);
  }

  /** The keys that fit the selector: by `kid` when the header has one, else every key that fits `alg`. */
  async keysFor(selector: KeySelector): Promise<CryptoKey[]> {
    const entries = selector.kid === undefined ? this.all : (this.byKid.get(selector.kid) ?? []);
    const keys: CryptoKey[] = [];
    for (const entry of entries) {
      if (!fits(entry.jwk, selector.alg)) continue;
      const key = await importFor(entry, selector.alg);
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }
}

function isUsableVerificationKey(jwk: unknown, allowSymmetric: boolean): boolean {
  if (!isObject(jwk) || typeof jwk.kty !== 'string') return false;
  if (jwk.use !== undefined && jwk.use !== 'sig') return false;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return false;
  if (jwk.kty === 'oct') return allowSymmetric && typeof jwk.k === 'string';
  return !PRIVATE_MEMBERS.some((member) => member in jwk);
}

function keyLabel(jwk: Record<string, unknown>, position: number): string {
  return typeof jwk.kid === 'string' ? `"${jwk.kid}"` : `#${position}`;
}

function fitsMany(entries: readonly IndexedKey[], alg: string): boolean {
  return entries.filter((entry) => fits(entry.jwk, alg)).length > 1;
}

function fits(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg && !(EDDSA_NAMES.has(jwk.alg) && EDDSA_NAMES.has(alg)))
    return false;
  if (!keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg)) return false;
  if (jwk.kty === 'oct') {
    const length = base64urlLength(jwk.k ?? '');
    return length >= (HMAC_MIN_BYTES[alg] ?? Number.POSITIVE_INFINITY);
  }
  return true;
}

function importFor(entry: IndexedKey, alg: string): Promise<CryptoKey | undefined> {
  let pending = entry.imported.get(alg);
  if (pending === undefined) {
    // A key that fails to import (bad modulus, wrong curve point) is unusable, not fatal for the set.
    pending = importVerificationKey(entry.jwk, alg).catch(() => undefined);
    entry.imported.set(alg, pending);
  }
  return pending;
}

/** Imports a JWK as a non-extractable WebCrypto key bound to `alg`. */
export async function importVerificationKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  // The last gate every verification key passes, whichever way it came in.
  const problem = jwk.kty === 'RSA' ? rsaExponentProblem(jwk) : undefined;
  if (problem !== undefined) throw new Error(`RSA key refused: ${problem}`);
  const key = await importJWK(jwk, alg, { extractable: false });
  if (!(key instanceof Uint8Array)) {
    // jose refuses to verify with RSA keys under 2048 bits: such a key is unusable, like one that fails to
    // import, and must not stop the search for the key that signed the token.
    const { modulusLength } = key.algorithm as Partial<RsaHashedKeyAlgorithm>;
    if (modulusLength !== undefined && modulusLength < MIN_RSA_BITS) {
      throw new Error(`RSA keys must be at least ${MIN_RSA_BITS} bits`);
    }
    return key;
  }
  // jose hands shared secrets back as bytes and would import them again on every verification; import
  // once here instead.
  const hash = `SHA-${alg.slice(2)}`;
  return crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, [
    'verify',
  ]);
}

function base64urlLength(value: string): number {
  try {
    return base64url.decode(value).byteLength;
  } catch {
    return 0;
  }
}
