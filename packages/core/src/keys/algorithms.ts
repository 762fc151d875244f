/** Asymmetric JWS algorithms accepted by default: the RSA, RSA-PSS, ECDSA and EdDSA families. */
export const ASYMMETRIC_JWS_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

/** HMAC JWS algorithms, allowed only when a shared secret is configured. */
export const SYMMETRIC_JWS_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** Every JWS algorithm @rs can verify. `none` is not one of them, and never will be. */
export const SUPPORTED_JWS_ALGORITHMS: ReadonlySet<string> = new Set([
  ...ASYMMETRIC_JWS_ALGORITHMS,
  ...SYMMETRIC_JWS_ALGORITHMS,
]);

/** Minimum HMAC secret length per algorithm: the hash output size (RFC 7518 §3.2). */
export const HMAC_MIN_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/** Whether a JWK's key type and curve can serve `alg`. */
export function keyTypeFitsAlgorithm(kty: unknown, crv: unknown, alg: string): boolean {
  switch (alg) {
    case 'RS256':
    case 'RS384':
    case 'RS512':
    case 'PS256':
    case 'PS384':
    case 'PS512':
      return kty === 'RSA';
    case 'ES256':
      return kty === 'EC' && crv === 'P-256';
    case 'ES384':
      return kty === 'EC' && crv === 'P-384';
    case 'ES512':
      return kty === 'EC' && crv === 'P-521';
    case 'EdDSA':
    case 'Ed25519':
      return kty === 'OKP' && crv === 'Ed25519';
    case 'HS256':
    case 'HS384':
    case 'HS512':
      return kty === 'oct';
    default:
      return false;
  }
}
