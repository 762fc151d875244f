/**
 * The members of an asymmetric JWK that hold private key material (RFC 7518 section 6): a key that
 * has any of them is a private key, never something to publish or to accept as a public key.
 */
export const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'] as const;

/**
 * The members holding the public key of each asymmetric key type (RFC 7518 §6.2.1, §6.3.1, RFC 8037 §2).
 * Read with `Object.hasOwn`: a `kty` such as `constructor` names no key type.
 */
export const PUBLIC_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  EC: ['crv', 'x', 'y'],
  RSA: ['e', 'n'],
  OKP: ['crv', 'x'],
};

/** Whether a JWK holds key material to keep secret: a shared secret (`oct`) or a private member. */
export function holdsSecretKeyMaterial(jwk: Readonly<Record<string, unknown>>): boolean {
  return jwk.kty === 'oct' || PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member));
}
