import { tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CountingAuthorizationServer, requestContext, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

/** Two resource-server instances, each with its own token cache and store, sharing one Redis. */
async function twoInstances() {
  const authorizationServer = new CountingAuthorizationServer();
  const storeA = await fixture.store();
  const storeB = await fixture.store();
  const cacheA = tokenCache(authorizationServer, { store: storeA });
  const cacheB = tokenCache(authorizationServer, { store: storeB });
  return { authorizationServer, storeA, storeB, cacheA, cacheB };
}

describe('resource-server instances sharing one Redis', () => {
  it('answer a token one of them resolved without asking the authorization server again', async () => {
    const { authorizationServer, storeB, cacheA, cacheB } = await twoInstances();

    const first = await cacheA.resolve('token-1', requestContext());
    const second = await cacheB.resolve('token-1', requestContext());

    expect(authorizationServer.calls).toBe(1);
    expect(second).toEqual(first);
    expect(second.ok && [...second.value.scopes]).toEqual(['orders:read', 'orders:write']);
    expect(storeB.stats()).toMatchObject({ redisHits: 1, localHits: 0 });
    expect(cacheB.stats()).toMatchObject({ hits: 1, misses: 0 });
  });

  it('share refusals too', async () => {
    const { authorizationServer, cacheA, cacheB } = await twoInstances();

    await cacheA.resolve('revoked-1', requestContext());
    const answer = await cacheB.resolve('revoked-1', requestContext());

    expect(answer).toEqual({
      ok: false,
      failure: { code: 'token_inactive', description: 'The access token is not active' },
    });
    expect(authorizationServer.calls).toBe(1);
  });

  it('forget an evicted token everywhere: pub/sub drops the other instance’s local copy', async () => {
    const { authorizationServer, storeA, storeB, cacheA, cacheB } = await twoInstances();
    await cacheA.resolve('token-2', requestContext());
    await cacheB.resolve('token-2', requestContext());
    await cacheB.resolve('token-2', requestContext());
    expect(storeB.stats()).toMatchObject({ redisHits: 1, localHits: 1, localEntries: 1 });

    await cacheA.evict('token-2');
    await waitFor('B to hear the eviction', () => storeB.stats().receivedEvictions === 1);

    expect(storeA.stats()).toMatchObject({ publishedEvictions: 1, receivedEvictions: 0 });
    // B's local tier no longer holds the answer: its next lookup misses locally and in Redis.
    expect(storeB.stats().localEntries).toBe(0);
    await cacheB.resolve('token-2', requestContext());
    expect(authorizationServer.calls).toBe(2);
    expect(storeB.stats()).toMatchObject({ localHits: 1, redisHits: 1, misses: 1 });
  });

  it('ignore messages on the channel that no instance published', async () => {
    const { storeA, storeB, cacheA, cacheB } = await twoInstances();
    await cacheA.resolve('token-3', requestContext());
    await cacheB.resolve('token-3', requestContext());
    const raw = await fixture.raw();

    await raw.publish('rs:token-cache:evict', 'not json');
    await raw.publish('rs:token-cache:evict', JSON.stringify({ key: 'no sender' }));
    await raw.publish('rs:token-cache:evict', 'x'.repeat(100_000));
    // A message published after the junk: once A hears it, it has heard the junk too.
    await raw.publish('rs:token-cache:evict', JSON.stringify({ from: 'someone', key: 'rs:token:unrelated' }));
    await waitFor('A to hear the last message', () => storeA.stats().receivedEvictions === 1);

    expect(storeA.stats().localEntries).toBe(1);
    expect(storeB.stats().localEntries).toBe(1);
  });
});
