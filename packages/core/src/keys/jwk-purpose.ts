import { quotedExcerpt } from '../encoding/quoted-excerpt.js';
import { keyTypeFitsAlgorithm, SUPPORTED_JWS_ALGORITHMS } from './algorithms.js';
import { CONTENT_ENCRYPTION_KEY_BYTES, SUPPORTED_KEY_MANAGEMENT_ALGORITHMS } from './jwe-algorithms.js';

/**
 * What a key given as a JWK is taken for: verifying signatures (a public key, a shared secret, or the
 * public half of a signing key), signing (a client assertion's private key), or decrypting tokens.
 */
export type JwkPurpose = 'verify' | 'sign' | 'decrypt';

/**
 * Why a JWK's own members refuse it the purpose: `broken` when they are malformed or contradict each
 * other (worth reporting: whoever wrote them meant something they do not say), or not when they simply
 * say the key is for something else (`"use": "enc"` in a set of signing keys), which is left out quietly
 * where keys of several purposes may be published together.
 */
export interface JwkPurposeProblem {
  readonly broken: boolean;
  readonly reason: string;
}

/** Options of {@link jwkPurposeProblem}. */
export interface JwkPurposeOptions {
  /**
   * For `verify`: the JWK is a signing key (a private key, or a shared secret) whose public half or
   * secret will verify, so `key_ops` saying `sign` serve as well as `verify`.
   */
  readonly signingKey?: boolean | undefined;
  /** For `sign`: the one algorithm the key will sign with; an `alg` must name it. */
  readonly algorithm?: string | undefined;
}

// RFC 7517 §4.3: the operations of the two purposes. A key meant for one must not serve the other:
// the same RSA key signing and decrypting is the textbook case of keys that must be kept apart.
const SIGNATURE_OPERATIONS: ReadonlySet<string> = new Set(['sign', 'verify']);
const ENCRYPTION_OPERATIONS: ReadonlySet<string> = new Set([
  'encrypt',
  'decrypt',
  'wrapKey',
  'unwrapKey',
  'deriveKey',
  'deriveBits',
]);
// Which key_ops a JWE key management algorithm needs is not settled in practice (an RSA-OAEP key is
// published with "decrypt" by some, "unwrapKey" by others): any operation that decrypts is taken.
const DECRYPTING_OPERATIONS: readonly string[] = ['decrypt', 'unwrapKey', 'deriveKey', 'deriveBits'];

// RFC 8037's `EdDSA` and RFC 9864's fully specified `Ed25519` both name Ed25519 signatures.
const EDDSA_NAMES: ReadonlySet<string> = new Set(['EdDSA', 'Ed25519']);

/** Curves that ECDH-ES derives keys on (RFC 7518 §4.6, RFC 8037 §3.2). */
const ECDH_CURVES: ReadonlySet<unknown> = new Set(['P-256', 'P-384', 'P-521', 'X25519']);

/** The longest value of a marker (`use`, `alg`) quoted in a reason; a longer one is cut. */
const MAX_QUOTED_LENGTH = 32;

/**
 * Why the members of `jwk` that say what it is for and how it is named refuse it `purpose`, or
 * `undefined` when they allow it: every place a JWK enters @rs asks this, so that a key marked for one
 * purpose never serves another, and a member jose or WebCrypto would refuse at import (at the first
 * token, too late to say so) is refused now. What is checked:
 *
 * - `kid`, when present, is a string;
 * - `ext`, when present, is a boolean (RFC 7517 §4 leaves it to WebCrypto, which demands one);
 * - `use`, when present, is `sig` for verifying and signing, `enc` for decrypting (RFC 7517 §4.2);
 * - `key_ops`, when present, is an array of unique strings (RFC 7517 §4.3) holding the operation
 *   (`verify`; `sign`; one of `decrypt`, `unwrapKey`, `deriveKey`, `deriveBits`) and, for a key whose
 *   secret or private half @rs holds, none of the other purpose's (an issuer's public key may list
 *   more, as Azure Key Vault's do);
 * - `alg`, when present, names an algorithm of the purpose that fits the key's type and curve: a
 *   supported JWS algorithm for verifying, the very algorithm it will sign with for signing, a supported
 *   JWE key management algorithm (or, for an `oct` key of direct encryption, a content encryption one)
 *   for decrypting.
 *
 * A key marked for something else is that, whatever else is wrong with it: such a problem comes first,
 * then the first broken one. The key material itself is the caller's to check. Reasons read after the
 * key's name and never repeat key material.
 *
 * @example
 * ```ts
 * jwkPurposeProblem({ ...rsaPrivateJwk, use: 'enc' }, 'sign', { algorithm: 'RS256' });
 * // { broken: false, reason: 'it is marked "use": "enc"' }
 * ```
 */
export function jwkPurposeProblem(
  jwk: Readonly<Record<string, unknown>>,
  purpose: JwkPurpose,
  options: JwkPurposeOptions = {},
): JwkPurposeProblem | undefined {
  const problems = [
    useProblem(jwk.use, purpose),
    keyOpsProblem(jwk.key_ops, purpose, options),
    algProblem(jwk, purpose, options),
    jwk.kid !== undefined && typeof jwk.kid !== 'string' ? broken('"kid" is not a string') : undefined,
    jwk.ext !== undefined && typeof jwk.ext !== 'boolean' ? broken('"ext" is not a boolean') : undefined,
  ].filter((problem) => problem !== undefined);
  // A key published for the other purpose beside ours is not ours to find fault with: it is left out.
  return problems.find((problem) => !problem.broken) ?? problems[0];
}

/**
 * Whether a JWK of this type and curve can serve the JWE key management algorithm `alg`: RSA-OAEP with
 * an `RSA` key, ECDH-ES with an `EC` key on a NIST curve or an `OKP` X25519 key, the others (AES key
 * wrap, direct encryption, PBES2) with an `oct` secret.
 */
export function keyTypeFitsKeyManagement(kty: unknown, crv: unknown, alg: string): boolean {
  if (alg.startsWith('RSA-OAEP')) return kty === 'RSA';
  if (alg.startsWith('ECDH-ES'))
    return (kty === 'EC' || kty === 'OKP') && ECDH_CURVES.has(crv) && (kty === 'OKP') === (crv === 'X25519');
  return kty === 'oct';
}

function useProblem(use: unknown, purpose: JwkPurpose): JwkPurposeProblem | undefined {
  if (use === undefined) return undefined;
  if (typeof use !== 'string') return broken('"use" is not a string');
  const expected = purpose === 'decrypt' ? 'enc' : 'sig';
  return use === expected ? undefined : otherPurpose(`it is marked "use": ${quoted(use)}`);
}

function keyOpsProblem(
  keyOps: unknown,
  purpose: JwkPurpose,
  options: JwkPurposeOptions,
): JwkPurposeProblem | undefined {
  if (keyOps === undefined) return undefined;
  if (
    !Array.isArray(keyOps) ||
    keyOps.some((operation) => typeof operation !== 'string') ||
    new Set(keyOps).size !== keyOps.length
  )
    return broken('"key_ops" is not an array of unique strings (RFC 7517 §4.3)');
  const operations = keyOps as readonly string[];
  const needed =
    purpose === 'decrypt'
      ? DECRYPTING_OPERATIONS
      : purpose === 'sign' || options.signingKey !== true
        ? [purpose]
        : ['verify', 'sign'];
  if (!operations.some((operation) => needed.includes(operation))) {
    return otherPurpose(
      purpose === 'decrypt'
        ? 'its "key_ops" allow no decryption'
        : `its "key_ops" lack ${needed.map((operation) => `"${operation}"`).join(' or ')}`,
    );
  }
  // A public key an issuer publishes may list every operation its vault allows (Azure Key Vault's RSA
  // keys say encrypt, decrypt, sign, verify, wrapKey, unwrapKey): RFC 7517 §4.3 only advises against it,
  // and verifying with a public key exposes nothing. Keys @rs holds the secret half of are kept apart.
  if (purpose === 'verify' && options.signingKey !== true) return undefined;
  const otherOperations = purpose === 'decrypt' ? SIGNATURE_OPERATIONS : ENCRYPTION_OPERATIONS;
  return operations.some((operation) => otherOperations.has(operation))
    ? broken(
        'its "key_ops" mix signature and encryption operations: a key serves one purpose (RFC 7517 §4.3)',
      )
    : undefined;
}

function algProblem(
  jwk: Readonly<Record<string, unknown>>,
  purpose: JwkPurpose,
  options: JwkPurposeOptions,
): JwkPurposeProblem | undefined {
  const alg = jwk.alg;
  if (alg === undefined) return undefined;
  if (typeof alg !== 'string') return broken('"alg" is not a string');
  const shown = quoted(alg);
  switch (purpose) {
    case 'verify':
      // A key of the set named for encryption, or for an algorithm @rs does not verify: not ours to use.
      if (!SUPPORTED_JWS_ALGORITHMS.has(alg))
        return otherPurpose(`"alg" ${shown} is not a signature algorithm`);
      return keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg)
        ? undefined
        : broken(`"alg" ${shown} does not fit the key`);
    case 'sign': {
      const { algorithm } = options;
      const same = alg === algorithm || (EDDSA_NAMES.has(alg) && EDDSA_NAMES.has(algorithm ?? ''));
      return same
        ? undefined
        : broken(`it is marked "alg": ${shown}, not the algorithm ${algorithm} it would sign with`);
    }
    case 'decrypt': {
      const contentEncryption = jwk.kty === 'oct' && Object.hasOwn(CONTENT_ENCRYPTION_KEY_BYTES, alg);
      if (!SUPPORTED_KEY_MANAGEMENT_ALGORITHMS.has(alg) && !contentEncryption) {
        return SUPPORTED_JWS_ALGORITHMS.has(alg)
          ? otherPurpose(`"alg" ${shown} is a signature algorithm`)
          : broken(`"alg" ${shown} is not a supported JWE algorithm`);
      }
      return contentEncryption || keyTypeFitsKeyManagement(jwk.kty, jwk.crv, alg)
        ? undefined
        : broken(`"alg" ${shown} does not fit the key`);
    }
  }
}

function broken(reason: string): JwkPurposeProblem {
  return { broken: true, reason };
}

function otherPurpose(reason: string): JwkPurposeProblem {
  return { broken: false, reason };
}

/** A marker's value, quoted and cut, for a reason: it comes from the JWK, which may come from anywhere. */
function quoted(value: string): string {
  return quotedExcerpt(value, MAX_QUOTED_LENGTH);
}
