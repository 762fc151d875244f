import { RsConfigError } from '../config/config-error.js';
import { refuseGivenUndefined } from '../config/option-schema.js';
import type { AccessPolicy } from '../policy/access-policy.js';

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

// Read as "no policy of the route's own", a policy given as `undefined` (`protect(policies.admn)`: a
// misspelt or unloaded policy) would leave the route to the server-wide policy alone: a route meant for
// administrators opened to every valid token.
const UNDEFINED_ROUTE_POLICY =
  'is undefined: a policy that is misspelt or failed to load? Leave the argument out for a route ' +
  'without a policy of its own';

/**
 * The route policy among an adapter method's optional arguments (its rest parameter: `[]` when left
 * out), refusing one given as `undefined`. `option` names it, e.g. `protect(policy)`.
 */
export function routePolicyArgument(
  given: readonly [policy?: AccessPolicy],
  option: string,
): AccessPolicy | undefined {
  if (given.length > 0 && given[0] === undefined) throw new RsConfigError(option, UNDEFINED_ROUTE_POLICY);
  return given[0];
}

/** As {@link routePolicyArgument}, for a policy held by a settings member (`{ policy }`, `config.rs`). */
export function checkRoutePolicyMember(settings: object, key: string, option: string): void {
  refuseGivenUndefined(settings, key, option, UNDEFINED_ROUTE_POLICY);
}
