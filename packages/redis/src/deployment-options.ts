import { arrayOf, integerBetween, nonEmptyString, type OptionSchema, shape } from '@rs/core/adapter';
import { hostName, redisName } from './option-rules.js';

/** Where one Redis node listens. */
export interface RedisNodeAddress {
  /** A host name or IP address, alone: no scheme, no port (that is `port`), no brackets around IPv6. */
  readonly host: string;
  /** 1 to 65535. */
  readonly port: number;
}

/**
 * A Redis Cluster (self-hosted, or ElastiCache / MemoryDB in cluster mode) that the store reaches through
 * node-redis's `createCluster`. The store discovers every node from any of `rootNodes`, sends each command
 * to the primary serving its key's slot and follows the cluster through `MOVED`, `ASK` and failovers.
 */
export interface RedisClusterOptions {
  /** Some nodes of the cluster (more than one, so that the store can start while one is down). */
  readonly rootNodes: readonly RedisNodeAddress[];
  /** The ACL user of every node. */
  readonly username?: string | undefined;
  /** The password of every node. */
  readonly password?: string | undefined;
}

/**
 * A primary with replicas watched by Redis Sentinel, reached through node-redis's `createSentinel`: the
 * store asks the sentinels which node is the primary, and follows them when they promote a replica.
 */
export interface RedisSentinelOptions {
  /** The name the sentinels monitor the primary under (`sentinel monitor <name> …`): no white space. */
  readonly name: string;
  /** Some of the sentinels (more than one, so that the store can start while one is down). */
  readonly sentinelRootNodes: readonly RedisNodeAddress[];
  /** The ACL user of the primary and replicas. */
  readonly username?: string | undefined;
  /** The password of the primary and replicas. */
  readonly password?: string | undefined;
}

const NODE_ADDRESS: OptionSchema<RedisNodeAddress> = {
  host: hostName,
  port: integerBetween(1, 65_535),
};

/** The rule of the `cluster` option: every key known, every node a host and a port. */
export const CLUSTER_OPTIONS: OptionSchema<RedisClusterOptions> = {
  rootNodes: arrayOf(shape(NODE_ADDRESS), true),
  username: nonEmptyString,
  password: nonEmptyString,
};

/** The rule of the `sentinel` option. */
export const SENTINEL_OPTIONS: OptionSchema<RedisSentinelOptions> = {
  name: redisName,
  sentinelRootNodes: arrayOf(shape(NODE_ADDRESS), true),
  username: nonEmptyString,
  password: nonEmptyString,
};
