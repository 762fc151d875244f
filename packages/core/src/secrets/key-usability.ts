import { base64url, type JWK } from 'jose';
import { holdsSecretKeyMaterial } from '../encoding/jwk-members.js';
import { certificateKeyProblem } from '../keys/certificate-key-match.js';
import { DEFAULT_KEY_MANAGEMENT_ALGORITHMS } from '../keys/jwe-algorithms.js';
import { jwkPurposeProblem } from '../keys/jwk-purpose.js';
import { decryptionJwkProblem, staticDecryptionKeys } from '../keys/static-decryption-keys.js';
import { checkVerificationJwk } from '../keys/verification-jwk.js';

const DEFAULT_DECRYPTION: ReadonlySet<string> = new Set(DEFAULT_KEY_MANAGEMENT_ALGORITHMS);
// What verifies and what names it. The rest changes no answer: `key_ops` (judged, and those of a private
// key say `sign`), the private members (their public half verifies), `x5c` and the like.
const VERIFICATION_MEMBERS = ['kty', 'kid', 'use', 'alg', 'crv', 'x', 'y', 'n', 'e', 'k'] as const;

/**
 * The key that verifies signatures for `jwk`: the JWK itself, or the public half of a private key. A
 * string says why it cannot verify with any supported algorithm. The key returned holds only the members
 * that verify and name it (`kty`, `kid`, `use`, `alg` and the public key or secret). It passes the check every
 * verification key passes ({@link checkVerificationJwk}: its members, an EC point on its curve, a sound
 * RSA key, `use`, `key_ops`, `alg`, `ext` and `kid`), so that a key of a secret store is refused, with its
 * reason, where a key of a static set is, rather than kept to answer every token 401 `unknown_key`.
 */
export function verificationJwk(jwk: JWK): JWK | string {
  // A private key or a shared secret is the signer's own: its `key_ops` may say `sign`, for which its
  // public half (or the secret) verifies.
  const signingKey = holdsSecretKeyMaterial(jwk as Readonly<Record<string, unknown>>);
  const marked = jwkPurposeProblem(jwk, 'verify', { signingKey });
  if (marked !== undefined) return marked.reason;
  // The certificate is left out of the key returned: it is compared with the key here, where it is.
  const certificate = certificateKeyProblem(jwk as Readonly<Record<string, unknown>>);
  if (certificate !== undefined) return certificate;
  const publicJwk: Record<string, unknown> = {};
  for (const member of VERIFICATION_MEMBERS) if (jwk[member] !== undefined) publicJwk[member] = jwk[member];
  const check = checkVerificationJwk(publicJwk, { allowSymmetric: true });
  return check.usable ? (publicJwk as JWK) : check.reason;
}

/**
 * Why `jwk` cannot decrypt with any JWE algorithm accepted by default, or `undefined` when it can: what
 * {@link decryptionJwkProblem} finds (marked for another use, a public key, a weak RSA key, a point off its
 * curve, key material WebCrypto could not import, …), or a key no default algorithm fits. The fit itself
 * is {@link staticDecryptionKeys}'s, which then serves the keys. Never repeats key material.
 */
export function whyNotDecryptionKey(jwk: JWK): string | undefined {
  const problem = decryptionJwkProblem(jwk);
  if (problem !== undefined) return problem.reason;
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

function describe(jwk: JWK): string {
  if (jwk.kty === 'oct') return `${octBytes(jwk).byteLength}-byte oct`;
  return jwk.crv === undefined ? String(jwk.kty) : `${jwk.kty} ${jwk.crv}`;
}
