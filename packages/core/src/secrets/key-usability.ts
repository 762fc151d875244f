import { base64url, type JWK } from 'jose';
import { PRIVATE_MEMBERS } from '../encoding/jwk-members.js';
import { HMAC_MIN_BYTES, keyTypeFitsAlgorithm, SUPPORTED_JWS_ALGORITHMS } from '../keys/algorithms.js';
import { DEFAULT_KEY_MANAGEMENT_ALGORITHMS } from '../keys/jwe-algorithms.js';
import { privateJwkProblem } from '../keys/private-jwk-problem.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import { staticDecryptionKeys } from '../keys/static-decryption-keys.js';

const DECRYPT_OPS = ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'];
const DEFAULT_DECRYPTION: ReadonlySet<string> = new Set(DEFAULT_KEY_MANAGEMENT_ALGORITHMS);

/**
 * The key that verifies signatures for `jwk`: the JWK itself, or the public half of a private key. A
 * string says why it cannot verify with any supported algorithm.
 */
export function verificationJwk(jwk: JWK): JWK | string {
  if (jwk.use !== undefined && jwk.use !== 'sig') return `it is marked "use": "${jwk.use}"`;
  if (jwk.key_ops !== undefined && !jwk.key_ops.some((op) => op === 'verify' || op === 'sign'))
    return 'its "key_ops" allow neither sign nor verify';
  if (jwk.kty === 'RSA') {
    const problem = rsaKeyProblem(jwk);
    if (problem !== undefined) return problem;
  }
  if (![...SUPPORTED_JWS_ALGORITHMS].some((alg) => jwsFits(jwk, alg)))
    return `a ${describe(jwk)} key fits no supported JWS algorithm`;
  // `key_ops` of a private key say `sign`; the public half verifies, so the member is dropped, not kept.
  const publicJwk: Record<string, unknown> = { ...jwk };
  delete publicJwk.key_ops;
  // Dropping the private members turns a private key into the public key that verifies.
  if (jwk.kty !== 'oct') for (const member of PRIVATE_MEMBERS) delete publicJwk[member];
  return publicJwk as JWK;
}

/**
 * Why `jwk` cannot decrypt with any JWE algorithm accepted by default, or `undefined` when it can: marked
 * for another use, a public key, a weak RSA key, private key material WebCrypto could not import
 * ({@link privateJwkProblem}), or a key no default algorithm fits. The fit itself is
 * {@link staticDecryptionKeys}'s, which then serves the keys. Never repeats key material.
 */
export function whyNotDecryptionKey(jwk: JWK): string | undefined {
  if (jwk.use !== undefined && jwk.use !== 'enc') return `it is marked "use": "${jwk.use}"`;
  if (jwk.key_ops !== undefined && !jwk.key_ops.some((op) => DECRYPT_OPS.includes(op)))
    return 'its "key_ops" allow no decryption';
  if (jwk.kty !== 'oct' && jwk.d === undefined)
    return 'it is a public key (decryption needs the private key)';
  if (jwk.kty === 'RSA') {
    const problem = rsaKeyProblem(jwk);
    if (problem !== undefined) return problem;
  }
  // Said here, in the words of the key's own fault, rather than as "fits no supported JWE algorithm".
  const materialProblem = privateJwkProblem(jwk);
  if (materialProblem !== undefined) return materialProblem;
  let served: ReadonlySet<string>;
  try {
    served = staticDecryptionKeys({ keys: [jwk] }).keyManagementAlgorithms;
  } catch {
    served = new Set();
  }
  // Any `oct` key "serves" the opt-in PBES2 password algorithms; that does not make it a decryption key.
  return [...served].some((alg) => DEFAULT_DECRYPTION.has(alg))
    ? undefined
    : `a ${describe(jwk)} key fits no supported JWE algorithm`;
}

/** The bytes of an `oct` key. */
export function octBytes(jwk: JWK): Uint8Array {
  try {
    return base64url.decode(jwk.k ?? '');
  } catch {
    return new Uint8Array();
  }
}

function jwsFits(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg) return false;
  if (!keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg)) return false;
  return jwk.kty !== 'oct' || octBytes(jwk).byteLength >= (HMAC_MIN_BYTES[alg] ?? Number.POSITIVE_INFINITY);
}

function describe(jwk: JWK): string {
  if (jwk.kty === 'oct') return `${octBytes(jwk).byteLength}-byte oct`;
  return jwk.crv === undefined ? String(jwk.kty) : `${jwk.kty} ${jwk.crv}`;
}
