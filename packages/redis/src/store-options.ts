import { RsConfigError } from '@rs/core';
import {
  integerBetween,
  MAX_TIMER_MS,
  nonEmptyString as nonEmptyStringRule,
  type OptionSchema,
  positiveInteger as positiveIntegerRule,
  shape,
} from '@rs/core/adapter';
import {
  CLUSTER_OPTIONS,
  type RedisClusterOptions,
  type RedisNodeAddress,
  type RedisSentinelOptions,
  SENTINEL_OPTIONS,
} from './deployment-options.js';
import type { NodeRedisClient } from './node-redis-client.js';
import { nodeRedisClient } from './option-rules.js';

/** The options both stores take to reach Redis. */
export interface ConnectionOptions {
  readonly client?: NodeRedisClient | undefined;
  readonly url?: string | undefined;
  readonly cluster?: RedisClusterOptions | undefined;
  readonly sentinel?: RedisSentinelOptions | undefined;
  readonly commandTimeout?: number | undefined;
  readonly maxPendingCommands?: number | undefined;
  readonly reconnectMaxDelay?: number | undefined;
}

// Whole milliseconds, no longer than a timer waits: a longer delay would fire at once.
const timerDelay = integerBetween(1, MAX_TIMER_MS);

/**
 * The rules of {@link ConnectionOptions}, part of both stores' schemas. The factories check values further
 * (defaults, `client` xor `url`); the schema refuses unknown keys and wrong types.
 */
export const CONNECTION_OPTIONS: OptionSchema<ConnectionOptions> = {
  client: nodeRedisClient,
  url: nonEmptyStringRule,
  cluster: shape(CLUSTER_OPTIONS),
  sentinel: shape(SENTINEL_OPTIONS),
  commandTimeout: timerDelay,
  maxPendingCommands: positiveIntegerRule,
  reconnectMaxDelay: timerDelay,
};

/** {@link ConnectionOptions}, checked, with the defaults filled in. */
export interface ConnectionSettings {
  readonly client?: NodeRedisClient | undefined;
  readonly url?: string | undefined;
  readonly cluster?: RedisClusterOptions | undefined;
  readonly sentinel?: RedisSentinelOptions | undefined;
  readonly commandTimeout: number;
  readonly maxPendingCommands: number;
  readonly reconnectMaxDelay: number;
}

/**
 * Checks how a store reaches Redis: exactly one of `client`, `url`, `cluster` and `sentinel`, the nodes
 * these name, and positive integer bounds.
 */
export function connectionSettings(
  options: ConnectionOptions,
  factory: string,
  defaults: { readonly commandTimeout: number; readonly maxPendingCommands: number },
): ConnectionSettings {
  const given = [options.client, options.url, options.cluster, options.sentinel].filter(
    (v) => v !== undefined,
  );
  if (given.length !== 1) {
    throw new RsConfigError(
      `${factory}.client`,
      'give exactly one of `client`, `url`, `cluster` and `sentinel`',
    );
  }
  if (options.url !== undefined) requireRedisUrl(options.url, `${factory}.url`);
  if (options.cluster !== undefined) {
    requireAddresses(options.cluster.rootNodes, `${factory}.cluster.rootNodes`);
  }
  if (options.sentinel !== undefined) {
    if (options.sentinel.name === undefined) {
      throw new RsConfigError(
        `${factory}.sentinel.name`,
        'must be the name the sentinels monitor the primary under',
      );
    }
    requireAddresses(options.sentinel.sentinelRootNodes, `${factory}.sentinel.sentinelRootNodes`);
  }
  return {
    client: options.client,
    url: options.url,
    cluster: options.cluster,
    sentinel: options.sentinel,
    commandTimeout: positiveInteger(
      options.commandTimeout,
      defaults.commandTimeout,
      factory,
      'commandTimeout',
    ),
    maxPendingCommands: positiveInteger(
      options.maxPendingCommands,
      defaults.maxPendingCommands,
      factory,
      'maxPendingCommands',
    ),
    reconnectMaxDelay: positiveInteger(options.reconnectMaxDelay, 2_000, factory, 'reconnectMaxDelay'),
  };
}

/** The value, or `fallback` when absent; throws unless it is a positive integer. */
export function positiveInteger(
  value: number | undefined,
  fallback: number,
  factory: string,
  option: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RsConfigError(`${factory}.${option}`, 'must be a positive integer');
  }
  return value;
}

/**
 * A `redis:` or `rediss:` (TLS) URL that node-redis can use, checked here so that a slip is an
 * {@link RsConfigError} naming the option rather than the client's own `TypeError` (or, for a database
 * such as `/-1`, an error at every connection). Its credentials are never repeated in the message.
 */
function requireRedisUrl(url: string, option: string): void {
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:')) {
    throw new RsConfigError(
      option,
      'must be a redis:// or rediss:// URL, such as redis://cache.internal:6379',
    );
  }
  // Without one, node-redis would quietly connect to localhost.
  if (parsed.hostname === '') {
    throw new RsConfigError(option, 'must name a host, such as redis://cache.internal:6379');
  }
  // The path, if any, is the database number node-redis selects: `/0`, `/15`.
  if (parsed.pathname.length > 1 && !isDatabaseNumber(parsed.pathname.slice(1))) {
    throw new RsConfigError(
      option,
      'must have no path or a database number as its path, such as redis://cache.internal:6379/0',
    );
  }
  // node-redis reads scheme, credentials, host, port and path only: a setting written as a query, as other
  // clients take them (`?ssl=true`, `?db=2`, `?password=…`), would be dropped without a word (a
  // connection in clear where TLS was meant). Neither query nor fragment is repeated in the message.
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new RsConfigError(
      option,
      'must have no query or fragment, which node-redis ignores: write rediss:// for TLS, the database as ' +
        'the path (redis://cache.internal:6379/2), and credentials as redis://user:password@cache.internal:6379',
    );
  }
  // node-redis decodes them when it is created, and throws a URIError at a stray `%`.
  if (!isPercentDecodable(parsed.username) || !isPercentDecodable(parsed.password)) {
    throw new RsConfigError(
      option,
      'has a user name or password that is not valid percent-encoding: write `%` as `%25`',
    );
  }
}

/** Digits only, as Redis's `SELECT` takes them, within the 32-bit range of its `databases` setting. */
function isDatabaseNumber(text: string): boolean {
  return /^\d{1,10}$/.test(text) && Number(text) <= 2_147_483_647;
}

function isPercentDecodable(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/** The schema checks the types of what is there; this, that the nodes are there at all. */
function requireAddresses(nodes: readonly RedisNodeAddress[] | undefined, option: string): void {
  if (nodes === undefined) throw new RsConfigError(option, 'must list at least one node');
  nodes.forEach((node, index) => {
    if (node.host === undefined || node.port === undefined) {
      throw new RsConfigError(`${option}[${index}]`, 'must give a `host` and a `port`');
    }
  });
}
