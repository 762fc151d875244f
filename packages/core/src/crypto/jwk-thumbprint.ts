import { sha256Digest } from './sha256-digest.js';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order. AKP (ML-DSA) as jose
// has it, so that a key jose would print is printed alike.
const REQUIRED_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  AKP: ['alg', 'kty', 'pub'],
  EC: ['crv', 'kty', 'x', 'y'],
  OKP: ['crv', 'kty', 'x'],
  RSA: ['e', 'kty', 'n'],
  oct: ['k', 'kty'],
};

/**
 * The RFC 7638 SHA-256 thumbprint of a public JWK (base64url), as jose's `calculateJwkThumbprint`
 * computes it, or `undefined` when the key type is unknown or a required member is missing or not a
 * string (an `oct` key's `k` may be empty, as jose allows). Written here rather than imported: jose's
 * also exports CryptoKeys, which a Worker bundle would then carry.
 */
export async function jwkThumbprint(jwk: Readonly<Record<string, unknown>>): Promise<string | undefined> {
  const kty = jwk.kty;
  const members =
    typeof kty === 'string' && Object.hasOwn(REQUIRED_MEMBERS, kty) ? REQUIRED_MEMBERS[kty] : undefined;
  if (members === undefined) return undefined;
  const required: Record<string, string> = {};
  for (const member of members) {
    const value = jwk[member];
    if (typeof value !== 'string' || (value === '' && member !== 'k')) return undefined;
    required[member] = value;
  }
  return sha256Digest(JSON.stringify(required));
}
