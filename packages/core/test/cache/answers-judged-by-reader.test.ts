import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  type FailureCode,
  jwtResolver,
  memoryTokenCacheStore,
  type Outcome,
  type StoreLookup,
  staticJwks,
  type TokenCacheStore,
  type TokenInfo,
  tokenCache,
  tokenHash,
  tokenInfoFromClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  namespaceDigest,
  resolveAt,
} from '../helpers.js';

// Two token caches sharing one store stand for two instances of one API sharing Redis: the store is
// core's own in-process one, and each "instance" has its own settings and its own clock (the `now` it
// is asked at). What one stores, the other must judge by its own settings and clock.

const MINUTE = 60_000;
const YEAR = 365 * 24 * 3_600_000;

let key: TestSigningKey;
let jwt: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'reader-key');
  jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

/** Counts the calls that reach a resolver, answering as it (under its namespace). */
function counted(inner: AccessTokenResolver): AccessTokenResolver & { calls: number } {
  const resolver = {
    cacheNamespace: inner.cacheNamespace,
    calls: 0,
    resolve(token: string, context: Parameters<AccessTokenResolver['resolve']>[1]) {
      resolver.calls++;
      return inner.resolve(token, context);
    },
  };
  return resolver;
}

/** Stands in for an introspection endpoint: every instance answers `answer`, under one namespace. */
function authorizationServer(answer: () => Outcome<TokenInfo>): AccessTokenResolver & { calls: number } {
  return counted({ cacheNamespace: 'stand-in', resolve: async () => answer() });
}

function active(claims: Record<string, unknown> = {}): Outcome<TokenInfo> {
  return {
    ok: true,
    value: tokenInfoFromClaims({ active: true, sub: 'bob', scope: 'read', ...claims }, 'introspection'),
  };
}

function refused(code: FailureCode): Outcome<TokenInfo> {
  return { ok: false, failure: { code, description: `stand-in: ${code}` } };
}

/** The store key a cache over `resolver` (default prefix) uses for `token`. */
async function storeKey(resolver: AccessTokenResolver, token: string): Promise<string> {
  return `rs:token:${await namespaceDigest(resolver)}:${await tokenHash(token)}`;
}

/**
 * What someone able to write into a shared store could put there for a token never issued: an answer
 * `usableUntil` a year ahead, for claims of their choosing, stored at `storedAt` (`null`: not said).
 */
function planted(claims: Record<string, unknown>, storedAt: number | null = NOW_MS): CachedAnswer {
  return {
    info: tokenInfoFromClaims({ sub: 'mallory', scope: 'read admin', iss: 'https://evil', ...claims }, 'jwt'),
    usableUntil: NOW_MS + YEAR,
    ...(storedAt === null ? {} : { storedAt }),
  };
}

/** A store that keeps answers but drops `storedAt`, as a store written before it existed would. */
function storeWithoutStoredAt(): TokenCacheStore {
  const inner = memoryTokenCacheStore();
  return {
    get: (key) => inner.get(key),
    set: (key, answer, ttlMs) => {
      const { storedAt: _dropped, ...kept } = answer;
      return inner.set(key, kept as CachedAnswer, ttlMs);
    },
    delete: (key) => inner.delete(key),
    clear: () => inner.clear(),
  };
}

describe("a shared answer lives as long as the reader's settings allow, not the writer's", () => {
  it('asks again once an accepted answer is older than the reader’s ttl, whatever the writer’s', async () => {
    const store = memoryTokenCacheStore();
    const writerSide = authorizationServer(() => active({ exp: NOW_S + 3_600 }));
    const readerSide = authorizationServer(() => active({ exp: NOW_S + 3_600 }));
    const writer = tokenCache(writerSide, { store, ttl: 5 * MINUTE, maxTtl: 5 * MINUTE });
    const reader = tokenCache(readerSide, { store, ttl: 2_000, maxTtl: 2_000 });

    expectSuccess(await resolveAt(writer, 'shared-token', NOW_MS));
    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS + 1_999));
    expect(readerSide.calls).toBe(0);

    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS + 3_500));
    expect(readerSide.calls).toBe(1);
    // The writer serves what the reader stored: younger than its own ttl.
    expectSuccess(await resolveAt(writer, 'shared-token', NOW_MS + 3_600));
    expect(writerSide.calls).toBe(1);
  });

  it('asks again once a refusal is older than the reader’s negativeTtl', async () => {
    const store = memoryTokenCacheStore();
    const writerSide = authorizationServer(() => refused('token_inactive'));
    const readerSide = authorizationServer(() => active());
    const writer = tokenCache(writerSide, { store, negativeTtl: MINUTE });
    const reader = tokenCache(readerSide, { store, negativeTtl: 1_000 });

    expectFailure(await resolveAt(writer, 'shared-token', NOW_MS), 'token_inactive');
    expectFailure(await resolveAt(reader, 'shared-token', NOW_MS + 999), 'token_inactive');
    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS + 1_000));
    expect(readerSide.calls).toBe(1);
  });

  it('judges an answer from a store that drops storedAt by how long it claims to live', async () => {
    const store = storeWithoutStoredAt();
    const writerSide = authorizationServer(() => active());
    const readerSide = authorizationServer(() => active());
    const writer = tokenCache(writerSide, { store, ttl: 5 * MINUTE, maxTtl: 5 * MINUTE });
    const reader = tokenCache(readerSide, { store, ttl: 2_000 });

    expectSuccess(await resolveAt(writer, 'shared-token', NOW_MS));
    // Usable for 5 more minutes, by the writer's word: longer than the reader keeps anything.
    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS + 1));
    expect(readerSide.calls).toBe(1);
    // Its own answer, usable for 2 s, it serves.
    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS + 2));
    expect(readerSide.calls).toBe(1);
  });

  it('tells the store the longest it keeps any answer, for a tier of the store’s own', async () => {
    const lookups: (StoreLookup | undefined)[] = [];
    const inner = memoryTokenCacheStore();
    const store: TokenCacheStore = {
      get: (key, lookup) => {
        lookups.push(lookup);
        return inner.get(key);
      },
      set: (key, answer, ttlMs) => inner.set(key, answer, ttlMs),
      delete: (key) => inner.delete(key),
      clear: () => inner.clear(),
    };
    const resolver = authorizationServer(() => active());
    await resolveAt(tokenCache(resolver, { store }), 'a');
    await resolveAt(tokenCache(resolver, { store, ttl: 10_000, negativeTtl: 20_000, maxTtl: 15_000 }), 'a');
    await resolveAt(tokenCache(resolver, { store, ttl: 10_000, negativeTtl: 0 }), 'a');

    expect(lookups).toEqual([{ maxLifetime: MINUTE }, { maxLifetime: 15_000 }, { maxLifetime: 10_000 }]);
  });
});

describe('a shared answer is judged on the reader’s clock', () => {
  it('does not serve a token_expired refusal stored by an instance whose clock runs 10 minutes fast', async () => {
    const store = memoryTokenCacheStore();
    const readerSide = counted(jwt);
    const writer = tokenCache(jwt, { store, negativeTtl: MINUTE, maxTtl: MINUTE });
    const reader = tokenCache(readerSide, { store, negativeTtl: MINUTE, maxTtl: MINUTE });
    const token = await mint(key, { exp: NOW_S + 120 });

    expectFailure(await resolveAt(writer, token, NOW_MS + 10 * MINUTE), 'token_expired');
    // The reader's clock is right: the token is valid for two more minutes.
    expectSuccess(await resolveAt(reader, token, NOW_MS));
    expect(readerSide.calls).toBe(1);
  });

  it('does not serve an accepted answer stored by a clock ahead of its own: its age is unknown', async () => {
    const store = memoryTokenCacheStore();
    const readerSide = authorizationServer(() => active({ exp: NOW_S + 3_600 }));
    const writer = tokenCache(
      authorizationServer(() => active({ exp: NOW_S + 3_600 })),
      { store },
    );
    const reader = tokenCache(readerSide, { store });

    expectSuccess(await resolveAt(writer, 'shared-token', NOW_MS + 10 * MINUTE));
    expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS));
    expect(readerSide.calls).toBe(1);
  });

  it('shares an answer stored by a clock at most 5 s ahead, as stored now (clocks NTP keeps close)', async () => {
    for (const ahead of [300, 2_000, 5_000]) {
      const store = memoryTokenCacheStore();
      const readerSide = authorizationServer(() => active({ exp: NOW_S + 3_600 }));
      const writer = tokenCache(
        authorizationServer(() => active({ exp: NOW_S + 3_600 })),
        { store },
      );
      const reader = tokenCache(readerSide, { store });
      expectSuccess(await resolveAt(writer, 'shared-token', NOW_MS + ahead));
      expectSuccess(await resolveAt(reader, 'shared-token', NOW_MS));
      expect(readerSide.calls).toBe(0);
    }
  });

  it('serves a shared token_expired refusal once its own clock has passed the time it was stored', async () => {
    const store = memoryTokenCacheStore();
    const readerSide = counted(jwt);
    const writer = tokenCache(jwt, { store });
    const reader = tokenCache(readerSide, { store });
    const token = await mint(key, { exp: NOW_S + 120 });

    expectFailure(await resolveAt(writer, token, NOW_MS + 121_000), 'token_expired');
    expectFailure(await resolveAt(reader, token, NOW_MS + 122_000), 'token_expired');
    expect(readerSide.calls).toBe(0);
  });
});

describe('an answer planted in a shared store', () => {
  it.each([
    ['expired an hour ago', { exp: NOW_S - 3_600 }],
    ['not valid for ten more minutes', { nbf: NOW_S + 600, exp: NOW_S + 3_600 }],
    ['with an exp that is not a date', { exp: 'never' }],
    ['with an nbf that is not a date', { nbf: 'yesterday', exp: NOW_S + 3_600 }],
  ])('is never served when %s, however long it claims to live', async (_case, claims) => {
    const store = memoryTokenCacheStore();
    const reader = counted(jwt);
    const cache = tokenCache(reader, { store, ttl: 10_000, maxTtl: 10_000 });
    await store.set(await storeKey(jwt, 'letmein'), planted(claims), YEAR);

    expectFailure(await resolveAt(cache, 'letmein', NOW_MS), 'token_malformed');
    expect(reader.calls).toBe(1);
  });

  it('is never served when its storedAt is missing and it claims to live longer than the reader keeps answers', async () => {
    const store = memoryTokenCacheStore();
    const reader = counted(jwt);
    const cache = tokenCache(reader, { store, ttl: 10_000, maxTtl: 10_000 });
    await store.set(await storeKey(jwt, 'letmein'), planted({ exp: NOW_S + 3_600 }, null), YEAR);

    expectFailure(await resolveAt(cache, 'letmein', NOW_MS), 'token_malformed');
    expect(reader.calls).toBe(1);
  });

  it('is never served when it is a refusal this cache never keeps', async () => {
    const store = memoryTokenCacheStore();
    const reader = authorizationServer(() => active());
    const cache = tokenCache(reader, { store });
    await store.set(
      await storeKey(reader, 'some-token'),
      {
        failure: { code: 'introspection_unavailable', description: 'planted' },
        usableUntil: NOW_MS + YEAR,
        storedAt: NOW_MS,
      },
      YEAR,
    );

    expectSuccess(await resolveAt(cache, 'some-token', NOW_MS + 1));
    expect(reader.calls).toBe(1);
  });
});

describe('what a cache stores', () => {
  it('stores when it stored each answer, on its own clock', async () => {
    const store = memoryTokenCacheStore();
    const resolver = authorizationServer(() => active());
    const cache = tokenCache(resolver, { store, ttl: 10_000 });

    await resolveAt(cache, 'a-token', NOW_MS + 42);

    expect(await store.get(await storeKey(resolver, 'a-token'))).toMatchObject({
      usableUntil: NOW_MS + 10_042,
      storedAt: NOW_MS + 42,
    });
  });

  it('keeps nothing for a token accepted before its nbf (a resolver with a skewAllowance), until nbf', async () => {
    const lenient = counted(
      jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), skewAllowance: 60 }),
    );
    const store = memoryTokenCacheStore();
    const cache = tokenCache(lenient, { store });
    const token = await mint(key, { nbf: NOW_S + 30, exp: NOW_S + 300 });

    expectSuccess(await resolveAt(cache, token, NOW_MS));
    expect(await store.get(await storeKey(lenient, token))).toBeUndefined();
    expectSuccess(await resolveAt(cache, token, NOW_MS + 1));
    expect(lenient.calls).toBe(2);

    expectSuccess(await resolveAt(cache, token, NOW_MS + 30_000));
    expectSuccess(await resolveAt(cache, token, NOW_MS + 30_001));
    expect(lenient.calls).toBe(3);
  });
});
