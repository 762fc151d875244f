import { base64url, type CryptoKey, type JWK } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { isObject } from '../encoding/json-object.js';
import {
  cryptoKeyFitsAlgorithm,
  hashName,
  keyTypeFitsAlgorithm,
  WEBCRYPTO_KEY_ALGORITHMS,
  type WebCryptoKeyAlgorithm,
} from '../keys/algorithms.js';
import { MIN_RSA_BITS } from '../keys/rsa-key-checks.js';
import { checkVerificationJwk } from '../keys/verification-jwk.js';

/** The length of a private scalar (`d`) in bytes: the curve's order (RFC 7518 §6.2.2.1, RFC 8037 §2). */
const PRIVATE_SCALAR_BYTES: Readonly<Record<string, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  Ed25519: 32,
};

// RFC 7518 §6.3.2 lets the CRT members (p to qi) be left out; WebCrypto (Node, browsers) needs them all.
const RSA_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
// base64url without padding (RFC 7515 §2); WebCrypto also reads a padded value, so padding is let through.
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Checks, when the resolver is built, the key that signs `private_key_jwt` client assertions, so that a
 * key which could only fail at the first introspection (answered 503 `introspection_misconfigured` for
 * every request) is refused at start-up. Importing a key is asynchronous and the resolver is built
 * synchronously, so what is checked here is everything that can be known without importing:
 *
 * - a `CryptoKey`: private, allowed to sign, of the algorithm, hash and curve `alg` needs (as jose checks
 *   before signing), and for RSA of at least {@link MIN_RSA_BITS} bits;
 * - a JWK: a private key whose type and curve fit `alg`, whose public members pass the checks of a
 *   verification key (coordinates of the curve's length, the point on the curve, a sound RSA key), whose
 *   `d` is base64url of the curve's length (for RSA: with the CRT members WebCrypto needs, as base64url
 *   too), and whose `key_ops`, when present, allows only signing.
 *
 * A well-formed `d` that belongs to another public key still fails at the first call. Messages never
 * repeat key material.
 */
export function checkClientAssertionKey(key: CryptoKey | JWK, alg: string, option: string): void {
  if (!isObject(key)) throw new RsConfigError(option, 'must be a CryptoKey or a private JWK');
  if ('kty' in key) checkPrivateJwk(key as JWK, alg, option);
  else checkCryptoKey(key as CryptoKey, alg, option);
}

function checkCryptoKey(key: CryptoKey, alg: string, option: string): void {
  requireOption(key.type === 'private', option, 'must be a private key');
  const usages: unknown = key.usages;
  requireOption(
    Array.isArray(usages) && usages.includes('sign'),
    option,
    'must be a CryptoKey allowed to sign (its usages lack "sign")',
  );
  const algorithm: Partial<RsaHashedKeyAlgorithm & EcKeyAlgorithm> = isObject(key.algorithm)
    ? key.algorithm
    : {};
  const needed = WEBCRYPTO_KEY_ALGORITHMS[alg];
  requireOption(
    cryptoKeyFitsAlgorithm(algorithm, alg),
    option,
    `is a CryptoKey for ${describeKeyAlgorithm(algorithm)}, which does not fit the algorithm ${alg}` +
      (needed === undefined ? '' : ` (it needs ${describeKeyAlgorithm(needed)})`),
  );
  const { modulusLength } = algorithm;
  requireOption(
    modulusLength === undefined || modulusLength >= MIN_RSA_BITS,
    option,
    `is an RSA key of ${modulusLength} bits: RSA keys need ${MIN_RSA_BITS} bits or more`,
  );
}

function checkPrivateJwk(jwk: JWK, alg: string, option: string): void {
  requireOption(typeof jwk.d === 'string', option, 'must be a private key (a JWK with "d")');
  requireOption(keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg), option, `does not fit the algorithm ${alg}`);
  const { kty, crv, x, y, n, e } = jwk;
  // The public members as a verification key has them: the RSA key sound, the point on its curve.
  const publicPart = checkVerificationJwk({ kty, crv, x, y, n, e }, { allowSymmetric: false });
  if (!publicPart.usable) throw new RsConfigError(option, `is refused: ${publicPart.reason}`);
  if (kty === 'RSA') {
    checkRsaPrivateMembers(jwk, option);
  } else {
    const length = PRIVATE_SCALAR_BYTES[crv as string]!;
    const d = decodeMember(jwk.d);
    requireOption(
      d !== undefined && d.byteLength === length && d.some((byte) => byte !== 0),
      option,
      `has a "d" that is not a private key of ${crv}: it must be ${length} bytes of base64url, not all zero`,
    );
  }
  const operations: unknown = jwk.key_ops;
  requireOption(
    operations === undefined ||
      (Array.isArray(operations) &&
        operations.length > 0 &&
        operations.every((operation) => operation === 'sign')),
    option,
    'has "key_ops" other than ["sign"]: WebCrypto imports a private key for signing only; give ["sign"] ' +
      'or leave it out',
  );
}

function checkRsaPrivateMembers(jwk: JWK, option: string): void {
  // Their spelling only, not their values: Node's OpenSSL checks each CRT signature and recomputes a
  // wrong one with d, so a key with a wrong CRT member still signs.
  const unreadable = RSA_PRIVATE_MEMBERS.filter((member) => decodeMember(jwk[member]) === undefined);
  requireOption(
    unreadable.length === 0,
    option,
    `lacks ${unreadable.map((member) => `"${member}"`).join(', ')} as base64url: an RSA private JWK ` +
      'needs d, p, q, dp, dq and qi to sign with WebCrypto (RFC 7518 §6.3.2)',
  );
}

function decodeMember(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !BASE64URL.test(value)) return undefined;
  try {
    return base64url.decode(value.replace(/=+$/, ''));
  } catch {
    return undefined;
  }
}

function describeKeyAlgorithm(algorithm: WebCryptoKeyAlgorithm): string {
  const detail = algorithm.namedCurve ?? hashName(algorithm);
  return `${algorithm.name ?? 'unnamed'}${detail === undefined ? '' : ` ${detail}`}`;
}
