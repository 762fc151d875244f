import { RsError } from '@rs/core';
import { ERROR_CLASS_BRAND } from '@rs/core/adapter';
/** What the store was doing when Redis failed it. */
export type RedisStoreOperation =
  | 'get'
  | 'set'
  | 'delete'
  | 'clear'
  | 'publish'
  | 'read_markers'
  | 'subscribe'
  | 'connection'
  | 'invalid_value'
  | 'remember';

/**
 * A Redis problem seen by {@link redisTokenCacheStore} or {@link redisReplayStore}: a failed or timed-out
 * command, a lost connection, or a value in Redis that this store refuses to use. The message says what
 * failed, never with what: it carries no claims and no cached values.
 *
 * @example
 * ```ts
 * redisTokenCacheStore({
 *   url: 'redis://cache:6379',
 *   onError: (error) => console.warn(error.operation, error.message),
 * });
 * ```
 */
export class RedisStoreError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/redis/RedisStoreError';
  override name = 'RedisStoreError';
  declare readonly code: 'ERR_RS_REDIS';
  /** What the store was doing when Redis failed it. */
  readonly operation: RedisStoreOperation;

  constructor(operation: RedisStoreOperation, problem: string, options?: { cause?: unknown }) {
    super('ERR_RS_REDIS', `@rs/redis: ${operation}: ${problem}`, options);
    this.operation = operation;
  }
}

/** Wraps whatever Redis threw, keeping only its message (Redis errors name commands, not values). */
export function redisStoreError(operation: RedisStoreOperation, cause: unknown): RedisStoreError {
  if (cause instanceof RedisStoreError) return cause;
  const problem = cause instanceof Error ? cause.message : 'Redis failed';
  return new RedisStoreError(operation, problem, { cause });
}
