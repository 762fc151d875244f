import { base64url, type JWTPayload, SignJWT } from 'jose';
import type { TestSigningKey } from './keys.js';

/** Defaults for minted tokens: issuer, audience and a clock. */
export interface MintDefaults {
  readonly issuer: string;
  readonly audience: string;
  /** Seconds since the epoch used for `iat`; `exp` is `iat + 300` unless given. */
  readonly now?: number;
}

/** Header overrides for minted tokens (typ, extra members, no kid). */
export interface MintHeader {
  readonly typ?: string;
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
