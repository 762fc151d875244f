import { base64url, type JWTPayload, SignJWT } from 'jose';
import type { TestSigningKey } from './keys.js';

/** Defaults for minted tokens: issuer, audience and a clock. */
export interface MintDefaults {
  /** The `iss` of every token, unless its claims give another. */
  readonly issuer: string;
  /** The `aud` of every token, unless its claims give another. */
  readonly audience: string;
  /** Seconds since the epoch used for `iat`; `exp` is `iat + 300` unless given. */
  readonly now?: number;
}

/** Header overrides for minted tokens (typ, extra members, no kid). */
export interface MintHeader {
  /** The header `typ`. Default `at+jwt`. */
  readonly typ?: string;
  /** Leave out the `kid` header (it is the key's otherwise). */
  readonly omitKid?: boolean;
  readonly [member: string]: unknown;
}

/**
 * Signs a real JWT access token with `key`: RFC 9068 shaped by default (`typ: at+jwt`, iss, aud, sub,
 * client_id, iat, exp, jti, scope). Claims given override the defaults; `undefined` removes one.
 */
export async function mintToken(
  key: TestSigningKey,
  defaults: MintDefaults,
  claims: Record<string, unknown> = {},
  header: MintHeader = {},
): Promise<string> {
  const now = defaults.now ?? Math.floor(Date.now() / 1000);
  const payload: Record<string, unknown> = {
    iss: defaults.issuer,
    aud: defaults.audience,
    sub: 'user-123',
    client_id: 'client-abc',
    iat: now,
    exp: now + 300,
    jti: crypto.randomUUID(),
    scope: 'read',
    ...claims,
  };
  for (const name of Object.keys(payload)) if (payload[name] === undefined) delete payload[name];
  const { omitKid, typ, ...extraHeader } = header;
  return new SignJWT(payload as JWTPayload)
    .setProtectedHeader({
      ...extraHeader,
      alg: key.alg,
      typ: typ ?? 'at+jwt',
      ...(omitKid ? {} : { kid: key.kid }),
    })
    .sign(key.privateKey);
}

/** The token with one character of its signature changed. */
export function tamperSignature(token: string): string {
  const lastDot = token.lastIndexOf('.');
  const signature = token.slice(lastDot + 1);
  const flipped = signature[0] === 'A' ? 'B' : 'A';
  return `${token.slice(0, lastDot + 1)}${flipped}${signature.slice(1)}`;
}

/** A compact token with the given header and payload objects and an arbitrary signature segment. */
export function rawToken(header: unknown, payload: unknown, signature = 'c2ln'): string {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  return `${encode(header)}.${encode(payload)}.${signature}`;
}

/** The order n of each JWS ECDSA algorithm's curve: a signature's r and s lie in [1, n − 1]. */
export const ECDSA_CURVE_ORDERS: Readonly<Record<string, bigint>> = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};

/**
 * The same ES256/ES384/ES512 token with the other valid signature of its claims: ECDSA signatures come
 * in pairs, (r, s) and (r, n − s), and JWS verification accepts both. What an attacker holding one
 * token can make without any key.
 */
export function ecdsaTwin(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const { alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg: string };
  const n = ECDSA_CURVE_ORDERS[alg];
  if (n === undefined) throw new TypeError(`not an ECDSA JWS: ${alg}`);
  const bytes = Buffer.from(signature, 'base64url');
  const size = bytes.length / 2;
  const s = BigInt(`0x${bytes.subarray(size).toString('hex')}`);
  const twin = Buffer.from((n - s).toString(16).padStart(size * 2, '0'), 'hex');
  return `${header}.${payload}.${Buffer.concat([bytes.subarray(0, size), twin]).toString('base64url')}`;
}
