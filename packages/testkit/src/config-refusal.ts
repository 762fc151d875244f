import { RsConfigError } from '@rs/core';

/**
 * The {@link RsConfigError} that `build` throws: a configuration mistake must be refused at start-up.
 * Throws when `build` accepts the configuration or fails another way.
 *
 * @example
 * ```ts
 * expect(configRefusal(() => createExpressResourceServer({ ...options, onRejections: 'next' })).option).toBe('onRejections');
 * ```
 */
export function configRefusal(build: () => unknown): RsConfigError {
  try {
    build();
  } catch (error) {
    if (error instanceof RsConfigError) return error;
    throw new Error(`expected an RsConfigError, got: ${String(error)}`, { cause: error });
  }
  throw new Error('the configuration was accepted; expected an RsConfigError');
}
