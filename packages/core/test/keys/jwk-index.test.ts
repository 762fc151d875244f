import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { exportJWK, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwtResolver, remoteJwks, staticJwks } from '../../src/index.js';
import { JwkIndex, MAX_JWKS_KEYS } from '../../src/keys/jwk-index.js';
import { JwkSetError } from '../../src/keys/jwk-set-error.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  hmacKey,
  ISSUER,
  mint,
  NOW_MS,
  randomBytes,
  resolveAt,
  weakRsaKeyPair,
  withKid,
} from '../helpers.js';

let rsa1: TestSigningKey;
let rsa2: TestSigningKey;
let ec256: TestSigningKey;
let ec384: TestSigningKey;

beforeAll(async () => {
  [rsa1, rsa2, ec256, ec384] = await Promise.all([
    generateSigningKey('RS256', 'rsa-1'),
    generateSigningKey('RS256', 'rsa-2'),
    generateSigningKey('ES256', 'ec-256'),
    generateSigningKey('ES384', 'ec-384'),
  ]);
});

function without<K extends string>(jwk: JWK, ...members: K[]): JWK {
  const copy: Record<string, unknown> = { ...jwk };
  for (const member of members) delete copy[member];
  return copy as JWK;
}

function resolverFor(...keys: JWK[]) {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks({ keys }) });
}

describe('key selection without kid', () => {
  it('tries every key that fits the algorithm: two RSA keys, token signed by the second', async () => {
    const resolver = resolverFor(
      without(rsa1.publicJwk, 'kid'),
      without(rsa2.publicJwk, 'kid'),
      ec256.publicJwk,
    );
    const token = await mint(rsa2, {}, { omitKid: true });
    expectSuccess(await resolveAt(resolver, token));
  });

  it('also tries keys that do have a kid when the token has none', async () => {
    const resolver = resolverFor(rsa1.publicJwk, rsa2.publicJwk);
    expectSuccess(await resolveAt(resolver, await mint(rsa2, {}, { omitKid: true })));
    expectSuccess(await resolveAt(resolver, await mint(rsa1, {}, { omitKid: true })));
  });

  it('refuses with signature_invalid when no key verifies', async () => {
    const resolver = resolverFor(rsa1.publicJwk);
    expectFailure(await resolveAt(resolver, await mint(rsa2, {}, { omitKid: true })), 'signature_invalid');
  });

  it('refuses with unknown_key when no key fits the algorithm', async () => {
    const resolver = resolverFor(rsa1.publicJwk, rsa2.publicJwk);
    expectFailure(await resolveAt(resolver, await mint(ec256, {}, { omitKid: true })), 'unknown_key');
  });

  it('works the same with a remote set, without refetching', async () => {
    const server: JwksServer = await startJwksServer({
      keys: [without(rsa1.publicJwk, 'kid'), without(rsa2.publicJwk, 'kid')],
    });
    try {
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url }),
      });
      expectSuccess(await resolveAt(resolver, await mint(rsa2, {}, { omitKid: true })));
      expectSuccess(await resolveAt(resolver, await mint(rsa1, {}, { omitKid: true }), NOW_MS + 60_000));
      expect(server.requests).toBe(1);
    } finally {
      await server.close();
    }
  });
});

describe('key selection with kid', () => {
  it('uses only the keys with that kid', async () => {
    // rsa2's key announced under rsa1's kid would verify; the real rsa1 key under that kid must not.
    const resolver = resolverFor(rsa1.publicJwk, rsa2.publicJwk);
    expectFailure(await resolveAt(resolver, await mint(withKid(rsa2, 'rsa-1'))), 'signature_invalid');
    expectSuccess(await resolveAt(resolver, await mint(rsa2)));
  });

  it('refuses a set with two keys under one kid (see keys/jwk-set-ambiguity.test.ts)', () => {
    expectConfigError(() => resolverFor(rsa1.publicJwk, { ...rsa2.publicJwk, kid: 'rsa-1' }), 'staticJwks');
  });

  it('does not match a token kid against keys without kid', async () => {
    const resolver = resolverFor(without(rsa1.publicJwk, 'kid'));
    expectFailure(await resolveAt(resolver, await mint(rsa1)), 'unknown_key');
  });
});

describe('keys that must not be used', () => {
  it('skips a key whose alg member names another algorithm', async () => {
    const resolver = resolverFor({ ...rsa1.publicJwk, alg: 'RS384' }, rsa2.publicJwk);
    expectFailure(await resolveAt(resolver, await mint(rsa1)), 'unknown_key');
    expectFailure(await resolveAt(resolver, await mint(rsa1, {}, { omitKid: true })), 'signature_invalid');
  });

  it('uses an RSA key without alg member for both RS256 and PS256', async () => {
    const resolver = resolverFor(without(rsa1.publicJwk, 'alg'));
    expectSuccess(await resolveAt(resolver, await mint(rsa1)));
    const pssPrivate = (await importJWK(await exportJWK(rsa1.privateKey), 'PS256')) as CryptoKey;
    expectSuccess(await resolveAt(resolver, await mint({ ...rsa1, alg: 'PS256', privateKey: pssPrivate })));
  });

  it('skips a key meant for encryption (use: enc) or without verify in key_ops', async () => {
    const resolver = resolverFor(
      { ...rsa1.publicJwk, use: 'enc' },
      { ...ec256.publicJwk, use: undefined, key_ops: ['encrypt'] } as JWK,
      rsa2.publicJwk,
    );
    expectFailure(await resolveAt(resolver, await mint(rsa1)), 'unknown_key');
    expectFailure(await resolveAt(resolver, await mint(ec256)), 'unknown_key');
    expectFailure(await resolveAt(resolver, await mint(rsa1, {}, { omitKid: true })), 'signature_invalid');
    expectSuccess(await resolveAt(resolver, await mint(rsa2)));
  });

  it('uses a key whose key_ops include verify', async () => {
    const resolver = resolverFor({ ...ec256.publicJwk, key_ops: ['verify'] });
    expectSuccess(await resolveAt(resolver, await mint(ec256)));
  });

  it('does not use an EC key of another curve for ES256', async () => {
    // A P-384 key published under the kid of an ES256 token, without alg member: the curve decides.
    const resolver = resolverFor(without({ ...ec384.publicJwk, kid: 'ec-256' }, 'alg'), rsa1.publicJwk);
    expectFailure(await resolveAt(resolver, await mint(ec256)), 'unknown_key');
    expectFailure(await resolveAt(resolver, await mint(ec256, {}, { omitKid: true })), 'unknown_key');
    // The P-384 key does serve ES384 tokens.
    expectSuccess(await resolveAt(resolver, await mint(withKid(ec384, 'ec-256'))));
  });

  it('never uses a key that carries private members: refused in configuration, left out of a fetched set', async () => {
    const privateJwk = { ...(await exportJWK(rsa1.privateKey)), kid: 'rsa-1', alg: 'RS256' };
    expect(privateJwk.d).toBeTypeOf('string');
    expect(() => staticJwks({ keys: [privateJwk, rsa2.publicJwk] })).toThrow(/key "rsa-1": a private key/);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth']) {
      const index = new JwkIndex(
        { keys: [{ ...rsa1.publicJwk, [member]: 'AQAB' }] },
        { allowSymmetric: false },
      );
      expect(index.size).toBe(0);
      expect(index.unusable).toHaveLength(1);
    }
  });

  it('refuses an HMAC key shorter than HS256 needs in configuration; uses a 32-byte one for HS256 only', async () => {
    const short = await hmacKey(randomBytes(31), 'HS256', 'short');
    expect(() => staticJwks({ keys: [short.publicJwk] })).toThrow(
      /key "short": a shared secret of 31 bytes: HMAC secrets need 32 bytes or more/,
    );
    const secret = randomBytes(32);
    const hs256 = await hmacKey(secret, 'HS256', 'k');
    const { alg: _alg, ...unpinned } = hs256.publicJwk;
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [unpinned] }),
    });
    expect((await resolveAt(resolver, await mint(hs256))).ok).toBe(true);
    const hs512 = await hmacKey(secret, 'HS512', 'k');
    expectFailure(await resolveAt(resolver, await mint(hs512)), 'unknown_key');
  });

  it('refuses an RSA key shorter than 2048 bits in configuration; a fetched set leaves it out and keeps the others', async () => {
    const weakPair = await weakRsaKeyPair();
    const weakJwk = { ...(await exportJWK(weakPair.publicKey)), kid: 'weak', alg: 'RS256' };
    expect(() => staticJwks({ keys: [weakJwk, rsa1.publicJwk] })).toThrow(
      /key "weak": its modulus is 1024 bits/,
    );
    const index = new JwkIndex(
      { keys: [without(weakJwk, 'kid'), without(rsa1.publicJwk, 'kid')] },
      { allowSymmetric: false },
    );
    expect(index.size).toBe(1);
    expect(await index.keysFor({ alg: 'RS256', kid: undefined })).toHaveLength(1);
  });

  it('refuses an EC point off its curve in configuration; a fetched set leaves it out and keeps the others', async () => {
    const broken = { ...ec256.publicJwk, y: ec256.publicJwk.x };
    expect(() => staticJwks({ keys: [broken, rsa2.publicJwk] })).toThrow(/the point is not on P-256/);
    const index = new JwkIndex({ keys: [broken, rsa2.publicJwk] }, { allowSymmetric: false });
    expect(index.size).toBe(1);
    expect(index.hasKid('ec-256')).toBe(false);
    expectSuccess(await resolveAt(resolverFor(rsa2.publicJwk), await mint(rsa2)));
  });
});

describe('JwkIndex', () => {
  it('indexes usable keys by kid and counts them', async () => {
    const index = new JwkIndex(
      {
        keys: [rsa1.publicJwk, { ...rsa2.publicJwk, use: 'enc' }, ec256.publicJwk, 'junk', null, { kty: 1 }],
      },
      { allowSymmetric: false },
    );
    expect(index.size).toBe(2);
    expect(index.hasKid('rsa-1')).toBe(true);
    expect(index.hasKid('rsa-2')).toBe(false);
    expect(index.hasKid('ec-256')).toBe(true);
    expect(index.hasSymmetricKeys).toBe(false);
    expect(await index.keysFor({ alg: 'RS256', kid: 'rsa-1' })).toHaveLength(1);
    expect(await index.keysFor({ alg: 'ES256', kid: 'rsa-1' })).toHaveLength(0);
    expect(await index.keysFor({ alg: 'RS256', kid: undefined })).toHaveLength(1);
  });

  it('never hands out an asymmetric key for an HMAC algorithm', async () => {
    const index = new JwkIndex(
      { keys: [rsa1.publicJwk, without(rsa2.publicJwk, 'alg'), ec256.publicJwk] },
      { allowSymmetric: true },
    );
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      expect(await index.keysFor({ alg, kid: 'rsa-1' })).toEqual([]);
      expect(await index.keysFor({ alg, kid: 'rsa-2' })).toEqual([]);
      expect(await index.keysFor({ alg, kid: undefined })).toEqual([]);
    }
  });

  it('leaves out symmetric keys unless allowed', async () => {
    const oct = (await hmacKey(randomBytes(32))).publicJwk;
    expect(new JwkIndex({ keys: [oct] }, { allowSymmetric: false }).size).toBe(0);
    const allowed = new JwkIndex({ keys: [oct] }, { allowSymmetric: true });
    expect(allowed.size).toBe(1);
    expect(allowed.hasSymmetricKeys).toBe(true);
  });

  it('imports a key once per algorithm', async () => {
    const index = new JwkIndex({ keys: [without(rsa1.publicJwk, 'alg')] }, { allowSymmetric: false });
    const [first] = await index.keysFor({ alg: 'RS256', kid: 'rsa-1' });
    const [again] = await index.keysFor({ alg: 'RS256', kid: 'rsa-1' });
    const [pss] = await index.keysFor({ alg: 'PS256', kid: 'rsa-1' });
    expect(first).toBe(again);
    expect(pss).not.toBe(first);
    expect(first!.extractable).toBe(false);
    expect(first!.usages).toEqual(['verify']);
  });

  it('refuses a document that is not a JWK set, or holds more than 100 keys', () => {
    for (const document of [null, [], 'x', {}, { keys: {} }]) {
      expect(() => new JwkIndex(document, { allowSymmetric: false })).toThrow(JwkSetError);
    }
    const keys = Array.from({ length: MAX_JWKS_KEYS + 1 }, (_, i) => ({ ...rsa1.publicJwk, kid: `k${i}` }));
    expect(() => new JwkIndex({ keys }, { allowSymmetric: false })).toThrow(JwkSetError);
    expect(new JwkIndex({ keys: keys.slice(1) }, { allowSymmetric: false }).size).toBe(MAX_JWKS_KEYS);
  });
});

describe('staticJwks', () => {
  it('refuses at build time a set without any usable verification key', () => {
    expectConfigError(() => staticJwks({ keys: [] }), 'staticJwks');
    expectConfigError(() => staticJwks({ keys: [{ ...rsa1.publicJwk, use: 'enc' }] }), 'staticJwks');
    expectConfigError(() => staticJwks({ keys: [{ ...rsa1.publicJwk, d: 'AQAB' }] }), 'staticJwks');
    expectConfigError(() => staticJwks({} as never), 'staticJwks');
    const many = Array.from({ length: 101 }, (_, i) => ({ ...rsa1.publicJwk, kid: `k${i}` }));
    expectConfigError(() => staticJwks({ keys: many }), 'staticJwks');
  });

  it('declares itself symmetric only when it holds an oct key', async () => {
    expect(staticJwks(jwksOf(rsa1)).symmetric).toBe(false);
    const oct = (await hmacKey(randomBytes(32))).publicJwk;
    expect(staticJwks({ keys: [oct] }).symmetric).toBe(true);
  });
});

describe('EdDSA naming', () => {
  it('lets a JWK pinned to EdDSA verify an Ed25519 token, and the other way round', async () => {
    const ed = await generateSigningKey('Ed25519', 'ed-1');
    for (const [jwkAlg, tokenAlg] of [
      ['EdDSA', 'Ed25519'],
      ['Ed25519', 'EdDSA'],
    ] as const) {
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks({ keys: [{ ...ed.publicJwk, alg: jwkAlg }] }),
      });
      const token = await mint({ ...ed, alg: tokenAlg });
      expectSuccess(await resolveAt(resolver, token));
    }
  });
});
