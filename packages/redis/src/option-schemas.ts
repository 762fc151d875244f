import { func, nonEmptyString, type OptionSchema, objectWith, positiveInteger } from '@rs/core/adapter';
import type { RedisReplayStoreOptions } from './redis-replay-store.js';
import type { RedisTokenCacheStoreOptions } from './redis-token-cache-store.js';

// The factories check values further (defaults, `client` xor `url`); these refuse unknown keys and types.
const client = objectWith('a node-redis client', 'sendCommand');

/** The options {@link redisReplayStore} knows: a misspelled one is refused at start-up. */
export const REDIS_REPLAY_STORE_OPTIONS: OptionSchema<RedisReplayStoreOptions> = {
  client,
  url: nonEmptyString,
  commandTimeout: positiveInteger,
  maxPendingCommands: positiveInteger,
  reconnectMaxDelay: positiveInteger,
  onError: func,
};

/** The options {@link redisTokenCacheStore} knows: a misspelled one is refused at start-up. */
export const REDIS_TOKEN_CACHE_STORE_OPTIONS: OptionSchema<RedisTokenCacheStoreOptions> = {
  ...REDIS_REPLAY_STORE_OPTIONS,
  keyPrefix: nonEmptyString,
  channel: nonEmptyString,
  localMaxEntries: positiveInteger,
  maxValueBytes: positiveInteger,
};
