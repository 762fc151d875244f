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

/** What a WebCrypto key's `algorithm` says: its name, hash and curve. */
export interface WebCryptoKeyAlgorithm {
  readonly name?: string | undefined;
  readonly hash?: string | { readonly name?: string | undefined } | undefined;
  readonly namedCurve?: string | undefined;
}

const RSA_PKCS1 = 'RSASSA-PKCS1-v1_5';
/**
 * The WebCrypto algorithm, hash and curve a key must have to sign or verify with each JWS algorithm, as
 * jose requires of a `CryptoKey` (RFC 7518 §3, RFC 8037 §3.1).
 */
export const WEBCRYPTO_KEY_ALGORITHMS: Readonly<Record<string, WebCryptoKeyAlgorithm>> = {
  RS256: { name: RSA_PKCS1, hash: 'SHA-256' },
  RS384: { name: RSA_PKCS1, hash: 'SHA-384' },
  RS512: { name: RSA_PKCS1, hash: 'SHA-512' },
  PS256: { name: 'RSA-PSS', hash: 'SHA-256' },
  PS384: { name: 'RSA-PSS', hash: 'SHA-384' },
  PS512: { name: 'RSA-PSS', hash: 'SHA-512' },
  ES256: { name: 'ECDSA', namedCurve: 'P-256' },
  ES384: { name: 'ECDSA', namedCurve: 'P-384' },
  ES512: { name: 'ECDSA', namedCurve: 'P-521' },
  EdDSA: { name: 'Ed25519' },
  Ed25519: { name: 'Ed25519' },
  HS256: { name: 'HMAC', hash: 'SHA-256' },
  HS384: { name: 'HMAC', hash: 'SHA-384' },
  HS512: { name: 'HMAC', hash: 'SHA-512' },
};

/** Whether a `CryptoKey` of this `algorithm` (name, hash, curve) can serve the JWS algorithm `alg`. */
export function cryptoKeyFitsAlgorithm(algorithm: WebCryptoKeyAlgorithm, alg: string): boolean {
  const needed = WEBCRYPTO_KEY_ALGORITHMS[alg];
  return (
    needed !== undefined &&
    algorithm.name === needed.name &&
    (needed.hash === undefined || hashName(algorithm) === needed.hash) &&
    (needed.namedCurve === undefined || algorithm.namedCurve === needed.namedCurve)
  );
}

/** The hash of a key algorithm, however it is spelled (WebCrypto gives `{ name }`). */
export function hashName(algorithm: WebCryptoKeyAlgorithm): string | undefined {
  return typeof algorithm.hash === 'string' ? algorithm.hash : algorithm.hash?.name;
}
