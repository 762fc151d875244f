import { type TokenCacheStoreHealth, tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisStoreError, redisTokenCacheStore } from '../src/index.js';
import { CountingAuthorizationServer, requestContext, timed, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

// A sanity bound, not a benchmark: a request must never wait for Redis to come back. A multiple of the
// token cache's default commandTimeout (250 ms), generous for a loaded machine.
const FAST_MS = 5_000;

describe('Redis going away and coming back', () => {
  it('keeps serving requests from the local tier and the resolver, then uses Redis again', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const errors: RedisStoreError[] = [];
    const store = await fixture.store({ onError: (error) => errors.push(error) });
    const healthChanges: TokenCacheStoreHealth[] = [];
    const cache = tokenCache(authorizationServer, {
      store,
      onStoreError: (change) => healthChanges.push(change),
    });
    await cache.resolve('token-before', requestContext());
    expect(authorizationServer.calls).toBe(1);

    await redis.kill();

    // Known token: the local tier answers, whether or not the client has noticed the outage yet.
    const known = await timed(() => cache.resolve('token-before', requestContext()));
    expect(known.result.ok).toBe(true);
    expect(known.ms).toBeLessThan(FAST_MS);
    expect(authorizationServer.calls).toBe(1);

    // New tokens, many at once: the resolver answers, and Redis costs no request more than its bound.
    const fresh = await Promise.all(
      Array.from({ length: 50 }, (_, i) => timed(() => cache.resolve(`token-during-${i}`, requestContext()))),
    );
    expect(fresh.every(({ result }) => result.ok)).toBe(true);
    expect(Math.max(...fresh.map(({ ms }) => ms))).toBeLessThan(FAST_MS);
    expect(authorizationServer.calls).toBe(51);

    // Answers resolved during the outage are kept locally: asking again does not reach the resolver.
    const again = await timed(() => cache.resolve('token-during-0', requestContext()));
    expect(again.ms).toBeLessThan(FAST_MS);
    expect(authorizationServer.calls).toBe(51);

    // The outage is visible: connection errors told to onError, writes that missed Redis counted by the cache.
    await waitFor('the store to notice the outage', () => !store.stats().connected);
    expect(store.stats().connectionErrors).toBeGreaterThan(0);
    expect(errors.some((error) => error.operation === 'connection')).toBe(true);
    expect(cache.stats().storeErrors).toBeGreaterThanOrEqual(50);
    expect(store.stats().redisSkipped + store.stats().redisErrors).toBeGreaterThanOrEqual(50);
    // The token cache told the outage once, not once per request.
    expect(healthChanges.map((change) => change.state)).toEqual(['failing']);

    await redis.restart();
    await waitFor(
      'the store to reconnect and resubscribe',
      () => store.stats().connected && store.stats().subscribed,
    );

    // The local tier was emptied on resubscribing (evictions may have been missed), and the restarted
    // Redis is empty: the next request goes to the resolver, and its answer is in Redis again.
    expect(store.stats().localResyncs).toBeGreaterThanOrEqual(2);
    const storeErrorsBefore = cache.stats().storeErrors;
    await cache.resolve('token-before', requestContext());
    expect(authorizationServer.calls).toBe(52);
    expect(cache.stats().storeErrors).toBe(storeErrorsBefore);
    // …and its end once, with the count, at the first write that reached Redis again.
    expect(healthChanges.map((change) => change.state)).toEqual(['failing', 'recovered']);
    expect(healthChanges[1]).toMatchObject({ failures: storeErrorsBefore, storeErrors: storeErrorsBefore });
    const other = tokenCache(authorizationServer, { store: await fixture.store() });
    await other.resolve('token-before', requestContext());
    expect(authorizationServer.calls).toBe(52);
  });

  it('does not slow requests when Redis is down from the start', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    await redis.kill();
    try {
      const store = redisTokenCacheStore({ url: redis.url, reconnectMaxDelay: 200 });
      try {
        const cache = tokenCache(authorizationServer, { store });
        const first = await timed(() => cache.resolve('token-cold', requestContext()));
        const second = await timed(() => cache.resolve('token-cold', requestContext()));
        expect(first.result.ok && second.result.ok).toBe(true);
        expect(Math.max(first.ms, second.ms)).toBeLessThan(FAST_MS);
        expect(authorizationServer.calls).toBe(1);
        expect(store.stats()).toMatchObject({ connected: false, localHits: 1 });
      } finally {
        await store.close();
      }
    } finally {
      await redis.restart();
    }
  });

  it('bounds every command when Redis hangs instead of closing connections', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const errors: RedisStoreError[] = [];
    const commandTimeout = 300;
    const store = await fixture.store({ commandTimeout, onError: (error) => errors.push(error) });
    const cache = tokenCache(authorizationServer, { store });
    await cache.resolve('token-before-hang', requestContext());

    redis.freeze();
    try {
      const known = await timed(() => cache.resolve('token-before-hang', requestContext()));
      const unknown = await timed(() => cache.resolve('token-hung', requestContext()));

      expect(known.result.ok && unknown.result.ok).toBe(true);
      expect(known.ms).toBeLessThan(FAST_MS);
      // The lookup bounded by the timeout: a multiple of it, generous for a loaded machine.
      expect(unknown.ms).toBeLessThan(10 * commandTimeout);
      expect(authorizationServer.calls).toBe(2);
      // The lookup of the unknown token waited for its bound, then gave up; its commands, still
      // unanswered, mark Redis as hung, so the write that follows skips Redis at once.
      expect(store.stats().redisErrors).toBe(1);
      expect(errors.map((error) => error.operation)).toEqual(['get']);
      expect(errors[0]?.message).toMatch(/no answer within 300 ms/);
      expect(store.stats().redisSkipped).toBe(1);
      expect(cache.stats().storeErrors).toBe(1);

      // So does every request while those commands stay unanswered: none waits for Redis again, however
      // few commands are pending (far under maxPendingCommands).
      const later = await Promise.all(
        Array.from({ length: 20 }, (_, i) => cache.resolve(`token-hung-${i}`, requestContext())),
      );
      expect(later.every((answer) => answer.ok)).toBe(true);
      expect(store.stats().redisErrors).toBe(1);
      expect(store.stats().redisSkipped).toBe(1 + 20 * 2);
    } finally {
      redis.thaw();
    }
    // Once Redis answers again, so does the store.
    await waitFor('Redis to answer the late commands', () => store.stats().connected);
    const fresh = tokenCache(authorizationServer, { store: await fixture.store() });
    const calls = authorizationServer.calls;
    await fresh.resolve('token-before-hang', requestContext());
    expect(authorizationServer.calls).toBe(calls);
  });
});
