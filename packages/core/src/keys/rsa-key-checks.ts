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

/**
 * The largest modulus of an RSA key a client presents (a DPoP proof's `jwk`). Such a key is checked
 * before any token is resolved, so its cost is what an anonymous request can make the server pay. 4 096
 * bits is the largest size in common use (what HSMs and cloud KMSs offer beside 2 048 and 3 072); with
 * the largest exponent {@link rsaProofKeyProblem} lets through, a signature check with it costs about 5
 * times one with a 2 048-bit key and `e = 65537`, while 8 192 bits would cost about 20 times and 16 384
 * bits (OpenSSL's own limit) about 35 times even with `e = 65537`.
 */
export const MAX_PROOF_RSA_BITS = 4096;

/** The longest public exponent of an RSA key a client presents, in bytes. */
export const MAX_PROOF_RSA_EXPONENT_BYTES = 4;

/**
 * Why an RSA public key a client presents with a request (the `jwk` of a DPoP proof) is refused, or
 * `undefined` when it is usual: a public exponent that is odd, at least 3 and at most
 * {@link MAX_PROOF_RSA_EXPONENT_BYTES} bytes long (65537 is what every client uses), and an odd modulus of
 * {@link MIN_RSA_BITS} to {@link MAX_PROOF_RSA_BITS} bits. Stricter than {@link rsaKeyProblem}, the rule
 * for keys the operator configures (JWK sets, secret stores), because this key is the attacker's choice
 * and is used before anything is authenticated: the cost of a signature check grows with the length of
 * the exponent, and OpenSSL only limits the exponent (to 64 bits) for moduli above 3 072 bits, so a
 * 3 072-bit key with a 3 070-bit exponent made one check cost some 7 ms of CPU, against well under 0.1 ms
 * for a usual key. Go's crypto/rsa refuses exponents above 2^31 − 1 as well.
 *
 * @example
 * ```ts
 * rsaProofKeyProblem({ kty: 'RSA', n: n2048, e: 'AQAB' }); // undefined
 * rsaProofKeyProblem({ kty: 'RSA', n: n3072, e: e3070Bits }); // 'its public exponent is 3070 bits: …'
 * ```
 */
export function rsaProofKeyProblem(jwk: { readonly n?: unknown; readonly e?: unknown }): string | undefined {
  const exponentProblem = rsaExponentProblem(jwk);
  if (exponentProblem !== undefined) return exponentProblem;
  const exponentBits = decodeUnsigned(jwk.e)!.bits;
  if (exponentBits > MAX_PROOF_RSA_EXPONENT_BYTES * 8) {
    return `its public exponent is ${exponentBits} bits: client keys need one of at most ${MAX_PROOF_RSA_EXPONENT_BYTES * 8} bits, such as 65537`;
  }
  const modulus = decodeUnsigned(jwk.n);
  const bits = modulus?.bits ?? 0;
  if (bits < MIN_RSA_BITS || bits > MAX_PROOF_RSA_BITS) {
    return `its modulus is ${bits} bits: client keys need ${MIN_RSA_BITS} to ${MAX_PROOF_RSA_BITS} bits`;
  }
  // A product of two odd primes is odd; an even "modulus" is no RSA key (RFC 8017 §3.1).
  return modulus!.isEven ? 'its modulus is even: no RSA modulus is' : undefined;
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
