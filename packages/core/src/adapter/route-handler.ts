import { RsConfigError } from '../config/config-error.js';

/**
 * Checks the handler given to an adapter's `protect(handler, policy)` when the route is declared: a
 * policy given first (`protect({ scopes })`, as Express and Hono middleware take it) would otherwise be
 * accepted, and every request that passed authentication would then fail calling it. Returns it.
 */
export function routeHandler<H>(handler: H, option: string): H {
  if (typeof handler !== 'function') {
    throw new RsConfigError(
      option,
      'must be the route handler, a function; the policy comes second: protect(handler, policy)',
    );
  }
  return handler;
}
