import { RsConfigError } from '../config/config-error.js';
import { refuseGivenUndefined } from '../config/option-schema.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import type { RsRequest } from '../request.js';
import type { OptionalAuthResult, ResourceServer } from '../resource-server-types.js';

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

/**
 * The error for a route policy given as `undefined` to a method that decides one request
 * (`authenticate(request, policy)`), which counts its arguments to tell it from one left out: thrown, or
 * returned as a rejected promise by a method that returns one. `option` names the method and argument.
 */
export function undefinedRoutePolicy(option: string): RsConfigError {
  return new RsConfigError(option, UNDEFINED_ROUTE_POLICY);
}

/**
 * Calls `server.authenticate` with the route's policy, or without one for a route that has none: every
 * `authenticate` refuses a policy given as `undefined` (see {@link undefinedRoutePolicy}), so an adapter
 * holding a route's policy that may be absent calls through this. `server` is core's resource server or
 * an `AdapterAuthenticator`.
 */
export function authenticateWithRoutePolicy<Input, Result>(
  server: { authenticate(input: Input, ...routePolicy: [] | [routePolicy: AccessPolicy]): Result },
  input: Input,
  policy: AccessPolicy | undefined,
): Result {
  return policy === undefined ? server.authenticate(input) : server.authenticate(input, policy);
}

/** As {@link authenticateWithRoutePolicy}, for core's `authenticateOptional`. */
export function authenticateOptionalWithRoutePolicy(
  resourceServer: ResourceServer,
  request: RsRequest,
  policy: AccessPolicy | undefined,
): Promise<OptionalAuthResult> {
  return policy === undefined
    ? resourceServer.authenticateOptional(request)
    : resourceServer.authenticateOptional(request, policy);
}
