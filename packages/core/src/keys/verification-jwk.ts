import { base64url } from 'jose';
import { isObject } from '../encoding/json-object.js';
import { PRIVATE_MEMBERS } from '../encoding/jwk-members.js';
import { HMAC_MIN_BYTES } from './algorithms.js';
import { certificateKeyProblem } from './certificate-key-match.js';
import { isSmallOrderEd25519Key } from './ed25519-small-order.js';
import { foreignKeyMaterialProblem } from './foreign-key-material.js';
import { jwkPurposeProblem } from './jwk-purpose.js';
import { repeatedPatternProblem } from './repeated-pattern-secret.js';
import { MIN_RSA_BITS, rsaKeyProblem } from './rsa-key-checks.js';

/** RSA moduli @rs verifies with: at least {@link MIN_RSA_BITS} (as jose demands), at most 16384 (bounded work). */
const RSA_MAX_MODULUS_BITS = 16_384;

/**
 * The NIST curves of RFC 7518 §6.2.1.1 in short Weierstrass form y² = x³ − 3x + b (mod p), with their
 * coordinate length in bytes (RFC 7518 §6.2.1.2: coordinates are given at full length).
 */
const NIST_CURVES: Readonly<Record<string, { bytes: number; p: bigint; b: bigint }>> = {
  'P-256': {
    bytes: 32,
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    b: 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn,
  },
  'P-384': {
    bytes: 48,
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    b: 0xb3312fa7e23ee7e4988e056be3f82d19181d9c6efe8141120314088f5013875ac656398d8a2ed19d2a85c8edd3ec2aefn,
  },
  'P-521': {
    bytes: 66,
    p: 2n ** 521n - 1n,
    b: 0x0051953eb9618e1c9a1f929a21a0b68540eea2da725b99b315f3b8b489918ef109e156193951ec7e937b1652c0bd3bb1bf073573df883d2c34f1ef451fd46b503f00n,
  },
};

// Curves that exist but that @rs never verifies with: key agreement only, or not among the algorithms.
const OTHER_EC_CURVES: ReadonlySet<string> = new Set(['secp256k1']);
const OTHER_OKP_CURVES: ReadonlySet<string> = new Set(['X25519', 'X448', 'Ed448']);
// The OKP curves whose public key is a 32-byte `x` (RFC 8037 §2): Ed25519 signs, X25519 derives keys.
const OKP_CURVES: ReadonlySet<unknown> = new Set(['Ed25519', 'X25519']);

/**
 * What {@link checkVerificationJwk} found. A key that cannot serve signature verification is either
 * `broken` (malformed, weak, a published secret or private key: worth reporting to the operator) or
 * simply meant for something else (`use: "enc"`, an X25519 key, a curve @rs does not verify with).
 */
export type VerificationJwkCheck =
  | { readonly usable: true }
  | { readonly usable: false; readonly broken: boolean; readonly reason: string };

const USABLE: VerificationJwkCheck = { usable: true };
const broken = (reason: string): VerificationJwkCheck => ({ usable: false, broken: true, reason });
const otherPurpose = (reason: string): VerificationJwkCheck => ({ usable: false, broken: false, reason });

/**
 * Decides, once and without importing anything, whether a JWK can verify signatures: known `kty`, the
 * members its type requires in their exact form, an EC point on its curve, an RSA key with an odd public
 * exponent of at least 3 (with `e = 1` anyone forges a signature) and a modulus of 2048 to 16384 bits,
 * an Ed25519 key that is no point of small order (with one, anyone forges a signature),
 * a shared secret (where one is allowed) of 32 bytes or more that is no key of another kind (a public
 * key's PEM or DER bytes as an HMAC secret let anyone sign: {@link foreignKeyMaterialProblem}), and the
 * members that say what the key is for allowing verification ({@link jwkPurposeProblem}: `use`,
 * `key_ops`, `alg`, and `ext` and `kid` in the form WebCrypto and @rs need), and an `x5c`, when one
 * can be read, whose first certificate holds this very key ({@link certificateKeyProblem}). Every place
 * keys enter from a JWK set (static and remote sets, secret stores) goes through here. A key it accepts imports: only
 * its key material is imported (`importVerificationKey`), and that is what was checked.
 */
export function checkVerificationJwk(
  jwk: unknown,
  options: { allowSymmetric: boolean },
): VerificationJwkCheck {
  if (!isObject(jwk)) return broken('not a JSON object');
  if (typeof jwk.kty !== 'string') return broken('no "kty"');
  const marked = jwkPurposeProblem(jwk, 'verify');
  if (marked !== undefined && !marked.broken) return otherPurpose(marked.reason);
  // The members first: a key that lacks its curve is reported for that, not for an `alg` it cannot fit.
  const members = checkMembers(jwk, options.allowSymmetric);
  if (!members.usable) return members;
  if (marked !== undefined) return broken(marked.reason);
  // A certificate of another key beside the members: which one the issuer signs with cannot be told.
  return verdict(certificateKeyProblem(jwk));
}

/**
 * Why the public members of an asymmetric JWK are unsound, whatever the key is for, or `undefined` when
 * they are not: an RSA key as {@link checkVerificationJwk} demands it, an EC point of full-length
 * coordinates on its NIST curve, an Ed25519 or X25519 `x` of 32 bytes. A type or curve not listed here
 * passes: refusing it is the caller's. For keys that are not verification keys (decryption keys), so
 * that a point off its curve is refused when the key is given, not by WebCrypto at the first token.
 */
export function publicMembersProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  switch (jwk.kty) {
    case 'RSA':
      return rsaProblem(jwk);
    case 'EC':
      return typeof jwk.crv === 'string' && Object.hasOwn(NIST_CURVES, jwk.crv)
        ? ecPointProblem(jwk, jwk.crv)
        : undefined;
    case 'OKP':
      return OKP_CURVES.has(jwk.crv) ? okpKeyProblem(jwk) : undefined;
    default:
      return undefined;
  }
}

function checkMembers(jwk: Record<string, unknown>, allowSymmetric: boolean): VerificationJwkCheck {
  if (jwk.kty === 'oct') return checkSecret(jwk, allowSymmetric);
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    return broken('a private key, published as a public one');
  switch (jwk.kty) {
    case 'RSA':
      return verdict(rsaProblem(jwk));
    case 'EC':
      return checkEc(jwk);
    case 'OKP':
      return checkOkp(jwk);
    default:
      return broken('unknown "kty"');
  }
}

function verdict(problem: string | undefined): VerificationJwkCheck {
  return problem === undefined ? USABLE : broken(problem);
}

function checkSecret(jwk: Record<string, unknown>, allowSymmetric: boolean): VerificationJwkCheck {
  // A shared secret in a set fetched from a public URL is a leaked secret: never use it, and say so.
  if (!allowSymmetric) return broken('a symmetric key ("oct") where only public keys belong');
  const k = decodeMember(jwk.k);
  if (k === undefined || k.byteLength === 0) return broken('"k" is missing or not base64url');
  // Shorter than HS256 needs, the secret fits no algorithm: every token would be refused for want of a key.
  const minimum = HMAC_MIN_BYTES.HS256!;
  if (k.byteLength < minimum)
    return broken(
      `a shared secret of ${k.byteLength} bytes: HMAC secrets need ${minimum} bytes or more (RFC 7518 §3.2)`,
    );
  // A public key's bytes as the secret: whoever has the public key signs tokens that verify.
  const foreign = foreignKeyMaterialProblem(k);
  if (foreign !== undefined) return broken(`"k" is ${foreign}`);
  // A placeholder (32 zero bytes, 'aaaa…') in a key store is as guessable as one given to sharedSecret.
  const repeated = repeatedPatternProblem(k);
  return repeated === undefined ? USABLE : broken(`"k" ${repeated}`);
}

function rsaProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  // 16384 bits are 2048 bytes, 2731 base64url characters: anything longer is refused before decoding.
  const n = decodeMember(jwk.n, 2_731);
  const e = decodeMember(jwk.e, 2_731);
  if (n === undefined) return '"n" is missing or not base64url';
  if (e === undefined) return '"e" is missing or not base64url';
  const problem = rsaKeyProblem(jwk);
  if (problem !== undefined) return problem;
  const modulus = toBigInt(n);
  if (modulus.toString(2).length > RSA_MAX_MODULUS_BITS)
    return `an RSA modulus over ${RSA_MAX_MODULUS_BITS} bits`;
  if (toBigInt(e) >= modulus) return 'an RSA public exponent not below the modulus';
  return undefined;
}

function checkEc(jwk: Record<string, unknown>): VerificationJwkCheck {
  if (typeof jwk.crv !== 'string') return broken('no "crv"');
  if (!Object.hasOwn(NIST_CURVES, jwk.crv)) {
    return OTHER_EC_CURVES.has(jwk.crv) ? otherPurpose(`curve ${jwk.crv}`) : broken('unknown "crv"');
  }
  return verdict(ecPointProblem(jwk, jwk.crv));
}

function ecPointProblem(jwk: Readonly<Record<string, unknown>>, crv: string): string | undefined {
  const curve = NIST_CURVES[crv]!;
  const x = decodeMember(jwk.x, 88);
  const y = decodeMember(jwk.y, 88);
  if (x?.byteLength !== curve.bytes || y?.byteLength !== curve.bytes) {
    return `"x" and "y" must be ${curve.bytes}-byte base64url coordinates`;
  }
  // A point off the curve is the start of an invalid-curve attack; WebCrypto would refuse it too, but
  // only at the first token, which is too late to keep the last good keys.
  const { p, b } = curve;
  const px = toBigInt(x);
  const py = toBigInt(y);
  if (px >= p || py >= p || (py * py - (px * px * px - 3n * px + b)) % p !== 0n) {
    return `the point is not on ${crv}`;
  }
  return undefined;
}

function checkOkp(jwk: Record<string, unknown>): VerificationJwkCheck {
  if (typeof jwk.crv !== 'string') return broken('no "crv"');
  if (jwk.crv !== 'Ed25519') {
    return OTHER_OKP_CURVES.has(jwk.crv) ? otherPurpose(`curve ${jwk.crv}`) : broken('unknown "crv"');
  }
  return verdict(okpKeyProblem(jwk) ?? ed25519KeyProblem(jwk));
}

/**
 * Why the `x` of an Ed25519 key must never verify: a point of small order, with which anyone forges
 * signatures ({@link isSmallOrderEd25519Key}). `undefined` for a key on another curve.
 */
export function ed25519KeyProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  if (jwk.crv !== 'Ed25519') return undefined;
  const x = decodeMember(jwk.x, 43);
  return x !== undefined && isSmallOrderEd25519Key(x)
    ? 'its "x" is a point of small order, with which anyone forges signatures'
    : undefined;
}

function okpKeyProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  return decodeMember(jwk.x, 43)?.byteLength === 32 ? undefined : '"x" must be a 32-byte base64url key';
}

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A base64url member (no padding, no other alphabet), decoded; `undefined` if absent, wrong or too long. */
function decodeMember(value: unknown, maxLength = Number.POSITIVE_INFINITY): Uint8Array | undefined {
  if (typeof value !== 'string' || value.length > maxLength || !BASE64URL.test(value)) return undefined;
  try {
    return base64url.decode(value);
  } catch {
    return undefined;
  }
}

function toBigInt(bytes: Uint8Array): bigint {
  let hex = '0x0';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return BigInt(hex);
}
