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

/**
 * Refuses a route policy given as `undefined` (`protect(policies.admn)`: a misspelt or unloaded policy).
 * Read as "no policy of the route's own", it would leave the route guarded by the server-wide policy
 * alone: a route meant for administrators opened to every valid token. A route without a policy of its
 * own leaves the argument out. `given` holds the policy argument when one was given (the method's rest
 * parameter, or `[settings.policy]` when the member is present), `option` names it, e.g. `protect(policy)`.
 */
export function checkPolicyArgument(given: readonly unknown[], option: string): void {
  if (given.length > 0 && given[0] === undefined)
    throw new RsConfigError(
      option,
      'is undefined: a policy that is misspelt or failed to load? Leave the argument out for a route ' +
        'without a policy of its own',
    );
}
