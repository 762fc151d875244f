// The keys and tokens every benchmark row shares: one key per algorithm, real signatures, RFC 9068
// shaped claims padded to a given size, distinct tokens (a new jti each) or one repeated token.
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';

export const ISSUER = 'https://as.bench.test';
export const AUDIENCE = 'https://api.bench.test';
export const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

const HASHES = { RS256: 'sha256', PS256: 'sha256', ES256: 'sha256', EdDSA: null };

/**
 * A signing key pair for `alg`, with its public JWK (kid `k1`) and PEM; for HS256 a 32-byte shared
 * secret, as an `oct` JWK and (in `pem`, what fast-jwt takes) the bytes themselves.
 */
export function benchKey(alg, kid = 'k1') {
  if (alg === 'HS256') {
    const secret = randomBytes(32);
    const jwk = { kty: 'oct', k: secret.toString('base64url'), kid, alg, use: 'sig' };
    return { alg, kid, privateKey: secret, publicKey: secret, jwk, pem: secret };
  }
  const pair =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : alg === 'EdDSA'
        ? generateKeyPairSync('ed25519')
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...pair.publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  const pem = pair.publicKey.export({ format: 'pem', type: 'spki' });
  return { alg, kid, privateKey: pair.privateKey, publicKey: pair.publicKey, jwk, pem };
}

/** Signs one token with `key`: `claimBytes` is the approximate size of the JSON claim set. */
export function signToken(key, { claimBytes = 1024, jti = crypto.randomUUID(), omitKid = false } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-123',
    client_id: 'client-abc',
    scope: 'read write',
    iat: now,
    exp: now + 3600,
    jti,
  };
  const base = JSON.stringify(claims).length;
  if (claimBytes > base + 10) claims.pad = 'x'.repeat(claimBytes - base - 10);
  const header = { alg: key.alg, typ: 'at+jwt', ...(omitKid ? {} : { kid: key.kid }) };
  const input = `${encode(header)}.${encode(claims)}`;
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.privateKey).update(input).digest()
      : sign(HASHES[key.alg], Buffer.from(input), jwsOptions(key.alg, key.privateKey));
  return flat(`${input}.${signature.toString('base64url')}`);
}

/**
 * The string as one flat sequence of bytes, as an HTTP parser hands a header over. A string built by
 * concatenation is a tree that V8 flattens, into a new copy, the first time it is scanned: a benchmark
 * would count that copy against whichever implementation scans first, and keep it alive.
 */
export function flat(text) {
  return Buffer.from(text, 'latin1').toString('latin1');
}

/** node:crypto's hash for `alg`, and its options for a JWS signature with `keyObject`. */
export function jwsHash(alg) {
  return HASHES[alg];
}

export function jwsOptions(alg, keyObject) {
  if (alg === 'PS256') return { key: keyObject, padding: 6, saltLength: 32 };
  if (alg === 'ES256') return { key: keyObject, dsaEncoding: 'ieee-p1363' };
  return keyObject;
}

/** `count` distinct tokens (each its own jti and signature). */
export function distinctTokens(key, count, options = {}) {
  return Array.from({ length: count }, () => signToken(key, options));
}

function encode(value) {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}
