import { base64url } from 'jose';
import { withoutTrailing } from '../encoding/text-ends.js';

/**
 * The length in bytes of a curve's private scalar (`d`, RFC 7518 §6.2.2.1, RFC 8037 §2), which is also
 * the length of each of its public coordinates (`x`, and `y` on the NIST curves).
 */
const CURVE_BYTES: Readonly<Record<string, number>> = {
  'P-256': 32,
  'P-384': 48,
  'P-521': 66,
  Ed25519: 32,
  X25519: 32,
};

// RFC 7518 §6.3.2 lets the CRT members (p to qi) be left out; WebCrypto (Node, browsers) needs them all.
const RSA_PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const;
// base64url without padding (RFC 7515 §2); WebCrypto also reads a padded value, so padding is let through.
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** The members of a private JWK this check reads; the others are the caller's. */
export interface PrivateJwkMembers {
  readonly kty?: unknown;
  readonly crv?: unknown;
  readonly x?: unknown;
  readonly y?: unknown;
  readonly d?: unknown;
  readonly p?: unknown;
  readonly q?: unknown;
  readonly dp?: unknown;
  readonly dq?: unknown;
  readonly qi?: unknown;
}

/**
 * Why WebCrypto could not import a private JWK, as far as can be told without importing it (importing is
 * asynchronous, and keys are checked when a factory runs): for `EC` and `OKP` keys a `d` (and public
 * coordinates) of the curve's length in base64url, the `d` not all zero; for `RSA` keys `d`, `p`, `q`,
 * `dp`, `dq` and `qi` all present as base64url. `undefined` when nothing is wrong. The one check of every
 * private JWK @rs takes: client-assertion signing keys, static decryption keys, and decryption keys from
 * secret stores and RFC 9701 `jwtResponse.decryptionKeys`.
 *
 * The key type, curve and public RSA members (see `rsaKeyProblem`) are the caller's to check: a type or
 * curve this check does not know passes it. A well-formed `d` that belongs to another public key, or that
 * is not below the curve's order, is still found only by the import. The answer reads after the key's
 * name (`key "enc-1" has a "d" that …`) and never repeats key material.
 *
 * @example
 * ```ts
 * privateJwkProblem({ ...p256PrivateJwk, d: '' });
 * // 'has a "d" that is not a private key of P-256: it must be 32 bytes of base64url, not all zero'
 * ```
 */
export function privateJwkProblem(jwk: PrivateJwkMembers): string | undefined {
  if (jwk.kty === 'RSA') return rsaPrivateMembersProblem(jwk);
  if (jwk.kty !== 'EC' && jwk.kty !== 'OKP') return undefined;
  const crv = jwk.crv;
  const length = typeof crv === 'string' && Object.hasOwn(CURVE_BYTES, crv) ? CURVE_BYTES[crv] : undefined;
  if (length === undefined) return undefined;
  const d = decodeMember(jwk.d);
  if (d === undefined || d.byteLength !== length || d.every((byte) => byte === 0))
    return `has a "d" that is not a private key of ${crv}: it must be ${length} bytes of base64url, not all zero`;
  // WebCrypto checks the public part against `d` at import: a missing coordinate fails it just the same.
  const coordinates = jwk.kty === 'EC' ? (['x', 'y'] as const) : (['x'] as const);
  const unreadable = coordinates.filter((member) => decodeMember(jwk[member])?.byteLength !== length);
  return unreadable.length === 0
    ? undefined
    : `lacks ${quoted(unreadable)} as ${length}-byte base64url: the public part of a private key of ${crv}`;
}

function rsaPrivateMembersProblem(jwk: PrivateJwkMembers): string | undefined {
  // Their spelling only, not their values: Node's OpenSSL checks each CRT result and recomputes a wrong
  // one with d, so a key with a wrong CRT member still works.
  const unreadable = RSA_PRIVATE_MEMBERS.filter((member) => decodeMember(jwk[member]) === undefined);
  return unreadable.length === 0
    ? undefined
    : `lacks ${quoted(unreadable)} as base64url: an RSA private JWK needs d, p, q, dp, dq and qi for ` +
        'WebCrypto to import it (RFC 7518 §6.3.2)';
}

function quoted(members: readonly string[]): string {
  return members.map((member) => `"${member}"`).join(', ');
}

function decodeMember(value: unknown): Uint8Array | undefined {
  if (typeof value !== 'string' || !BASE64URL.test(value)) return undefined;
  try {
    return base64url.decode(withoutTrailing(value, '='));
  } catch {
    return undefined;
  }
}
