/**
 * @rs/redis: a token-cache store for `@rs/core`'s `tokenCache`, shared by several resource-server
 * instances through Redis (node-redis v5), with an in-process tier in front and revocation over pub/sub;
 * and a DPoP replay store shared the same way.
 *
 * @packageDocumentation
 */
export type { RedisClusterOptions, RedisNodeAddress, RedisSentinelOptions } from './deployment-options.js';
export type { NodeRedisClient } from './node-redis-client.js';
export { reconnectBackoff } from './reconnect-backoff.js';
export {
  type RedisReplayStore,
  type RedisReplayStoreOptions,
  redisReplayStore,
} from './redis-replay-store.js';
export { RedisStoreError, type RedisStoreOperation } from './redis-store-error.js';
export {
  type RedisTokenCacheStore,
  type RedisTokenCacheStoreHealth,
  type RedisTokenCacheStoreOptions,
  type RedisTokenCacheStoreStats,
  redisTokenCacheStore,
} from './redis-token-cache-store.js';
