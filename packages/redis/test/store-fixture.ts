import { createClient } from 'redis';
import {
  type RedisReplayStore,
  type RedisReplayStoreOptions,
  type RedisTokenCacheStore,
  type RedisTokenCacheStoreOptions,
  redisReplayStore,
  redisTokenCacheStore,
} from '../src/index.js';
import { waitFor } from './helpers.js';
import type { RedisProcess } from './redis-process.js';

type RawClient = ReturnType<typeof createClient>;

/** Stores and raw clients opened by one test file, all closed by {@link StoreFixture.closeAll}. */
export class StoreFixture {
  private readonly stores: RedisTokenCacheStore[] = [];
  private readonly clients: RawClient[] = [];

  constructor(private readonly redis: () => RedisProcess) {}

  /** A store on the test Redis, once it is connected and subscribed (so that it hears every eviction). */
  async store(
    options: Omit<RedisTokenCacheStoreOptions, 'url' | 'client'> = {},
  ): Promise<RedisTokenCacheStore> {
    const store = redisTokenCacheStore({ url: this.redis().url, reconnectMaxDelay: 200, ...options });
    this.stores.push(store);
    await waitFor(
      'the store to connect and subscribe',
      () => store.stats().connected && store.stats().subscribed,
    );
    return store;
  }

  /** A plain node-redis client, to look at or tamper with what Redis holds. */
  async raw(): Promise<RawClient> {
    const client = createClient({ url: this.redis().url });
    client.on('error', () => undefined);
    this.clients.push(client);
    await client.connect();
    return client;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((store) => store.close()));
    for (const client of this.clients.splice(0)) if (client.isOpen) client.destroy();
  }
}

/**
 * A replay store on `url`, once its own client is connected: it connects in the background, and a probe
 * succeeds once it is up.
 */
export async function connectedReplayStore(
  where: string | Pick<RedisReplayStoreOptions, 'cluster' | 'sentinel'>,
  options: Omit<RedisReplayStoreOptions, 'url' | 'client' | 'cluster' | 'sentinel'> = {},
): Promise<RedisReplayStore> {
  const connection = typeof where === 'string' ? { url: where } : where;
  const store = redisReplayStore({ ...connection, reconnectMaxDelay: 200, ...options });
  for (let attempt = 0; ; attempt++) {
    try {
      await store.remember(`rs:test:probe:${crypto.randomUUID()}`, 1_000);
      return store;
    } catch (error) {
      if (attempt > 500) {
        await store.close();
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}
