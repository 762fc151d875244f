import { base64url, type JWK } from 'jose';
import { keyTypeFitsAlgorithm, WEBCRYPTO_KEY_ALGORITHMS } from './algorithms.js';
import { rsaKeyProblem } from './rsa-key-checks.js';
import { ed25519KeyProblem } from './verification-jwk.js';

// The members that make up a public key or a shared secret (RFC 7518 §6): all that is imported. The
// others (`key_ops`, `ext`, `use`, `alg`, …) were judged when the key arrived (checkVerificationJwk);
// handed to WebCrypto they could still fail the import, at the first token and quietly, or narrow the
// key's usages in a way the two signature paths would have to agree on.
const KEY_MATERIAL = ['kty', 'crv', 'x', 'y', 'n', 'e', 'k'] as const;

/**
 * Imports a JWK as a non-extractable WebCrypto key bound to `alg`, allowed to verify. Only the key
 * material is imported: the members that say what the key is for are the checks' to judge, before.
 *
 * WebCrypto is called directly, with the algorithm of {@link WEBCRYPTO_KEY_ALGORITHMS} (the parameters
 * jose's `importJWK` passes for a JWS algorithm): `importJWK` would bring jose's table of JWE key
 * management algorithms into every Worker bundle, for keys that only ever verify JWS signatures.
 */
export async function importVerificationKey(jwk: JWK, alg: string): Promise<CryptoKey> {
  // The last gate every verification key passes, whichever way it came in.
  // A refused key (jose will not verify with one under 2048 bits either) is unusable, like one that fails
  // to import, and must not stop the search for the key that signed the token.
  // So is an Ed25519 key of small order, with which anyone forges a signature.
  const problem =
    jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : jwk.kty === 'OKP' ? ed25519KeyProblem(jwk) : undefined;
  if (problem !== undefined) throw new Error(`${jwk.kty} key refused: ${problem}`);
  const algorithm = WEBCRYPTO_KEY_ALGORITHMS[alg] as Algorithm | undefined;
  if (algorithm === undefined || !keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg)) {
    throw new Error(`a key of type ${String(jwk.kty)} cannot verify ${alg}`);
  }
  if (jwk.kty !== 'oct') {
    return crypto.subtle.importKey('jwk', { ...keyMaterial(jwk), ext: false }, algorithm, false, ['verify']);
  }
  if (typeof jwk.k !== 'string') throw new Error('a shared secret without "k"');
  // Decoded as jose decodes it; imported once here, so that no verification imports it again.
  const secret = base64url.decode(jwk.k) as Uint8Array<ArrayBuffer>;
  return crypto.subtle.importKey('raw', secret, algorithm, false, ['verify']);
}

function keyMaterial(jwk: JWK): JsonWebKey {
  const material: Record<string, unknown> = {};
  for (const member of KEY_MATERIAL) if (jwk[member] !== undefined) material[member] = jwk[member];
  return material as JsonWebKey;
}
