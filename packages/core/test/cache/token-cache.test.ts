import { createHash } from 'node:crypto';
import { closedPort, generateSigningKey, jwksOf, type TestSigningKey, tamperSignature } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  createResourceServer,
  type FailureCode,
  jwtResolver,
  memoryTokenCacheStore,
  type Outcome,
  type ResolveContext,
  remoteJwks,
  staticJwks,
  type TokenCacheOptions,
  type TokenCacheStore,
  type TokenCacheStoreHealth,
  type TokenInfo,
  tokenCache,
  tokenHash,
  tokenInfoFromClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  namespaceDigest,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;
let jwt: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'cache-key');
  jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

/** A resolver that counts the calls reaching it, then delegates (answering as it, so under its namespace). */
interface Counted extends AccessTokenResolver {
  calls: number;
  /** The tokens of the calls, in order. */
  readonly tokens: string[];
}

function counted(inner: AccessTokenResolver): Counted {
  const resolver: Counted = {
    cacheNamespace: inner.cacheNamespace,
    calls: 0,
    tokens: [],
    resolve(token, context) {
      resolver.calls++;
      resolver.tokens.push(token);
      return inner.resolve(token, context);
    },
  };
  return resolver;
}

/**
 * Stands in for the authorization server (an introspection endpoint): answers what `answer` says, so
 * that a test controls exactly what the cache is given.
 */
function authorizationServerStandIn(
  answer: (token: string, context: ResolveContext) => Outcome<TokenInfo> | Promise<Outcome<TokenInfo>>,
): Counted {
  return counted({ cacheNamespace: 'stand-in', resolve: async (token, context) => answer(token, context) });
}

function active(claims: Record<string, unknown> = {}): Outcome<TokenInfo> {
  return {
    ok: true,
    value: tokenInfoFromClaims({ active: true, sub: 'user-123', scope: 'read', ...claims }, 'introspection'),
  };
}

function refused(code: FailureCode): Outcome<TokenInfo> {
  return { ok: false, failure: { code, description: `stand-in: ${code}` } };
}

interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Stands in for a slow authorization server: every call waits until the test settles it, so that
 * requests can be made to overlap deterministically.
 */
function gatedStandIn(): Counted & { readonly pending: Deferred<Outcome<TokenInfo>>[] } {
  const pending: Deferred<Outcome<TokenInfo>>[] = [];
  const resolver = counted({
    resolve: () => {
      const gate = deferred<Outcome<TokenInfo>>();
      pending.push(gate);
      return gate.promise;
    },
  });
  return Object.assign(resolver, { pending });
}

/**
 * Yields to the event loop until `condition` holds: how many turns the cache takes to reach a point
 * (hashing, an asynchronous store) is not fixed. Bounded by two seconds of wall time; no fixed sleep.
 */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 2_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

/** A real Map-backed store, asynchronous like a shared one, that records every key it is given. */
function mapStore(): TokenCacheStore & {
  readonly entries: Map<string, { answer: CachedAnswer; ttlMs: number }>;
  readonly keys: string[];
} {
  const entries = new Map<string, { answer: CachedAnswer; ttlMs: number }>();
  const keys: string[] = [];
  return {
    entries,
    keys,
    async get(key) {
      keys.push(key);
      return entries.get(key)?.answer;
    },
    async set(key, answer, ttlMs) {
      keys.push(key);
      entries.set(key, { answer, ttlMs });
    },
    async delete(key) {
      keys.push(key);
      entries.delete(key);
    },
    async clear() {
      entries.clear();
    },
  };
}

const STATS_ZERO = { hits: 0, misses: 0, coalesced: 0, evictions: 0, revocations: 0, storeErrors: 0 };

describe('tokenCache: lifetime = min(ttl, exp − now, maxTtl)', () => {
  it.each([
    { smallest: 'ttl', options: { ttl: 10_000, maxTtl: 60_000 }, exp: NOW_S + 300, bound: 10_000 },
    { smallest: 'exp − now', options: { ttl: 60_000, maxTtl: 120_000 }, exp: NOW_S + 30, bound: 30_000 },
    { smallest: 'maxTtl', options: { ttl: 60_000, maxTtl: 20_000 }, exp: NOW_S + 300, bound: 20_000 },
  ])(
    'serves the answer before, and not at, the bound when $smallest is the smallest',
    async ({ options, exp, bound }) => {
      const inner = counted(jwt);
      const store = mapStore();
      const cache = tokenCache(inner, { ...options, store });
      const token = await mint(key, { exp });

      expectSuccess(await resolveAt(cache, token, NOW_MS));
      expect(inner.calls).toBe(1);
      expect([...store.entries.values()][0]?.ttlMs).toBe(bound);
      expectSuccess(await resolveAt(cache, token, NOW_MS + bound - 1));
      expect(inner.calls).toBe(1);

      const after = await resolveAt(cache, token, NOW_MS + bound);
      expect(inner.calls).toBe(2);
      // At exp the real resolver refuses the token; before it, it accepts it again.
      if (bound === (exp - NOW_S) * 1000) expectFailure(after, 'token_expired');
      else expectSuccess(after);
      expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
    },
  );

  it('never serves an answer past exp, even with a long ttl and a token first seen near its end', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner, { ttl: 3_600_000, maxTtl: 3_600_000 });
    const token = await mint(key, { exp: NOW_S + 300 });
    const expMs = (NOW_S + 300) * 1000;

    expectSuccess(await resolveAt(cache, token, expMs - 10_000));
    expectSuccess(await resolveAt(cache, token, expMs - 1));
    expect(inner.calls).toBe(1);
    expectFailure(await resolveAt(cache, token, expMs), 'token_expired');
    expect(inner.calls).toBe(2);
  });

  it('keeps nothing for a token accepted at or past its exp', async () => {
    // Stands in for an authorization server that still calls an expired token active.
    const inner = authorizationServerStandIn(() => active({ exp: NOW_S }));
    const cache = tokenCache(inner);
    expectSuccess(await resolveAt(cache, 'opaque-token', NOW_MS));
    expectSuccess(await resolveAt(cache, 'opaque-token', NOW_MS));
    expect(inner.calls).toBe(2);
  });

  it('keeps an answer without exp for ttl', async () => {
    const inner = authorizationServerStandIn(() => active());
    const cache = tokenCache(inner, { ttl: 10_000 });
    expectSuccess(await resolveAt(cache, 'opaque-token', NOW_MS));
    expectSuccess(await resolveAt(cache, 'opaque-token', NOW_MS + 9_999));
    expect(inner.calls).toBe(1);
    expectSuccess(await resolveAt(cache, 'opaque-token', NOW_MS + 10_000));
    expect(inner.calls).toBe(2);
  });

  it('ttl 0 keeps no accepted answer', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner, { ttl: 0 });
    const token = await mint(key);
    for (let i = 0; i < 3; i++) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(3);
    expect(cache.stats().hits).toBe(0);
  });
});

describe('tokenCache: negative caching', () => {
  it('keeps token_inactive for negativeTtl', async () => {
    const inner = authorizationServerStandIn(() => refused('token_inactive'));
    const cache = tokenCache(inner, { negativeTtl: 5_000 });
    expectFailure(await resolveAt(cache, 'revoked', NOW_MS), 'token_inactive');
    expectFailure(await resolveAt(cache, 'revoked', NOW_MS + 4_999), 'token_inactive');
    expect(inner.calls).toBe(1);
    expectFailure(await resolveAt(cache, 'revoked', NOW_MS + 5_000), 'token_inactive');
    expect(inner.calls).toBe(2);
  });

  it('keeps signature_invalid from a real JWT check for negativeTtl', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner, { negativeTtl: 5_000 });
    const forged = tamperSignature(await mint(key));
    expectFailure(await resolveAt(cache, forged, NOW_MS), 'signature_invalid');
    expectFailure(await resolveAt(cache, forged, NOW_MS + 4_999), 'signature_invalid');
    expect(inner.calls).toBe(1);
    expectFailure(await resolveAt(cache, forged, NOW_MS + 5_000), 'signature_invalid');
    expect(inner.calls).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2 });
  });

  it('caps negativeTtl by maxTtl', async () => {
    const inner = authorizationServerStandIn(() => refused('token_inactive'));
    const cache = tokenCache(inner, { negativeTtl: 5_000, maxTtl: 2_000 });
    await resolveAt(cache, 'revoked', NOW_MS);
    await resolveAt(cache, 'revoked', NOW_MS + 1_999);
    expect(inner.calls).toBe(1);
    await resolveAt(cache, 'revoked', NOW_MS + 2_000);
    expect(inner.calls).toBe(2);
  });

  it('negativeTtl 0 keeps no refusal', async () => {
    const inner = authorizationServerStandIn(() => refused('token_inactive'));
    const cache = tokenCache(inner, { negativeTtl: 0 });
    for (let i = 0; i < 3; i++) expectFailure(await resolveAt(cache, 'revoked'), 'token_inactive');
    expect(inner.calls).toBe(3);
  });

  it.each(['introspection_unavailable', 'introspection_misconfigured', 'keys_unavailable'] as const)(
    'never keeps %s: the next request asks again',
    async (code) => {
      const inner = authorizationServerStandIn(() => refused(code));
      const cache = tokenCache(inner, { negativeTtl: 60_000 });
      for (let i = 0; i < 3; i++) expectFailure(await resolveAt(cache, 'some-token', NOW_MS + i), code);
      expect(inner.calls).toBe(3);
      expect(cache.stats()).toMatchObject({ hits: 0, misses: 3 });
    },
  );

  it('never keeps keys_unavailable from a real JWK set that cannot be fetched', async () => {
    const port = await closedPort();
    const inner = counted(
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: `http://127.0.0.1:${port}/jwks.json`, onFetchError: () => {} }),
      }),
    );
    const cache = tokenCache(inner, { negativeTtl: 60_000 });
    const token = await mint(key);
    expectFailure(await resolveAt(cache, token), 'keys_unavailable');
    expectFailure(await resolveAt(cache, token), 'keys_unavailable');
    expect(inner.calls).toBe(2);
  });
});

describe('tokenCache: keys are SHA-256 hashes of tokens', () => {
  it('gives a store only rs:token:<namespace>:<base64url SHA-256> keys, and no token anywhere', async () => {
    const store = mapStore();
    const cache = tokenCache(counted(jwt), { store });
    const tokens = [await mint(key), await mint(key, { scope: 'read write' })];
    for (const token of tokens) {
      expectSuccess(await resolveAt(cache, token));
      expectSuccess(await resolveAt(cache, token));
      await cache.evict(token);
    }
    expect(store.keys.length).toBeGreaterThanOrEqual(8);
    for (const storeKey of store.keys) {
      expect(storeKey).toMatch(/^rs:token:jwt-[A-Za-z0-9_-]{43}:[A-Za-z0-9_-]{43}$/);
      for (const token of tokens) expect(storeKey).not.toContain(token.split('.')[2]);
    }
    const prefix = `rs:token:${await namespaceDigest(jwt)}:`;
    const expected = tokens.map(
      (token) => `${prefix}${createHash('sha256').update(token).digest('base64url')}`,
    );
    expect(new Set(store.keys)).toEqual(new Set(expected));
    expect(await tokenHash(tokens[0]!)).toBe(expected[0]!.slice(prefix.length));
  });

  it('hashes the same on every path as WebCrypto SHA-256 of the UTF-8 token', async () => {
    for (const token of ['abc', 'x'.repeat(5_000), 'tökén-ü€', 'lone-\ud800-surrogate', '']) {
      const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
      expect(await tokenHash(token)).toBe(Buffer.from(digest).toString('base64url'));
    }
  });

  it('keeps no token in the stored answers', async () => {
    const store = mapStore();
    const cache = tokenCache(counted(jwt), { store });
    const token = await mint(key);
    const forged = tamperSignature(await mint(key));
    await resolveAt(cache, token);
    await resolveAt(cache, forged);
    expect(store.entries.size).toBe(2);
    const stored = JSON.stringify([...store.entries.values()]);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(forged);
  });

  it('uses keyPrefix', async () => {
    const store = mapStore();
    const cache = tokenCache(counted(jwt), { store, keyPrefix: 'tenant-a:' });
    const token = await mint(key);
    await resolveAt(cache, token);
    expect([...store.entries.keys()]).toEqual([
      `tenant-a:${await namespaceDigest(jwt)}:${await tokenHash(token)}`,
    ]);
  });

  it('lets two caches with different prefixes share one store without seeing each other', async () => {
    const store = mapStore();
    const innerA = authorizationServerStandIn(() => active({ scope: 'a' }));
    const innerB = authorizationServerStandIn(() => active({ scope: 'b' }));
    const cacheA = tokenCache(innerA, { store, keyPrefix: 'a:' });
    const cacheB = tokenCache(innerB, { store, keyPrefix: 'b:' });
    expect([...expectSuccess(await resolveAt(cacheA, 'shared')).scopes]).toEqual(['a']);
    expect([...expectSuccess(await resolveAt(cacheB, 'shared')).scopes]).toEqual(['b']);
    expect([...expectSuccess(await resolveAt(cacheA, 'shared')).scopes]).toEqual(['a']);
    expect(innerA.calls + innerB.calls).toBe(2);
  });
});

describe('tokenCache: bounded in-process store', () => {
  it('evicts the least recently used answer beyond maxEntries, counts it, and re-resolves it', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner, { maxEntries: 3 });
    const tokens = await Promise.all([1, 2, 3, 4].map((n) => mint(key, { jti: `t${n}` })));
    for (const token of tokens) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(4);
    expect(cache.stats().evictions).toBe(1);

    // t2..t4 are still there; t1, the oldest, was dropped.
    for (const token of tokens.slice(1)) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(4);
    expectSuccess(await resolveAt(cache, tokens[0]!));
    expect(inner.calls).toBe(5);
    expect(inner.tokens[4]).toBe(tokens[0]);
    // Re-storing t1 dropped t2, now the least recently used.
    expect(cache.stats()).toMatchObject({ evictions: 2, hits: 3, misses: 5 });
    expectSuccess(await resolveAt(cache, tokens[1]!));
    expect(inner.calls).toBe(6);
  });
});

describe('tokenCache: concurrent requests share one call', () => {
  const N = 20;

  it('calls the resolver once for N concurrent requests, and all get the same answer', async () => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner);
    const results = Array.from({ length: N }, () => resolveAt(cache, 'hot-token'));
    await until(() => cache.stats().coalesced === N - 1);
    expect(inner.calls).toBe(1);
    const answer = active({ exp: NOW_S + 60 });
    inner.pending[0]!.resolve(answer);
    const outcomes = await Promise.all(results);
    for (const outcome of outcomes) expect(outcome).toBe(answer);
    expect(cache.stats()).toEqual({ ...STATS_ZERO, misses: 1, coalesced: N - 1 });

    // Stored once for everybody.
    expect(await resolveAt(cache, 'hot-token')).toEqual(answer);
    expect(inner.calls).toBe(1);
    expect(cache.stats().hits).toBe(1);
  });

  it('coalesces per token: two tokens make two calls', async () => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner);
    const results = Array.from({ length: N }, (_, i) => resolveAt(cache, i % 2 === 0 ? 'even' : 'odd'));
    await until(() => cache.stats().coalesced === N - 2);
    expect(inner.calls).toBe(2);
    for (const gate of inner.pending) gate.resolve(active());
    for (const outcome of await Promise.all(results)) expectSuccess(outcome);
  });

  it('hands a thrown error to every waiter (none hangs), and the next request tries again', async () => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner);
    const results = Array.from({ length: N }, () => resolveAt(cache, 'hot-token'));
    await until(() => cache.stats().coalesced === N - 1);
    const bug = new Error('resolver bug');
    inner.pending[0]!.reject(bug);
    const settled = await Promise.allSettled(results);
    for (const result of settled) expect(result).toEqual({ status: 'rejected', reason: bug });

    const next = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 2);
    inner.pending[1]!.resolve(active());
    expectSuccess(await next);
    expect(cache.stats()).toMatchObject({ misses: 2, coalesced: N - 1 });
  });

  it('hands a 503-type failure to every waiter and does not keep it', async () => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner, { negativeTtl: 60_000 });
    const results = Array.from({ length: N }, () => resolveAt(cache, 'hot-token'));
    await until(() => cache.stats().coalesced === N - 1);
    const unavailable = refused('introspection_unavailable');
    inner.pending[0]!.resolve(unavailable);
    for (const outcome of await Promise.all(results)) expect(outcome).toBe(unavailable);

    const next = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 2);
    inner.pending[1]!.resolve(active());
    expectSuccess(await next);
  });
});

describe('tokenCache: revocation', () => {
  it('evict(token) forgets one token; the next request asks again', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner);
    const [a, b] = await Promise.all([mint(key), mint(key)]);
    await resolveAt(cache, a);
    await resolveAt(cache, b);
    await cache.evict(a);
    expectSuccess(await resolveAt(cache, a));
    expectSuccess(await resolveAt(cache, b));
    expect(inner.tokens).toEqual([a, b, a]);
    expect(cache.stats()).toMatchObject({ revocations: 1, hits: 1, misses: 3 });
  });

  it('evict of a token never seen is harmless', async () => {
    const cache = tokenCache(counted(jwt));
    await cache.evict('never-seen');
    expect(cache.stats()).toEqual({ ...STATS_ZERO, revocations: 1 });
  });

  it('clear() forgets every token', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner);
    const tokens = await Promise.all([mint(key), mint(key), mint(key)]);
    for (const token of tokens) await resolveAt(cache, token);
    await cache.clear();
    for (const token of tokens) expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(6);
  });

  it.each([
    ['evict(token)', (cache: ReturnType<typeof tokenCache>) => cache.evict('hot-token')],
    ['clear()', (cache: ReturnType<typeof tokenCache>) => cache.clear()],
  ])(
    '%s during a call: its answer goes to no one; the waiters ask again, with one call',
    async (_name, revoke) => {
      const inner = gatedStandIn();
      const cache = tokenCache(inner);
      const first = resolveAt(cache, 'hot-token');
      const waiter = resolveAt(cache, 'hot-token');
      await until(() => cache.stats().coalesced === 1);
      await revoke(cache);
      // Asked for before the revocation: handed to neither the request that asked nor the one waiting.
      inner.pending[0]!.resolve(active());
      await until(() => inner.calls === 2);
      inner.pending[1]!.resolve(refused('token_inactive'));
      expectFailure(await first, 'token_inactive');
      expectFailure(await waiter, 'token_inactive');
      expect(inner.calls).toBe(2);

      // The answer asked for after the revocation is the one kept.
      expectFailure(await resolveAt(cache, 'hot-token', NOW_MS + 1), 'token_inactive');
      expect(inner.calls).toBe(2);
      expect(cache.stats()).toMatchObject({ misses: 1, coalesced: 1, hits: 1 });
    },
  );

  it.each([
    ['evict(token)', (cache: ReturnType<typeof tokenCache>) => cache.evict('hot-token')],
    ['clear()', (cache: ReturnType<typeof tokenCache>) => cache.clear()],
  ])('%s during a call: later requests do not join the call begun before it', async (_name, revoke) => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner);
    const before = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 1);
    await revoke(cache);
    const after = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 2);
    expect(cache.stats().coalesced).toBe(0);

    inner.pending[1]!.resolve(refused('token_inactive'));
    expectFailure(await after, 'token_inactive');
    inner.pending[0]!.resolve(active());
    // The request that began the call asks again, and finds the answer asked for after the revocation.
    expectFailure(await before, 'token_inactive');
    expectFailure(await resolveAt(cache, 'hot-token', NOW_MS + 1), 'token_inactive');
    expect(inner.calls).toBe(2);
  });

  it('a call that throws after evict() does not stop the next answer from being kept', async () => {
    const inner = gatedStandIn();
    const cache = tokenCache(inner);
    const first = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 1);
    await cache.evict('hot-token');
    inner.pending[0]!.reject(new Error('resolver bug'));
    await expect(first).rejects.toThrow('resolver bug');

    const second = resolveAt(cache, 'hot-token');
    await until(() => inner.calls === 2);
    inner.pending[1]!.resolve(active());
    expectSuccess(await second);
    expectSuccess(await resolveAt(cache, 'hot-token'));
    expect(inner.calls).toBe(2);
  });
});

describe('tokenCache: a failing store never fails a request', () => {
  const boom = new Error('store down');
  const throwing: TokenCacheStore = {
    get: () => {
      throw boom;
    },
    set: () => {
      throw boom;
    },
    delete: () => {
      throw boom;
    },
    clear: () => {
      throw boom;
    },
  };
  const rejecting: TokenCacheStore = {
    get: () => Promise.reject(boom),
    set: () => Promise.reject(boom),
    delete: () => Promise.reject(boom),
    clear: () => Promise.reject(boom),
  };

  it.each([
    ['throws', throwing],
    ['rejects', rejecting],
  ])(
    'when every store call %s: requests are answered, storeErrors counts, onStoreError is told once',
    async (_name, store) => {
      const inner = counted(jwt);
      const changes: TokenCacheStoreHealth[] = [];
      const cache = tokenCache(inner, { store, onStoreError: (change) => changes.push(change) });
      const token = await mint(key);
      expectSuccess(await resolveAt(cache, token));
      expectSuccess(await resolveAt(cache, token));
      expectFailure(await resolveAt(cache, tamperSignature(token)), 'signature_invalid');
      expect(inner.calls).toBe(3);
      await cache.evict(token);
      await cache.clear();
      // Per request: one failed get and one failed set; then one delete and one clear.
      expect(cache.stats()).toEqual({ ...STATS_ZERO, misses: 3, revocations: 1, storeErrors: 8 });
      expect(changes).toEqual([{ state: 'failing', error: boom, storeErrors: 1 }]);
    },
  );

  it('works without onStoreError', async () => {
    const cache = tokenCache(counted(jwt), { store: throwing });
    expectSuccess(await resolveAt(cache, await mint(key)));
    expect(cache.stats().storeErrors).toBe(2);
  });

  it('a store that fails only on set still answers, and keeps nothing', async () => {
    const store = mapStore();
    store.set = () => Promise.reject(boom);
    const inner = counted(jwt);
    const cache = tokenCache(inner, { store, onStoreError: () => {} });
    const token = await mint(key);
    expectSuccess(await resolveAt(cache, token));
    expectSuccess(await resolveAt(cache, token));
    expect(inner.calls).toBe(2);
    expect(cache.stats().storeErrors).toBe(2);
  });
});

describe('tokenCache: every request still goes through confirm and authorize', () => {
  it('refuses a cached token lacking the route scope with 403', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner);
    const rs = createResourceServer({ resolver: cache, clock: () => NOW_MS });
    const token = await mint(key, { scope: 'read' });

    expectAccepted(await rs.authenticate(bearerRequest(token), { scopes: ['read'] }));
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token), { scopes: ['write'] }),
      'insufficient_scope',
      403,
    );
    expect(rejection.wwwAuthenticate).toContain('scope="write"');
    expect(inner.calls).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1 });
  });

  it('applies the server-wide policy to cached token info', async () => {
    const cache = tokenCache(counted(jwt));
    const token = await mint(key, { scope: 'read' });
    const open = createResourceServer({ resolver: cache, clock: () => NOW_MS });
    const strict = createResourceServer({
      resolver: cache,
      clock: () => NOW_MS,
      policy: { scopes: ['admin'] },
    });
    expectAccepted(await open.authenticate(bearerRequest(token)));
    expectRejected(await strict.authenticate(bearerRequest(token)), 'insufficient_scope', 403);
    expect(cache.stats().hits).toBe(1);
  });

  it('refuses a cached DPoP-bound token presented as Bearer with 401 on every hit', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner);
    const rs = createResourceServer({ resolver: cache, clock: () => NOW_MS });
    const bound = await mint(key, { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });
    for (let i = 0; i < 3; i++) {
      expectRejected(await rs.authenticate(bearerRequest(bound)), 'dpop_bound_token_as_bearer', 401);
    }
    expect(inner.calls).toBe(1);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 1 });
  });

  it('moves with the resource server clock: a cached token is refused once expired', async () => {
    let now = NOW_MS;
    const inner = counted(jwt);
    const cache = tokenCache(inner, { ttl: 3_600_000 });
    const rs = createResourceServer({ resolver: cache, clock: () => now });
    const token = await mint(key, { exp: NOW_S + 60 });
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    now = NOW_MS + 59_999;
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    now = NOW_MS + 60_000;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_expired');
    expect(inner.calls).toBe(2);
  });
});

describe('tokenCache: stats', () => {
  it('counts hits and misses exactly', async () => {
    const inner = counted(jwt);
    const cache = tokenCache(inner, { ttl: 10_000 });
    const [a, b] = await Promise.all([mint(key), mint(key)]);
    expect(cache.stats()).toEqual(STATS_ZERO);
    await resolveAt(cache, a, NOW_MS); // miss
    await resolveAt(cache, a, NOW_MS + 1); // hit
    await resolveAt(cache, b, NOW_MS + 2); // miss
    await resolveAt(cache, a, NOW_MS + 3); // hit
    await resolveAt(cache, b, NOW_MS + 4); // hit
    await resolveAt(cache, a, NOW_MS + 10_000); // miss: ttl over
    await resolveAt(cache, tamperSignature(a), NOW_MS + 10_001); // miss
    await resolveAt(cache, tamperSignature(a), NOW_MS + 10_002); // hit (negative)
    expect(cache.stats()).toEqual({ ...STATS_ZERO, hits: 4, misses: 4 });
    expect(inner.calls).toBe(4);
  });
});

describe('tokenCache: options', () => {
  it.each<[string, Partial<TokenCacheOptions>]>([
    ['tokenCache.ttl', { ttl: -1 }],
    ['tokenCache.maxTtl', { maxTtl: Number.POSITIVE_INFINITY }],
    ['tokenCache.negativeTtl', { negativeTtl: Number.NaN }],
    ['tokenCache.maxEntries', { maxEntries: 0 }],
    ['tokenCache.maxEntries', { maxEntries: 1.5 }],
  ])('refuses a bad %s', (option, options) => {
    expectConfigError(() => tokenCache(jwt, options), option);
  });

  it.each<[string, () => unknown]>([
    ['Map', () => new Map()],
    ['WeakMap', () => new WeakMap()],
    ['Set', () => new Set()],
    ['WeakSet', () => new WeakSet()],
  ])('refuses a %s as the store, which would keep every answer forever', (name, collection) => {
    const store = collection() as TokenCacheStore;
    const error = expectConfigError(() => tokenCache(jwt, { store }), 'tokenCache.store');
    expect(error.problem).toContain(name);
    expect(error.problem).toContain('memoryTokenCacheStore');
  });

  it('takes the documented in-process store as the store', () => {
    expect(() => tokenCache(jwt, { store: memoryTokenCacheStore(100) })).not.toThrow();
  });

  it('refuses something that is not a resolver', () => {
    expectConfigError(() => tokenCache({} as AccessTokenResolver), 'tokenCache.resolver');
  });
});
