import type { CryptoKey, JWK } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { isObject } from '../encoding/json-object.js';
import {
  cryptoKeyFitsAlgorithm,
  hashName,
  keyTypeFitsAlgorithm,
  WEBCRYPTO_KEY_ALGORITHMS,
  type WebCryptoKeyAlgorithm,
} from '../keys/algorithms.js';
import { jwkPurposeProblem } from '../keys/jwk-purpose.js';
import { privateJwkProblem } from '../keys/private-jwk-problem.js';
import { MIN_RSA_BITS } from '../keys/rsa-key-checks.js';
import { checkVerificationJwk } from '../keys/verification-jwk.js';

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
 *   private members pass {@link privateJwkProblem} (a `d` of the curve's length, not all zero; for RSA
 *   the CRT members WebCrypto needs, as base64url), and whose members that say what it is for allow
 *   signing with `alg` ({@link jwkPurposeProblem}): `use`, when present, is `sig`; `alg`, when present, is
 *   `alg`; `key_ops`, when present, is `["sign"]`; `ext`, when present, is a boolean. The resource
 *   server's decryption key (`"use": "enc"`, `"alg": "RSA-OAEP-256"`) is so never made to sign.
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
  // A key marked for another purpose is refused, not quietly made to sign: keys are kept apart by purpose.
  const marked = jwkPurposeProblem(jwk as Record<string, unknown>, 'sign', { algorithm: alg });
  if (marked !== undefined) throw new RsConfigError(option, `is refused for signing: ${marked.reason}`);
  const { kty, crv, x, y, n, e } = jwk;
  // The public members as a verification key has them: the RSA key sound, the point on its curve.
  const publicPart = checkVerificationJwk({ kty, crv, x, y, n, e }, { allowSymmetric: false });
  if (!publicPart.usable) throw new RsConfigError(option, `is refused: ${publicPart.reason}`);
  // The private members as WebCrypto imports them: `d` of the curve's length, RSA's CRT members.
  const privatePart = privateJwkProblem(jwk);
  if (privatePart !== undefined) throw new RsConfigError(option, privatePart);
  // Allowed by the purpose, `verify` or an operation of another kind still fails WebCrypto's import of a
  // private key, which takes `key_ops` as the key's usages.
  const operations: unknown = jwk.key_ops;
  requireOption(
    operations === undefined ||
      (Array.isArray(operations) && operations.every((operation) => operation === 'sign')),
    option,
    'has "key_ops" other than ["sign"]: WebCrypto imports a private key for signing only; give ["sign"] ' +
      'or leave it out',
  );
}

function describeKeyAlgorithm(algorithm: WebCryptoKeyAlgorithm): string {
  const detail = algorithm.namedCurve ?? hashName(algorithm);
  return `${algorithm.name ?? 'unnamed'}${detail === undefined ? '' : ` ${detail}`}`;
}
