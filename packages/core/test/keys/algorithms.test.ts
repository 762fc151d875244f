import {
  generateSigningKey,
  jwksOf,
  startJwksServer,
  type TestSigningKey,
  tamperSignature,
} from '@rs/testkit';
import { exportJWK, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, remoteJwks, sharedSecret, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  hmacKey,
  ISSUER,
  mint,
  randomBytes,
  resolveAt,
  withKid,
} from '../helpers.js';

const ASYMMETRIC = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

// RSA key generation is slow: two RSA key pairs serve all six RSA algorithms.
let rsaPairs: TestSigningKey[];
beforeAll(async () => {
  rsaPairs = await Promise.all([generateSigningKey('RS256', 'k1'), generateSigningKey('RS256', 'k1')]);
});

/** A real key pair for `alg`: fresh for EC and OKP, one of the shared RSA pairs re-imported for RSA. */
async function keyFor(alg: string, index: 0 | 1): Promise<TestSigningKey> {
  if (!/^(RS|PS)/.test(alg)) return generateSigningKey(alg, 'k1');
  const pair = rsaPairs[index]!;
  const privateJwk = await exportJWK(pair.privateKey);
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg, use: 'sig' };
  const privateKey = (await importJWK(privateJwk, alg)) as CryptoKey;
  const publicKey = (await importJWK(publicJwk, alg)) as CryptoKey;
  return { alg, kid: 'k1', privateKey, publicKey, publicJwk };
}

describe('asymmetric algorithms really verify', () => {
  it.each(ASYMMETRIC)('%s: accepts a genuine token, refuses a tampered one and another key', async (alg) => {
    const [key, other] = await Promise.all([keyFor(alg, 0), keyFor(alg, 1)]);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    const token = await mint(key);
    const info = expectSuccess(await resolveAt(resolver, token));
    expect(info.source).toBe('jwt');
    expect(info.subject).toBe('user-123');
    expectFailure(await resolveAt(resolver, tamperSignature(token)), 'signature_invalid');
    expectFailure(await resolveAt(resolver, await mint(other)), 'signature_invalid');
  });

  it('verifies every family from one remote JWK set with one fetch', async () => {
    const algs = ['RS256', 'PS384', 'ES256', 'ES384', 'ES512', 'EdDSA'];
    const keys = await Promise.all(
      algs.map(async (alg, i) => withKid(await keyFor(alg, (i % 2) as 0 | 1), `key-${alg}`)),
    );
    const server = await startJwksServer(jwksOf(...keys));
    try {
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url }),
      });
      for (const key of keys) {
        expectSuccess(await resolveAt(resolver, await mint(key)));
        expectFailure(await resolveAt(resolver, tamperSignature(await mint(key))), 'signature_invalid');
      }
      expect(server.requests).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('refuses an algorithm left out of the algorithms option, before fetching any key', async () => {
    const es = await generateSigningKey('ES256');
    const server = await startJwksServer(jwksOf(es));
    try {
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url }),
        algorithms: ['RS256'],
      });
      expectFailure(await resolveAt(resolver, await mint(es)), 'algorithm_not_allowed');
      expect(server.requests).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('refuses a token whose alg does not match the key it names', async () => {
    const rsa = rsaPairs[0]!;
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(rsa)) });
    // Same RSA key pair, but the header says PS256 while the JWK is pinned to RS256.
    const pss = (await importJWK(await exportJWK(rsa.privateKey), 'PS256')) as CryptoKey;
    expectFailure(
      await resolveAt(resolver, await mint({ ...rsa, alg: 'PS256', privateKey: pss })),
      'unknown_key',
    );
  });
});

describe('HMAC algorithms', () => {
  it('HS256 with sharedSecret: accepts a genuine token, refuses a tampered one and another secret', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: sharedSecret(secret),
      algorithms: ['HS256'],
    });
    const key = await hmacKey(secret);
    const token = await mint(key);
    expectSuccess(await resolveAt(resolver, token));
    expectSuccess(await resolveAt(resolver, await mint(key, {}, { omitKid: true })));
    expectFailure(await resolveAt(resolver, tamperSignature(token)), 'signature_invalid');
    expectFailure(await resolveAt(resolver, await mint(await hmacKey(randomBytes(32)))), 'signature_invalid');
  });

  it('HS256 with a string secret of 32 UTF-8 bytes and the default algorithms', async () => {
    const secret = 'a-shared-secret-of-32-characters';
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret) });
    expectSuccess(await resolveAt(resolver, await mint(await hmacKey(new TextEncoder().encode(secret)))));
  });

  it('HS384 and HS512 need a secret as long as the hash output', async () => {
    const secret48 = randomBytes(48);
    const resolver48 = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret48) });
    expectSuccess(await resolveAt(resolver48, await mint(await hmacKey(secret48, 'HS384'))));
    expectFailure(await resolveAt(resolver48, await mint(await hmacKey(secret48, 'HS512'))), 'unknown_key');

    const secret64 = randomBytes(64);
    const resolver64 = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret64) });
    expectSuccess(await resolveAt(resolver64, await mint(await hmacKey(secret64, 'HS512'))));
    expectSuccess(await resolveAt(resolver64, await mint(await hmacKey(secret64, 'HS256'))));
  });

  it('sharedSecret with a kid is used only for tokens naming that kid', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: sharedSecret(secret, { kid: 'h1' }),
    });
    expectSuccess(await resolveAt(resolver, await mint(await hmacKey(secret, 'HS256', 'h1'))));
    expectFailure(await resolveAt(resolver, await mint(await hmacKey(secret, 'HS256', 'h2'))), 'unknown_key');
    expectFailure(
      await resolveAt(resolver, await mint(await hmacKey(secret, 'HS256'), {}, { omitKid: true })),
      'unknown_key',
    );
  });

  it('HS256 with an oct key in staticJwks', async () => {
    const key = await hmacKey(randomBytes(32), 'HS256', 'oct-1');
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [key.publicJwk] }),
    });
    const token = await mint(key);
    expectSuccess(await resolveAt(resolver, token));
    expectSuccess(await resolveAt(resolver, await mint(key, {}, { omitKid: true })));
    expectFailure(await resolveAt(resolver, tamperSignature(token)), 'signature_invalid');
    expectFailure(
      await resolveAt(resolver, await mint(await hmacKey(randomBytes(32), 'HS256', 'oct-1'))),
      'signature_invalid',
    );
  });

  it('HMAC is refused by default when no source holds a shared secret', async () => {
    const rsa = rsaPairs[0]!;
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(rsa)) });
    expectFailure(
      await resolveAt(resolver, await mint(await hmacKey(randomBytes(32)))),
      'algorithm_not_allowed',
    );
    expectConfigError(
      () => jwtResolver({ issuer: ISSUER, keys: staticJwks(jwksOf(rsa)), algorithms: ['RS256', 'HS256'] }),
      'jwt.algorithms',
    );
  });
});
