import { base64url } from 'jose';

/** RSA keys shorter than this are refused: jose will not verify with them either. */
export const MIN_RSA_BITS = 2048;

/**
 * Why an RSA key (public or private JWK) must never be used, or `undefined` when it is sound: a public
 * exponent {@link rsaExponentProblem} refuses, or a modulus under {@link MIN_RSA_BITS} bits. The one
 * check of every way an RSA key enters @rs: static and remote JWK sets, the JWK set, JWK set file, PEM
 * and PKCS#12 secret stores, static decryption keys, the secrets provider (for stores of others), and
 * the import of each verification key.
 *
 * @example
 * ```ts
 * rsaKeyProblem({ kty: 'RSA', n: n1024, e: 'AQAB' }); // 'its modulus is 1024 bits: RSA keys need 2048 bits or more'
 * ```
 */
export function rsaKeyProblem(jwk: { readonly n?: unknown; readonly e?: unknown }): string | undefined {
  const exponentProblem = rsaExponentProblem(jwk);
  if (exponentProblem !== undefined) return exponentProblem;
  const bits = rsaModulusBits(jwk);
  return bits < MIN_RSA_BITS
    ? `its modulus is ${bits} bits: RSA keys need ${MIN_RSA_BITS} bits or more`
    : undefined;
}

/**
 * Why an RSA key's public exponent is unsound, or `undefined` when it is not; part of
 * {@link rsaKeyProblem}.
 *
 * The public exponent must be odd and at least 3. With `e = 1` a "signature" is the padded hash itself,
 * so anyone who can read the JWK set forges any token; an even exponent is not a valid RSA key (RFC 8017
 * §3.1), and some implementations misbehave with one rather than fail.
 *
 * @example
 * ```ts
 * rsaExponentProblem({ kty: 'RSA', n: '…', e: 'AQ' }); // 'its public exponent is 1: …'
 * rsaExponentProblem({ kty: 'RSA', n: '…', e: 'AQAB' }); // undefined
 * ```
 */
export function rsaExponentProblem(jwk: { readonly e?: unknown }): string | undefined {
  const exponent = decodeUnsigned(jwk.e);
  if (exponent === undefined) return 'its public exponent ("e") is not a base64url unsigned integer';
  if (!exponent.isEven && !exponent.belowThree) return undefined;
  const shown = exponent.small === undefined ? 'even' : String(exponent.small);
  return `its public exponent is ${shown}: RSA keys with an exponent below 3 or even are refused (with e = 1 anyone can forge signatures)`;
}

/** The bit length of an RSA key's modulus (`n`), 0 when it is not a base64url unsigned integer. */
export function rsaModulusBits(jwk: { readonly n?: unknown }): number {
  return decodeUnsigned(jwk.n)?.bits ?? 0;
}

interface UnsignedInteger {
  readonly bits: number;
  readonly isEven: boolean;
  readonly belowThree: boolean;
  /** The value when it fits in 32 bits. */
  readonly small: number | undefined;
}

function decodeUnsigned(value: unknown): UnsignedInteger | undefined {
  if (typeof value !== 'string' || value.length === 0) return undefined;
  let bytes: Uint8Array;
  try {
    bytes = base64url.decode(value);
  } catch {
    return undefined;
  }
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  const significant = bytes.subarray(start);
  if (significant.length === 0) return { bits: 0, isEven: true, belowThree: true, small: 0 };
  const bits = (significant.length - 1) * 8 + (32 - Math.clz32(significant[0]!));
  let small: number | undefined;
  if (significant.length <= 4) small = significant.reduce((total, byte) => total * 256 + byte, 0);
  return {
    bits,
    isEven: (significant[significant.length - 1]! & 1) === 0,
    belowThree: small !== undefined && small < 3,
    small,
  };
}
