// What the cluster benchmark takes from the test suite: the real cluster it starts, and redis-cli.
export { CLUSTER_NODE_TIMEOUT_MS, startRedisCluster } from '../test/redis-cluster.js';
export { redisCli } from '../test/redis-node.js';
