// What the label-revocation benchmark takes from the test suite and the source: real Redis servers (one
// node, and a cluster), redis-cli, and the store as the source has it now.

export { tokenInfoFromClaims } from '@rs/core';
export { redisTokenCacheStore } from '../src/index.js';
export { labelHash } from '../src/label-hash.js';
export { startRedisCluster } from '../test/redis-cluster.js';
export { redisCli } from '../test/redis-node.js';
export { startRedis, stopAllRedis } from '../test/redis-process.js';
