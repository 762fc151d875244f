import { createResourceServer, type ReplayStoreHealth, type TokenCacheHealth, tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CountingAuthorizationServer, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore, StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

describe("the stores' health in the resource server's status()", () => {
  it('shows Redis connected, then gone: the replay store is not ready, the cache still is', async () => {
    const cacheStore = await fixture.store();
    const replayStore = await connectedReplayStore(redis.url);
    try {
      const resourceServer = createResourceServer({
        resolver: tokenCache(new CountingAuthorizationServer(), { store: cacheStore }),
        dpop: { replayStore },
      });
      const parts = () => {
        const [cache, replay] = resourceServer.status().dependencies;
        return { cache: cache as TokenCacheHealth, replay: replay as ReplayStoreHealth };
      };
      expect(resourceServer.status().ready).toBe(true);
      expect(parts().cache.store).toEqual({ store: 'redis', ready: true, connected: true });
      expect(parts().replay.store).toEqual({ store: 'redis', ready: true, connected: true });

      await redis.kill();
      await waitFor(
        'both stores to notice',
        () => !parts().cache.store?.connected && !parts().replay.store?.connected,
      );
      const status = resourceServer.status();
      expect(status.ready).toBe(false);
      expect(parts().cache).toMatchObject({ ready: true, store: { ready: false, connected: false } });
      expect(parts().replay).toMatchObject({ ready: false, store: { ready: false, connected: false } });
      // A driver's error keeps its class and code only: its message could quote the connection URL.
      expect(parts().replay.store?.lastError).toMatch(/^\w+( [\w.-]+)?$/);
      expect(JSON.stringify(status)).not.toContain(redis.url);

      await redis.restart();
      // Readiness follows the replay store alone (a cache without Redis still answers): wait for both.
      await waitFor(
        'both stores to reconnect',
        () => resourceServer.status().ready && parts().cache.store?.connected === true,
      );
      expect(parts().cache.store).toMatchObject({ ready: true, connected: true });
    } finally {
      await replayStore.close();
    }
  });
});
