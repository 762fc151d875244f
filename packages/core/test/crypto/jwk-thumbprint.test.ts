// core's RFC 7638 thumbprint (the DPoP `jkt`, `cnf.jwk` confirmation) against jose's
// calculateJwkThumbprint, which it replaces in the bundle: the same print for every key jose prints,
// and no print exactly where jose throws.
import fc from 'fast-check';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, generateSecret, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { jwkThumbprint } from '../../src/crypto/jwk-thumbprint.js';

async function joseThumbprint(jwk: Record<string, unknown>): Promise<string | undefined> {
  try {
    return await calculateJwkThumbprint(jwk as JWK, 'sha256');
  } catch {
    return undefined;
  }
}

describe('jwkThumbprint', () => {
  it('gives the RFC 7638 §3.1 example thumbprint', async () => {
    const jwk = {
      kty: 'RSA',
      n:
        '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs' +
        'tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91' +
        'CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    expect(await jwkThumbprint(jwk)).toBe('NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it.each(['RS256', 'ES256', 'ES384', 'ES512', 'EdDSA', 'ECDH-ES'])(
    'prints a real %s public key as jose does',
    async (alg) => {
      const { publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', use: 'sig' };
      const expected = await calculateJwkThumbprint(jwk, 'sha256');
      expect(await jwkThumbprint(jwk)).toBe(expected);
    },
  );

  it('prints a secret (oct) key as jose does, an empty one included', async () => {
    const jwk = await exportJWK(await generateSecret('HS256', { extractable: true }));
    expect(await jwkThumbprint(jwk)).toBe(await calculateJwkThumbprint(jwk, 'sha256'));
    expect(await jwkThumbprint({ kty: 'oct', k: '' })).toBe(
      await calculateJwkThumbprint({ kty: 'oct', k: '' }, 'sha256'),
    );
  });

  it('refuses what jose refuses: unknown key types, missing, empty or non-string members', async () => {
    const refused = [
      {},
      { kty: 'EC', crv: 'P-256', x: 'abc' },
      { kty: 'EC', crv: 'P-256', x: 'abc', y: '' },
      { kty: 'RSA', n: 'abc', e: 65537 },
      { kty: 'OKP', x: 'abc' },
      { kty: 'oct' },
      { kty: 'DSA', y: 'abc' },
      { kty: 7 },
      { kty: 'toString' },
    ];
    for (const jwk of refused) {
      expect(await joseThumbprint(jwk), JSON.stringify(jwk)).toBeUndefined();
      expect(await jwkThumbprint(jwk), JSON.stringify(jwk)).toBeUndefined();
    }
  });

  it('agrees with jose on arbitrary keys', async () => {
    const member = fc.oneof(
      fc.string(),
      fc.constant(''),
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
    );
    const jwk = fc.record(
      {
        kty: fc.oneof(fc.constantFrom('AKP', 'EC', 'OKP', 'RSA', 'oct', 'other'), fc.integer()),
        alg: member,
        crv: member,
        x: member,
        y: member,
        e: member,
        n: member,
        k: member,
        pub: member,
        kid: member,
      },
      { requiredKeys: ['kty'] },
    );
    await fc.assert(
      fc.asyncProperty(jwk, async (value) => {
        expect(await jwkThumbprint(value)).toBe(await joseThumbprint(value));
      }),
      { numRuns: 500 },
    );
  });
});
