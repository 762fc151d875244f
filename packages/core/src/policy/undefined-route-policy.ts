import { RsConfigError } from '../config/config-error.js';

/**
 * Why a route policy given as `undefined` is refused. Read as "no policy of the route's own", a policy
 * given as `undefined` (`protect(policies.admn)`: a misspelt or unloaded policy) would leave the route to
 * the server-wide policy alone: a route meant for administrators opened to every valid token.
 */
export const UNDEFINED_ROUTE_POLICY =
  'is undefined: a policy that is misspelt or failed to load? Leave the argument out for a route ' +
  'without a policy of its own';

/**
 * The error for a route policy given as `undefined` to a method that decides one request
 * (`authenticate(request, policy)`), which counts its arguments to tell it from one left out: thrown, or
 * returned as a rejected promise by a method that returns one. `option` names the method and argument.
 */
export function undefinedRoutePolicy(option: string): RsConfigError {
  return new RsConfigError(option, UNDEFINED_ROUTE_POLICY);
}
