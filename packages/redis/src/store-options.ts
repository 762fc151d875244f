import { RsConfigError } from '@rs/core';
import {
  nonEmptyString as nonEmptyStringRule,
  type OptionSchema,
  objectWith,
  positiveInteger as positiveIntegerRule,
} from '@rs/core/adapter';
import type { NodeRedisClient } from './node-redis-client.js';

/** The options both stores take to reach Redis. */
export interface ConnectionOptions {
  readonly client?: NodeRedisClient;
  readonly url?: string;
  readonly commandTimeout?: number;
  readonly maxPendingCommands?: number;
  readonly reconnectMaxDelay?: number;
}

/**
 * The rules of {@link ConnectionOptions}, part of both stores' schemas. The factories check values further
 * (defaults, `client` xor `url`); the schema refuses unknown keys and wrong types.
 */
export const CONNECTION_OPTIONS: OptionSchema<ConnectionOptions> = {
  client: objectWith('a node-redis client', 'sendCommand'),
  url: nonEmptyStringRule,
  commandTimeout: positiveIntegerRule,
  maxPendingCommands: positiveIntegerRule,
  reconnectMaxDelay: positiveIntegerRule,
};

/** {@link ConnectionOptions}, checked, with the defaults filled in. */
export interface ConnectionSettings {
  readonly client?: NodeRedisClient;
  readonly url?: string;
  readonly commandTimeout: number;
  readonly maxPendingCommands: number;
  readonly reconnectMaxDelay: number;
}

/** Checks how a store reaches Redis: exactly one of `client` and `url`, and positive integer bounds. */
export function connectionSettings(
  options: ConnectionOptions,
  factory: string,
  defaultCommandTimeout: number,
): ConnectionSettings {
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new RsConfigError(`${factory}.client`, 'give exactly one of `client` and `url`');
  }
  return {
    client: options.client,
    url: options.url,
    commandTimeout: positiveInteger(options.commandTimeout, defaultCommandTimeout, factory, 'commandTimeout'),
    maxPendingCommands: positiveInteger(options.maxPendingCommands, 1_000, factory, 'maxPendingCommands'),
    reconnectMaxDelay: positiveInteger(options.reconnectMaxDelay, 2_000, factory, 'reconnectMaxDelay'),
  };
}

/** The value, or `fallback` when absent; throws unless it is a non-empty string. */
export function nonEmptyString(
  value: string | undefined,
  fallback: string,
  factory: string,
  option: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new RsConfigError(`${factory}.${option}`, 'must be a non-empty string');
  }
  return value;
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
