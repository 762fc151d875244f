// What the cluster benchmark takes from the test suite: the real cluster it starts, and redis-cli.
export { startRedisCluster } from '../test/redis-cluster.js';
export { redisCli } from '../test/redis-node.js';
