import { ecdsaTwin, generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  jwtResolver,
  memoryTokenCacheStore,
  type RevocationList,
  RsConfigError,
  revocationList,
  staticDecryptionKeys,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { encrypt } from '../jwe-setup.js';

let key: TestSigningKey;

beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

function jwtWith(revocations?: RevocationList, verifiedTokenCache = true): AccessTokenResolver {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(key)),
    ...(verifiedTokenCache ? { verifiedTokenCache: { maxEntries: 100 } } : {}),
    ...(revocations === undefined ? {} : { revocations }),
  });
}

/** A resolver that counts its calls, so that a cache hit is told apart from a miss. */
function counting(resolver: AccessTokenResolver): AccessTokenResolver & { calls: number } {
  const counted = {
    calls: 0,
    cacheNamespace: resolver.cacheNamespace,
    resolve: (token: string, context: Parameters<AccessTokenResolver['resolve']>[1]) => {
      counted.calls++;
      return resolver.resolve(token, context);
    },
  };
  return counted;
}

describe('token cache: revocation by claim', () => {
  it('finds and drops every answer of a subject, client, session or jti, and only those', async () => {
    const store = memoryTokenCacheStore(100);
    const inner = counting(jwtWith());
    const cache = tokenCache(inner, { store, ttl: 60_000 });
    const alice1 = await mint(key, { sub: 'alice', client_id: 'app-1', sid: 's-1', jti: 'j-1' });
    const alice2 = await mint(key, { sub: 'alice', client_id: 'app-2', sid: 's-2', jti: 'j-2' });
    const bob = await mint(key, { sub: 'bob', client_id: 'app-2', sid: 's-3', jti: 'j-3' });
    const all = [alice1, alice2, bob];
    for (const token of all) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(3);
    expect(store.indexSize()).toEqual({ keys: 3, labels: 10 });

    await cache.revoke({ by: 'sub', value: 'alice' });
    for (const token of all) expectSuccess(await resolveAt(cache, token));
    // Both of alice's answers were dropped and asked again; bob's came from the cache.
    expect(inner.calls).toBe(5);

    await cache.revoke({ by: 'client', value: 'app-2' });
    for (const token of all) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(7);

    await cache.revoke({ by: 'sid', value: 's-1' });
    await cache.revoke({ by: 'jti', value: 'j-3' });
    for (const token of all) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(9);

    await cache.revoke({ by: 'token', value: alice2 });
    for (const token of all) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(10);
    expect(cache.stats().revocations).toBe(5);
  });

  it('keeps its index no larger than what the store holds, as entries are evicted for room', async () => {
    const store = memoryTokenCacheStore(3);
    const cache = tokenCache(jwtWith(), { store });
    for (let i = 0; i < 20; i++) {
      expectSuccess(await resolveAt(cache, await mint(key, { sub: `user-${i}`, jti: `j-${i}` })));
    }
    // Three entries: their subjects and jtis, and the client they share.
    expect(store.indexSize()).toEqual({ keys: 3, labels: 7 });
    await cache.clear();
    expect(store.indexSize()).toEqual({ keys: 0, labels: 0 });
  });

  it('clears a store that cannot find answers by claim, rather than keep a revoked one', async () => {
    const memory = memoryTokenCacheStore(10);
    const inner = counting(jwtWith());
    const cache = tokenCache(inner, {
      store: { get: memory.get, set: memory.set, delete: memory.delete, clear: memory.clear },
      ttl: 60_000,
    });
    const token = await mint(key, { sub: 'carol' });
    expectSuccess(await resolveAt(cache, token));
    expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(1);
    await cache.revoke({ by: 'sub', value: 'somebody-else' });
    expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(2);
  });
});

describe('revocation list', () => {
  it('refuses JWTs issued before a revocation of their subject, and accepts those issued after', async () => {
    let now = NOW_MS + 10_000;
    const revocations = revocationList({ clock: () => now, markerTtl: 3_600_000 });
    const resolver = jwtWith(revocations);
    const before = await mint(key, { sub: 'alice', iat: NOW_S, exp: NOW_S + 7_200 });
    expectSuccess(await resolveAt(resolver, before, now));

    await revocations.revoke({ by: 'sub', value: 'alice' });
    expectFailure(await resolveAt(resolver, before, now), 'token_revoked');
    const after = await mint(key, { sub: 'alice', iat: NOW_S + 20 });
    now = NOW_MS + 21_000;
    expectSuccess(await resolveAt(resolver, after, now));
    // Another subject is untouched.
    expectSuccess(await resolveAt(resolver, await mint(key, { sub: 'bob', iat: NOW_S }), now));
    expect(revocations.stats()).toMatchObject({ revocations: 1, markers: 1, refused: 1 });

    // Once the marker is gone, the old token is accepted again: markerTtl must cover token lifetimes.
    now = NOW_MS + 10_000 + 3_600_000;
    expectSuccess(await resolveAt(resolver, before, now));
  });

  it('refuses a token revoked by itself or by its jti whenever it was issued', async () => {
    const revocations = revocationList({ clock: () => NOW_MS - 60_000 });
    const resolver = jwtWith(revocations, false);
    const one = await mint(key, { sub: 'dan', jti: 'jti-1' });
    const two = await mint(key, { sub: 'dan', jti: 'jti-2' });
    const three = await mint(key, { sub: 'dan', jti: 'jti-3' });
    await revocations.revoke({ by: 'jti', value: 'jti-1' });
    await revocations.revoke({ by: 'token', value: two });
    expectFailure(await resolveAt(resolver, one), 'token_revoked');
    expectFailure(await resolveAt(resolver, two), 'token_revoked');
    expectSuccess(await resolveAt(resolver, three));
  });

  it('refuses a token revoked by itself under its other valid ECDSA signature, with or without the cache', async () => {
    for (const verifiedTokenCache of [false, true]) {
      const revocations = revocationList({ clock: () => NOW_MS - 60_000 });
      const resolver = jwtWith(revocations, verifiedTokenCache);
      const token = await mint(key, { sub: 'dan', jti: 'jti-twin' });
      const twin = ecdsaTwin(token);
      expectSuccess(await resolveAt(resolver, twin));
      await revocations.revoke({ by: 'token', value: token });
      expectFailure(await resolveAt(resolver, token), 'token_revoked');
      expectFailure(await resolveAt(resolver, twin), 'token_revoked');
      // Revoking the twin names the original just as well.
      const other = await mint(key, { sub: 'dan', jti: 'jti-twin-2' });
      await revocations.revoke({ by: 'token', value: ecdsaTwin(other) });
      expectFailure(await resolveAt(resolver, other), 'token_revoked');
    }
  });

  it('serves no cached answer for the twin or the JWE of a token revoked by itself since', async () => {
    const revocations = revocationList({ clock: () => NOW_MS - 60_000 });
    const encryption = (await generateKeyPair('RSA-OAEP-256', { extractable: true })) as CryptoKeyPair;
    const inner = counting(
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks(jwksOf(key)),
        decryption: staticDecryptionKeys([encryption.privateKey]),
        revocations,
      }),
    );
    const cache = tokenCache(inner, { ttl: 60_000, revocations });
    const token = await mint(key, { sub: 'jo', jti: 'jti-cached-twin' });
    const twin = ecdsaTwin(token);
    const wrapped = await encrypt(
      token,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' },
      encryption.publicKey,
    );
    const unrelated = await mint(key, { sub: 'kim' });
    // Cached before the revocation, under keys of their own.
    for (const sent of [twin, wrapped, unrelated]) expectSuccess(await resolveAt(cache, sent));
    expect(inner.calls).toBe(3);
    await revocations.revoke({ by: 'token', value: token });
    for (const sent of [token, twin, wrapped]) expectFailure(await resolveAt(cache, sent), 'token_revoked');
    // Other answers are still served from the cache.
    expectSuccess(await resolveAt(cache, unrelated));
    expect(inner.calls).toBe(6);
  });

  it('refuses a JWS revoked by itself when a client sends it inside a JWE to the server', async () => {
    const revocations = revocationList({ clock: () => NOW_MS - 60_000 });
    const encryption = (await generateKeyPair('RSA-OAEP-256', { extractable: true })) as CryptoKeyPair;
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      decryption: staticDecryptionKeys([encryption.privateKey]),
      revocations,
    });
    const token = await mint(key, { sub: 'ivy', jti: 'jti-wrapped' });
    // Anyone can encrypt to the server's public key: no secret is needed to make this.
    const wrapped = await encrypt(
      token,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' },
      encryption.publicKey,
    );
    expectSuccess(await resolveAt(resolver, wrapped));
    await revocations.revoke({ by: 'token', value: token });
    expectFailure(await resolveAt(resolver, token), 'token_revoked');
    expectFailure(await resolveAt(resolver, wrapped), 'token_revoked');
  });

  it('limits a marker with an issuer to that issuer', async () => {
    const revocations = revocationList({ clock: () => NOW_MS + 1000 });
    const resolver = jwtWith(revocations);
    const token = await mint(key, { sub: 'erin' });
    await revocations.revoke({ by: 'sub', value: 'erin', issuer: 'https://other.example.com' });
    expectSuccess(await resolveAt(resolver, token));
    await revocations.revoke({ by: 'sub', value: 'erin', issuer: ISSUER });
    expectFailure(await resolveAt(resolver, token), 'token_revoked');
  });

  it('evicts without refusing for changed claims, and reaches every cache it is given', async () => {
    const revocations = revocationList({ clock: () => NOW_MS + 1000 });
    const inner = counting(jwtWith(revocations));
    const cache = tokenCache(inner, { revocations, ttl: 60_000 });
    const token = await mint(key, { sub: 'frank', sid: 'session-9' });
    expectSuccess(await resolveAt(cache, token));
    expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(1);

    await revocations.evict({ by: 'sid', value: 'session-9' });
    expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(2);

    await revocations.revoke({ by: 'sid', value: 'session-9' });
    expectFailure(await resolveAt(cache, token), 'token_revoked');
    expect(inner.calls).toBe(3);
    expect(revocations.stats()).toMatchObject({ revocations: 1, evictions: 1 });
  });

  it('applies what another instance shares, and shares what it revokes without the raw token', async () => {
    const published: unknown[] = [];
    let listener: ((revocation: never) => void) | undefined;
    const revocations = revocationList({
      clock: () => NOW_MS + 1000,
      share: {
        publishRevocation: async (revocation) => void published.push(revocation),
        onRevocation: (heard) => {
          listener = heard as never;
          return () => (listener = undefined);
        },
      },
    });
    const resolver = jwtWith(revocations);
    const token = await mint(key, { sub: 'gina' });
    await revocations.revoke({ by: 'token', value: token });
    expect(JSON.stringify(published)).not.toContain(token);
    expect(published).toEqual([
      {
        by: 'token',
        value: expect.any(String),
        signingInputHash: expect.any(String),
        revokedAt: NOW_MS + 1000,
      },
    ]);

    const other = await mint(key, { sub: 'hal' });
    expectSuccess(await resolveAt(resolver, other));
    listener!({ by: 'sub', value: 'hal', revokedAt: NOW_MS + 1000 } as never);
    await new Promise((resolve) => setImmediate(resolve));
    expectFailure(await resolveAt(resolver, other), 'token_revoked');
    expect(revocations.stats().received).toBe(1);
    revocations.close();
    expect(listener).toBeUndefined();
  });

  it('refuses malformed revocations', async () => {
    const revocations = revocationList();
    await expect(revocations.revoke({ by: 'email' as never, value: 'x' })).rejects.toThrow(/by/);
    await expect(revocations.revoke({ by: 'sub', value: '' })).rejects.toThrow(/value/);
  });

  it('takes markerTtl from a minute, with one message whatever the mistake', () => {
    for (const markerTtl of [0, -1, 3_600, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = expectConfigError(() => revocationList({ markerTtl }), 'revocationList.markerTtl');
      expect(error.problem).toBe('must be a number of milliseconds, at least 60000');
    }
    expect(() => revocationList({ markerTtl: 60_000 })).not.toThrow();
  });

  it('takes maxMarkers up to 10 000 000: a larger bound is no bound', async () => {
    for (const maxMarkers of [0, 1.5, 10_000_001, 1e15]) {
      const error = expectConfigError(() => revocationList({ maxMarkers }), 'revocationList.maxMarkers');
      expect(error.problem).toBe('must be a whole number of markers from 1 to 10000000');
    }
    // At the ceiling, the list still refuses what it revokes.
    const revocations = revocationList({ maxMarkers: 10_000_000, clock: () => NOW_MS });
    const resolver = jwtWith(revocations);
    const token = await mint(key, { sub: 'alice' });
    await revocations.revoke({ by: 'sub', value: 'alice' });
    expectFailure(await resolveAt(resolver, token), 'token_revoked');
  });

  it('refuses a misspelled key rather than revoke for every issuer, and values of the wrong type', async () => {
    const revocations = revocationList();
    const refusedAs = async (revocation: unknown, option: string) => {
      const call = revocations.revoke(revocation as never);
      await expect(call).rejects.toBeInstanceOf(RsConfigError);
      await expect(call).rejects.toMatchObject({ option });
    };
    // `iss` for `issuer`: ignored, the revocation would apply to the tokens of every issuer.
    await refusedAs({ by: 'sub', value: 'a', iss: 'x' }, 'revocationList.revoke.iss');
    await expect(revocations.revoke({ by: 'sub', value: 'a', iss: 'x' } as never)).rejects.toThrow(
      /did you mean "issuer"/,
    );
    await refusedAs({ by: 'sub', value: 'a', issuer: 42 }, 'revocationList.revoke.issuer');
    await refusedAs({ by: 'sub', value: 'a', issuer: '' }, 'revocationList.revoke.issuer');
    await refusedAs({ by: 'sub', value: 42 }, 'revocationList.revoke.value');
    await refusedAs({ by: ['sub'], value: 'a' }, 'revocationList.revoke.by');
    await refusedAs(null, 'revocationList.revoke');
    await refusedAs('sub:a', 'revocationList.revoke');
    const evict = revocations.evict({ by: 'sub', value: 'a', sub: 'b' } as never);
    await expect(evict).rejects.toMatchObject({ option: 'revocationList.evict.sub' });
    expect(revocations.stats()).toMatchObject({ revocations: 0, evictions: 0, markers: 0 });
    // An issuer left undefined is left out, as options are.
    await revocations.revoke({ by: 'sub', value: 'a', issuer: undefined });
    expect(revocations.stats().revocations).toBe(1);
  });
});

describe('JWT verified-token cache: revocation index', () => {
  it('finds entries by claim, and its index follows the entries evicted for room', async () => {
    const { VerifiedTokenCache } = await import('../../src/resolvers/verified-token-cache.js');
    const cache = new VerifiedTokenCache({ maxEntries: 2 }, 'test', true);
    const entry = (claims: Record<string, unknown>) => ({
      claims,
      key: key.publicKey,
      selector: { alg: 'ES256', kid: undefined },
      expiresAt: Math.floor(NOW_MS / 1000) + 60,
    });
    for (let i = 0; i < 5; i++) cache.set(`key-${i}`, entry({ sub: `user-${i}`, sid: `s-${i}` }));
    expect(cache.size).toBe(2);
    expect(cache.indexedKeys).toBe(2);

    cache.dropRevoked({ by: 'sid', value: 's-4' });
    expect(cache.get('key-4', NOW_MS)).toBeUndefined();
    expect(cache.get('key-3', NOW_MS)).toBeDefined();
    cache.dropRevoked({ by: 'token', value: 'key-3' });
    expect(cache.size).toBe(0);
    expect(cache.indexedKeys).toBe(0);
  });
});
