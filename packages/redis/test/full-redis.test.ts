import { revocationList, tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CountingAuthorizationServer, requestContext } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore, StoreFixture } from './store-fixture.js';

// The README asks for `maxmemory-policy noeviction`, because an evicted replay marker or revocation index
// key would let a replay or a revoked answer through. These tests hold the other half of that advice: on
// a Redis that is full under noeviction, nothing is accepted that should not be.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await fixture.closeAll();
  const raw = await fixture.raw();
  await raw.sendCommand(['CONFIG', 'SET', 'maxmemory', '0']);
  await raw.flushAll();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

/** Fills Redis up to a small `maxmemory` under noeviction, until it refuses writes. */
async function fillRedis(): Promise<void> {
  const raw = await fixture.raw();
  await raw.sendCommand(['CONFIG', 'SET', 'maxmemory-policy', 'noeviction']);
  const used = Number(/used_memory:(\d+)/.exec(await raw.info('memory'))?.[1]);
  await raw.sendCommand(['CONFIG', 'SET', 'maxmemory', String(used + 2 * 1024 * 1024)]);
  // Large values first, then small ones, so that Redis ends over its limit by a few bytes at most.
  for (const size of [4096, 16]) {
    const filler = 'x'.repeat(size);
    for (let i = 0; ; i++) {
      try {
        await raw.set(`other-app:filler:${size}:${i}`, filler);
      } catch (error) {
        expect(String(error)).toMatch(/OOM/);
        break;
      }
    }
  }
}

describe('a full Redis (maxmemory-policy noeviction)', () => {
  it('makes the replay store fail closed: a replay is refused, never accepted', async () => {
    const store = await connectedReplayStore(redis.url);
    try {
      const used = `rs:dpop:${crypto.randomUUID()}`;
      expect(await store.remember(used, 60_000)).toBe(true);
      await fillRedis();
      // Redis hovers at its limit (its own buffers come and go): a command may pass or get OOM. Either
      // way a replay is never a first use, and OOM is a refusal (503), not an answer.
      for (let attempt = 0; attempt < 20; attempt++) {
        const replayed = await store.remember(used, 60_000).catch((error: unknown) => error);
        if (replayed !== false) expect(replayed).toMatchObject({ operation: 'remember', message: /OOM/ });
      }
    } finally {
      await store.close();
    }
  });

  it('lets the token cache answer without sharing, and revocations still delete', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const store = await fixture.store();
    const revocations = revocationList({ share: store });
    const cache = tokenCache(authorizationServer, { store, revocations });
    try {
      expect((await cache.resolve('cached-before', requestContext())).ok).toBe(true);
      const raw = await fixture.raw();
      const entries = async () => (await raw.keys('rs:token:counting-authorization-server:*')).length;
      expect(await entries()).toBe(1);
      await fillRedis();

      // Shared or not (Redis hovers at its limit), every new token is answered.
      for (let i = 0; i < 20; i++) {
        expect((await cache.resolve(`new-token-${i}`, requestContext())).ok).toBe(true);
      }

      const cachedBefore = await entries();
      await revocations.revoke({ by: 'sub', value: 'user-of-cached-before' });
      expect(await entries()).toBe(cachedBefore - 1);
    } finally {
      revocations.close();
    }
  });
});
