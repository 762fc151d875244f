import { RsConfigError } from '@rs/core';
import type { OptionRule } from '@rs/core/adapter';

// Any white space (Unicode's, not only ASCII's) or control character.
const WHITE_SPACE_OR_CONTROL = /[\s\p{Cc}]/u;

/**
 * A name sent to Redis as is: a key prefix, a pub/sub channel, the name a Sentinel monitors. White space
 * or a control character in one is a slip (a pasted line break, a padded value): the Sentinel name could
 * then never match the one its configuration holds (a word, there), and a key prefix or channel would
 * differ from the one the other instances and tools use, so none of them would meet.
 */
export const redisName: OptionRule = {
  expected: 'a non-empty string without white space or control characters',
  check(value, path) {
    if (typeof value !== 'string' || value.length === 0 || WHITE_SPACE_OR_CONTROL.test(value)) {
      throw new RsConfigError(path, 'must be a non-empty string without white space or control characters');
    }
  },
};

/**
 * The host of a node, alone: a name or an IP address (IPv6 without brackets, as node-redis takes it). A
 * scheme or a port written into it (`redis://h`, `h:6379`) would be looked up as a host name that does
 * not exist, and the store would try to connect forever.
 */
export const hostName: OptionRule = {
  expected: 'a host name or IP address',
  check(value, path) {
    if (typeof value !== 'string' || value.length === 0 || WHITE_SPACE_OR_CONTROL.test(value)) {
      throw new RsConfigError(path, 'must be a host name or IP address, without white space');
    }
    // An IPv6 address has at least two colons; one colon can only be a port after the host.
    const colons = value.split(':').length - 1;
    if (/[/@[\]]/.test(value) || colons === 1) {
      throw new RsConfigError(
        path,
        'must be a host name or IP address alone, without a scheme, a port or brackets: give the port as `port`',
      );
    }
  },
};

// What the stores call on a client they are given: commands, its error events, and a duplicate for the
// token cache's subscriber (`connect`, `close` and `destroy` only on clients the stores create).
const CLIENT_METHODS = ['sendCommand', 'on', 'off', 'duplicate'] as const;

/**
 * A node-redis v5 client (`createClient()` from `redis`): every method the stores call on it, and its
 * `isReady`. Checked here so that something else (a mock, a cluster or an ioredis client) is refused at
 * start-up, naming what it lacks, rather than failing with a `TypeError` half-way through building the store.
 */
export const nodeRedisClient: OptionRule = {
  expected: 'a node-redis v5 client',
  check(value, path) {
    const advice = 'must be a node-redis v5 client, made by `createClient()` from `redis`';
    if (typeof value !== 'object' || value === null) throw new RsConfigError(path, advice);
    const client = value as Record<string, unknown>;
    const missing: string[] = CLIENT_METHODS.filter((method) => typeof client[method] !== 'function');
    if (typeof client.isReady !== 'boolean') missing.push('isReady');
    if (missing.length > 0) {
      throw new RsConfigError(
        path,
        `${advice}; it has no ${missing.map((name) => `\`${name}\``).join(', ')}`,
      );
    }
  },
};
