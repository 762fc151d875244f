import { RsConfigError } from '../config/config-error.js';

/**
 * Checks the handler given to an adapter's `protect(handler, policy)` when the route is declared: a
 * policy given first (`protect({ scopes })`, as Express and Hono middleware take it) would otherwise be
 * accepted, and every request that passed authentication would then fail calling it. `option` names the
 * method and its first argument, e.g. `protectOptional(handler)`.
 */
export function checkRouteHandler(handler: unknown, option: string): void {
  if (typeof handler !== 'function') {
    const method = option.replace(/\(handler\)$/, '');
    throw new RsConfigError(
      option,
      `must be the route handler, a function; the policy comes second: ${method}(handler, policy)`,
    );
  }
}
